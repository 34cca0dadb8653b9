/**
 * Script (GLUE) tasks run by a real worker against the fake admin: child processes for shell,
 * node and python, arguments and environment, streamed logs, exit codes, kill/timeout with
 * SIGTERM then SIGKILL, and the `allowScripts` switch.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { expect } from 'chai';
import { OasisWorker, type WorkerOptions } from '@oasis/worker-client';
import type { TaskPayload, TaskResult, TaskScript } from '@oasis/worker-client/protocol';
import { FakeAdmin, makeTask } from '../../helpers/fake-admin.js';
import { waitFor } from '../../helpers/wait.js';

function hasPython(): boolean {
  try {
    execFileSync('python3', ['-c', 'print(1)'], { stdio: 'ignore', timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('worker-client: script jobs', function () {
  this.timeout(10_000);

  let admin: FakeAdmin;
  let worker: OasisWorker | undefined;

  beforeEach(async () => {
    admin = await FakeAdmin.start();
  });
  afterEach(async () => {
    await worker?.stop({ timeoutMs: 0 });
    worker = undefined;
    await admin.close();
  });

  async function start(over: Partial<WorkerOptions> = {}): Promise<OasisWorker> {
    worker = new OasisWorker({
      url: admin.url,
      app: 'demo',
      token: 'secret',
      pollMs: 50,
      ackTimeoutMs: 1000,
      killGraceMs: 100,
      allowScripts: true,
      logger: { warn: () => {}, error: () => {} },
      ...over,
    });
    await worker.start();
    return worker;
  }

  function scriptTask(language: TaskScript['language'], source: string, over: Partial<TaskPayload> = {}): TaskPayload {
    return makeTask('glue', { script: { language, source, version: 3 }, ...over });
  }

  async function run(task: TaskPayload, timeoutMs = 5000): Promise<TaskResult> {
    admin.enqueue(task);
    admin.wake();
    await waitFor(() => admin.accepted.has(task.id), timeoutMs, `result of ${task.id}`, 5);
    return admin.accepted.get(task.id) as TaskResult;
  }

  /** Log lines of a task without their timestamps. */
  function logLines(taskId: string): string[] {
    return admin.logs
      .filter((l) => l.taskId === taskId)
      .sort((a, b) => a.seq - b.seq)
      .flatMap((l) => l.lines)
      .map((l) => l.replace(/^\S+ /, ''));
  }

  it('runs a shell script with params and shard as arguments and environment, streams stdout/stderr, last line = output', async () => {
    await start();
    const task = scriptTask(
      'shell',
      [
        'echo "args: $1|$2|$3"',
        'echo "env: $OASIS_PARAMS|$OASIS_SHARD_INDEX|$OASIS_SHARD_TOTAL|$OASIS_TASK_ID|$OASIS_JOB_ID"',
        'echo "careful" >&2',
        'echo "$0" > /dev/null',
        'echo "file: $0"',
        'echo "done 42"',
        '',
      ].join('\n'),
      { params: 'a b', shard: { index: 1, total: 4 }, jobId: 7 },
    );
    const result = await run(task);
    expect(result).to.include({ status: 'SUCCESS', output: 'done 42' });
    await waitFor(() => logLines(task.id).some((l) => l.startsWith('[oasis] script exited')), 3000, 'the last log line', 5);
    const lines = logLines(task.id);
    expect(lines[0]).to.match(/^\[oasis\] running shell script v3 \(pid \d+\)$/);
    expect(lines).to.include('args: a b|1|4');
    expect(lines).to.include(`env: a b|1|4|${task.id}|7`);
    expect(lines).to.include('[stderr] careful');
    expect(lines.indexOf('args: a b|1|4')).to.be.below(lines.indexOf('done 42'));
    expect(lines.at(-1)).to.equal('[oasis] script exited with code 0');
    // The temporary script file is gone once the task ended.
    const file = lines.find((l) => l.startsWith('file: '))?.slice('file: '.length) ?? '';
    expect(file).to.match(/oasis-script-/);
    expect(existsSync(file)).to.equal(false);
  });

  it('reports a non-zero exit as FAILED with the code and the stderr tail', async () => {
    await start();
    const result = await run(scriptTask('shell', 'echo "partial"\necho "disk full" >&2\necho "giving up" >&2\nexit 3\n'));
    expect(result.status).to.equal('FAILED');
    expect(result.error).to.equal('ScriptFailedError: the script exited with code 3; stderr:\ndisk full\ngiving up');
  });

  it('runs a node script with this Node.js binary', async () => {
    await start();
    const source = [
      "const [params, index, total] = process.argv.slice(2);",
      "console.log('working');",
      "console.log(JSON.stringify({ params: JSON.parse(params), index: Number(index), total: Number(total), task: process.env.OASIS_TASK_ID, node: process.version }));",
    ].join('\n');
    const task = scriptTask('node', source, { params: '{"n":5}', shard: { index: 0, total: 2 } });
    const result = await run(task);
    expect(result.status).to.equal('SUCCESS');
    expect(JSON.parse(result.output ?? '')).to.deep.equal({ params: { n: 5 }, index: 0, total: 2, task: task.id, node: process.version });
  });

  it('runs a python script with python3', async function () {
    if (!hasPython()) this.skip(); // python3 is not installed on this machine
    await start();
    const source = 'import os, sys\nprint("shard", sys.argv[2], "of", sys.argv[3])\nprint(os.environ["OASIS_PARAMS"].upper())\n';
    const task = scriptTask('python', source, { params: 'hello', shard: { index: 2, total: 3 } });
    const result = await run(task);
    expect(result).to.include({ status: 'SUCCESS', output: 'HELLO' });
    await waitFor(() => logLines(task.id).includes('shard 2 of 3'), 3000, 'the python log line', 5);
  });

  it('fails script tasks with a non-retryable error unless started with allowScripts', async () => {
    await start({ allowScripts: false });
    const result = await run(scriptTask('shell', 'echo should-not-run\n'));
    expect(result.status).to.equal('FAILED');
    expect(result.error).to.equal('NonRetryableError: script jobs are disabled on this worker (start it with allowScripts: true)');
  });

  it('refuses an unknown language without running anything', async () => {
    await start();
    const task = makeTask('glue', { script: { language: 'ruby', source: 'puts 1', version: 1 } as unknown as TaskScript });
    const result = await run(task);
    expect(result.status).to.equal('FAILED');
    expect(result.error).to.match(/^NonRetryableError: unknown script language "ruby"/);
  });

  it('kill ends the script and what it started with SIGTERM: KILLED', async () => {
    await start();
    const task = scriptTask('shell', 'echo "pid $$"\nsleep 30\necho never\n');
    admin.enqueue(task);
    admin.wake();
    await waitFor(() => logLines(task.id).some((l) => l.startsWith('pid ')), 3000, 'the script to start', 5);
    const pid = Number(logLines(task.id).find((l) => l.startsWith('pid '))?.slice(4));
    admin.kill(task.id, 'user pressed stop');
    await waitFor(() => admin.accepted.has(task.id), 3000, 'the result', 5);
    expect(admin.accepted.get(task.id)).to.include({ status: 'KILLED' });
    expect(admin.accepted.get(task.id)?.error).to.include('user pressed stop');
    expect(alive(pid)).to.equal(false);
    await waitFor(() => logLines(task.id).some((l) => l.startsWith('[oasis] script exited')), 3000, 'the exit line', 5);
    const lines = logLines(task.id);
    expect(lines.some((l) => /sending SIGTERM/.test(l))).to.equal(true);
    expect(lines).to.not.include('never');
    expect(lines.some((l) => /SIGKILL$/.test(l)), 'no SIGKILL needed').to.equal(false);
  });

  it('a script that ignores SIGTERM is SIGKILLed after scriptKillGraceMs; a timeout reports TIMEOUT', async () => {
    await start({ scriptKillGraceMs: 300 });
    const task = scriptTask('shell', 'trap "" TERM\necho "pid $$"\nwhile true; do sleep 0.05; done\n', { timeoutMs: 400 });
    admin.enqueue(task);
    admin.wake();
    await waitFor(() => logLines(task.id).some((l) => l.startsWith('pid ')), 3000, 'the script to start', 5);
    const pid = Number(logLines(task.id).find((l) => l.startsWith('pid '))?.slice(4));
    await waitFor(() => admin.accepted.has(task.id), 4000, 'the result', 5);
    const result = admin.accepted.get(task.id) as TaskResult;
    expect(result.status).to.equal('TIMEOUT');
    expect(result.finishedAt - result.startedAt, 'reported after the SIGKILL grace').to.be.at.least(650);
    expect(alive(pid)).to.equal(false);
    await waitFor(() => logLines(task.id).some((l) => l.startsWith('[oasis] script exited')), 3000, 'the exit line', 5);
    const lines = logLines(task.id);
    expect(lines).to.include('[oasis] the script did not exit after SIGTERM: SIGKILL');
    expect(lines.at(-1)).to.equal('[oasis] script exited with signal SIGKILL');
  });

  describe('environment of a script and the worker token', () => {
    const saved: Record<string, string | undefined> = {};
    const set = (name: string, value: string) => {
      if (!(name in saved)) saved[name] = process.env[name];
      process.env[name] = value;
    };
    afterEach(() => {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
        delete saved[name];
      }
    });

    /** Runs a node script that prints its whole environment; returns it. */
    async function scriptEnv(): Promise<Record<string, string>> {
      const result = await run(scriptTask('node', 'console.log(JSON.stringify(process.env));\n'));
      expect(result.status).to.equal('SUCCESS');
      return JSON.parse(result.output ?? '{}') as Record<string, string>;
    }

    beforeEach(() => {
      // The token the worker was started with ('secret', see start()) under its usual name, under
      // another name, and inside a URL; plus a harmless variable.
      set('OASIS_TOKEN', 'secret');
      set('MY_WORKER_TOKEN_COPY', 'secret');
      set('MY_ADMIN_URL_WITH_TOKEN', 'http://x:secret@127.0.0.1:8080');
      set('MY_HARMLESS_SETTING', 'visible');
    });

    it('by default a script sees the worker\'s environment without the token', async () => {
      await start();
      const env = await scriptEnv();
      expect(env).to.include({ MY_HARMLESS_SETTING: 'visible', OASIS_JOB_ID: '1' });
      expect(env).to.not.have.any.keys('OASIS_TOKEN', 'MY_WORKER_TOKEN_COPY', 'MY_ADMIN_URL_WITH_TOKEN');
      expect(Object.values(env).some((v) => v.includes('secret')), 'the token in no variable').to.equal(false);
    });

    it("scriptEnv: 'inherit' passes the token deliberately", async () => {
      await start({ scriptEnv: 'inherit' });
      expect(await scriptEnv()).to.include({ OASIS_TOKEN: 'secret', MY_WORKER_TOKEN_COPY: 'secret', MY_HARMLESS_SETTING: 'visible' });
    });

    it('scriptEnv: {…} gives exactly those variables plus the task ones', async () => {
      await start({ scriptEnv: { ONLY_THIS: 'yes', OASIS_TASK_ID: 'not overridable' } });
      const env = await scriptEnv();
      expect(env).to.include({ ONLY_THIS: 'yes', OASIS_JOB_ID: '1', OASIS_SHARD_TOTAL: '1' });
      expect(env.OASIS_TASK_ID).to.match(/^t-\d+$/);
      expect(env).to.not.have.any.keys('OASIS_TOKEN', 'MY_HARMLESS_SETTING', 'PATH');
    });

    it('refuses a scriptEnv that is neither a known mode nor a map of strings', () => {
      for (const bad of ['inherit-all', 42, { A: 1 }, ['A=1'], null]) {
        expect(
          () => new OasisWorker({ url: admin.url, app: 'demo', token: 'secret', scriptEnv: bad as unknown as WorkerOptions['scriptEnv'] }),
          JSON.stringify(bad),
        ).to.throw(/scriptEnv: must be/);
      }
    });
  });

  it('stop() past its deadline ends running scripts and reports them KILLED', async () => {
    const w = await start({ scriptKillGraceMs: 200 });
    const task = scriptTask('shell', 'echo "pid $$"\nsleep 30\n');
    admin.enqueue(task);
    admin.wake();
    await waitFor(() => logLines(task.id).some((l) => l.startsWith('pid ')), 3000, 'the script to start', 5);
    const pid = Number(logLines(task.id).find((l) => l.startsWith('pid '))?.slice(4));
    await w.stop({ timeoutMs: 100 });
    expect(admin.accepted.get(task.id)).to.include({ status: 'KILLED' });
    expect(alive(pid)).to.equal(false);
  });
});
