/**
 * Issue 11, item 1, end to end: the one worker of an app is SIGKILLed and restarted with the same
 * identity 3 s later, under an admin process with its default no-worker grace and a long task
 * lease. Fires of the outage wait for the worker (0 NO_WORKER) and each runs once; the tasks the
 * worker held end LOST within seconds (not after the lease), and with a retry policy the retry
 * runs on the restarted worker.
 */
import { expect } from 'chai';
import { createAppOn, createE2eWorld, type E2eWorld } from '../helpers/e2e-env.js';
import { runTs, type Proc } from '../helpers/processes.js';
import { parseExecutions } from '../helpers/records.js';
import { TEST_REDIS_URL } from '../helpers/redis.js';
import { sleep, waitFor } from '../helpers/wait.js';

interface Row {
  id: string;
  jobId: number;
  scheduledAt: number;
  status: string;
  error: string | null;
  workerId: string | null;
}

describe('e2e: a worker SIGKILLed and restarted 3 s later costs no fire', function () {
  this.timeout(120_000);
  let world: E2eWorld;

  beforeEach(async () => {
    world = await createE2eWorld();
  });
  afterEach(async () => {
    await world.cleanup();
  });

  async function startWorker(url: string, token: string, workerId: string): Promise<Proc> {
    const w = runTs('test/e2e/fixtures/recording-worker.ts', {
      OASIS_URLS: url,
      OASIS_APP: 'restart',
      OASIS_TOKEN: token,
      OASIS_TEST_RECORD_KEY: `${world.prefix}record`,
      OASIS_TEST_REDIS_URL: TEST_REDIS_URL,
      OASIS_WORKER_ID: workerId,
    });
    world.procs.push(w);
    await waitFor(async () => w.output().includes('worker started') || (w.child.exitCode !== null && Promise.reject(new Error(w.output()))), 20_000, 'worker start');
    return w;
  }

  it('0 NO_WORKER, every fire of the outage runs once, the held task is LOST within seconds and retried', async () => {
    // A lease far longer than the test: only the worker's disconnect can end the held task.
    const admin = await world.startAdmin({ OASIS_TASK_LEASE_MS: '120000' });
    const { api, token } = await createAppOn(admin.url, 'restart');
    const worker = await startWorker(admin.url, token, 'w-restart');

    const held = await api.ok<{ id: number }>('POST', '/api/v1/jobs', {
      app: 'restart',
      name: 'held',
      handler: 'sleep',
      schedule: { type: 'NONE' },
      retry: { count: 1, delayMs: 0 },
    });
    const { taskId } = await api.ok<{ taskId: string }>('POST', `/api/v1/jobs/${held.id}/trigger`, { params: '60000' });
    await waitFor(async () => (await api.ok<Row>('GET', `/api/v1/logs/${taskId}`)).status === 'RUNNING', 10_000, 'the held task to run');

    const jobs: number[] = [];
    for (let i = 0; i < 5; i++) {
      const j = await api.ok<{ id: number }>('POST', '/api/v1/jobs', {
        app: 'restart',
        name: `tick-${i}`,
        handler: 'record',
        schedule: { type: 'FIXED_RATE', everyMs: 1000 },
      });
      jobs.push(j.id);
    }
    await sleep(2500);
    await worker.kill('SIGKILL');
    const killedAt = Date.now();
    await sleep(3000);
    await startWorker(admin.url, token, 'w-restart');
    await sleep(4000);
    for (const id of jobs) await api.ok('POST', `/api/v1/jobs/${id}/stop`);
    await sleep(2000);

    const lost = await api.ok<Row & { finishedAt: number }>('GET', `/api/v1/logs/${taskId}`);
    expect(lost.status, JSON.stringify(lost)).to.equal('LOST');
    expect(lost.error).to.match(/did not come back|stopped heartbeating|restarted without it/);
    expect(lost.finishedAt - killedAt, 'LOST within seconds, not after the 120 s lease').to.be.below(15_000);
    const retry = await waitFor(async () => {
      const r = await api.call('GET', `/api/v1/logs/${taskId}-a2`);
      return r.status === 200 && (r.body as Row).status === 'RUNNING' && (r.body as Row);
    }, 15_000, 'the retry running on the restarted worker');
    expect(retry.workerId).to.equal('w-restart');

    // From the admin's records: every fire of every tick job has one (none lost without a record),
    // none is NO_WORKER; a tick running on the worker when it was killed may be LOST (no retry
    // policy on these jobs), every other one is SUCCESS and ran exactly once on the worker.
    const rows = await waitFor(
      async () => {
        const all: Row[] = [];
        for (const id of jobs) {
          const page = await api.ok<{ items: Row[] }>('GET', `/api/v1/logs?jobId=${id}&limit=500`);
          if (page.items.some((i) => i.status === 'QUEUED' || i.status === 'RUNNING')) return null;
          all.push(...page.items);
        }
        return all;
      },
      30_000,
      'every tick final',
    );
    expect(rows.filter((r) => r.status === 'NO_WORKER'), 'NO_WORKER records').to.deep.equal([]);
    expect(rows.filter((r) => r.status !== 'SUCCESS' && r.status !== 'LOST').map((r) => r.status)).to.deep.equal([]);
    for (const r of rows.filter((x) => x.status === 'LOST')) expect(r.error).to.match(/did not come back|stopped heartbeating|restarted without it/);
    for (const id of jobs) {
      const times = rows.filter((r) => r.jobId === id).map((r) => r.scheduledAt).sort((a, b) => a - b);
      expect(times.length, `fires of job ${id}`).to.be.at.least(8);
      expect(times.slice(1).filter((t, i) => t - (times[i] as number) !== 1000), `job ${id}: a fire without a record`).to.deep.equal([]);
    }
    const execs = parseExecutions(await world.redis.lrange(`${world.prefix}record`, 0, -1));
    const ran = new Map<string, number>();
    for (const e of execs) ran.set(e.taskId, (ran.get(e.taskId) ?? 0) + 1);
    expect([...ran.values()].filter((n) => n > 1), 'tasks run twice').to.deep.equal([]);
    const unrun = rows.filter((r) => r.status === 'SUCCESS' && !ran.has(r.id)).map((r) => r.id);
    expect(unrun, 'SUCCESS records the worker did not run').to.deep.equal([]);
  });
});
