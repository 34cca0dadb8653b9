/**
 * The worker SDK against a real Socket.IO server playing the admin (see test/helpers/fake-admin.ts).
 */
import { expect } from 'chai';
import {
  OasisWorker,
  NonRetryableError,
  OasisWorkerError,
  TaskAbortError,
  type JobContext,
  type WorkerOptions,
} from '@oasis/worker-client';
import { PROTOCOL_VERSION } from '@oasis/worker-client/protocol';
import { FakeAdmin, makeTask } from '../../helpers/fake-admin.js';
import { freePort } from '../../helpers/processes.js';
import { sleep, waitFor } from '../../helpers/wait.js';

describe('worker-client: protocol against a real Socket.IO admin', function () {
  this.timeout(5000);

  let admin: FakeAdmin;
  let worker: OasisWorker | undefined;
  let warnings: string[];

  beforeEach(async () => {
    admin = await FakeAdmin.start();
    warnings = [];
  });

  afterEach(async () => {
    await worker?.stop({ timeoutMs: 0 });
    worker = undefined;
    await admin.close();
  });

  function newWorker(over: Partial<WorkerOptions> = {}): OasisWorker {
    worker = new OasisWorker({
      url: admin.url,
      app: 'demo',
      token: 'secret',
      workerId: 'w-test',
      pollMs: 50,
      ackTimeoutMs: 500,
      killGraceMs: 100,
      reconnectMinMs: 20,
      reconnectMaxMs: 50,
      logger: { warn: (m) => warnings.push(m), error: (m) => warnings.push(m) },
      ...over,
    });
    return worker;
  }

  it('sends the handshake and resolves start() once welcomed', async () => {
    const w = newWorker({ concurrency: 3 });
    w.handle('a', () => 1).handle('b', () => 2);
    const states: string[] = [];
    w.on('state', (s) => states.push(s));
    await w.start();
    expect(w.state).to.equal('running');
    expect(w.connected).to.equal(true);
    expect(states).to.deep.equal(['connecting', 'running']);
    const hs = admin.handshakes[0];
    expect(hs).to.include({ app: 'demo', token: 'secret', workerId: 'w-test', concurrency: 3, protocol: PROTOCOL_VERSION });
    expect(hs?.handlers).to.deep.equal(['a', 'b']);
    expect(hs?.meta).to.include({ pid: process.pid });
  });

  it('rejects start() on an unauthorized token and stops', async () => {
    const w = newWorker({ token: 'wrong' });
    const err = await w.start().then(
      () => expect.fail('start() resolved'),
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(OasisWorkerError);
    expect((err as OasisWorkerError).code).to.equal('OASIS_ERR_UNAUTHORIZED');
    expect(w.state).to.equal('stopped');
    const attempts = admin.handshakes.length;
    await sleep(150);
    expect(admin.handshakes.length, 'no retries after a refused start').to.equal(attempts);
  });

  it('rejects start() when the admin does not speak our protocol version', async () => {
    admin = await restartAdmin({ refuseWith: 'OASIS_ERR_PROTOCOL_VERSION: admin speaks protocol 2, worker 1' });
    const w = newWorker();
    const err = await w.start().then(
      () => expect.fail('start() resolved'),
      (e: unknown) => e as OasisWorkerError,
    );
    expect(err.code).to.equal('OASIS_ERR_PROTOCOL_VERSION');
    expect(err.message).to.include('admin speaks protocol 2');
  });

  it('fails over to the next URL and reports the failed attempt as an error event', async () => {
    const deadUrl = `http://127.0.0.1:${await freePort()}`;
    const w = newWorker({ url: undefined, urls: [deadUrl, admin.url] });
    const errors: Error[] = [];
    w.on('error', (e) => errors.push(e));
    const connected = new Promise<{ url: string }>((r) => w.once('connected', r));
    await w.start();
    expect((await connected).url).to.equal(admin.url);
    expect(errors).to.have.length.at.least(1);
    expect((errors[0] as OasisWorkerError).code).to.equal('OASIS_ERR_CONNECT');
    expect(errors[0]?.message).to.include(deadUrl);
  });

  it('never runs more than concurrency tasks and never overlaps pulls', async () => {
    admin = await restartAdmin({ pullDelayMs: 15 });
    const w = newWorker({ concurrency: 3 });
    let now = 0;
    let peak = 0;
    w.handle('work', async () => {
      now++;
      peak = Math.max(peak, now);
      await sleep(10 + Math.random() * 20);
      now--;
      return 'done';
    });
    const overAsks: string[] = [];
    admin.onPull = ({ max }) => {
      if (now + max > 3) overAsks.push(`pull max ${max} while ${now} running`);
    };
    for (let i = 0; i < 20; i++) admin.enqueue(makeTask('work'));
    await w.start();
    await waitFor(() => admin.accepted.size === 20, 3000, '20 results', 5);
    expect(peak).to.equal(3);
    expect(overAsks, 'pulls asked for more than the free slots').to.deep.equal([]);
    expect(admin.maxPullsInFlight).to.equal(1);
    for (const p of admin.pulls) expect(p.max).to.be.within(1, 3);
    for (const r of admin.accepted.values()) expect(r).to.include({ status: 'SUCCESS', output: 'done' });
  });

  it('keeps to concurrency even when the admin hands out too many tasks', async () => {
    admin = await restartAdmin({ ignoreMaxWith: 6 });
    const w = newWorker({ concurrency: 2 });
    let now = 0;
    let peak = 0;
    w.handle('work', async () => {
      peak = Math.max(peak, ++now);
      await sleep(15);
      now--;
    });
    for (let i = 0; i < 6; i++) admin.enqueue(makeTask('work'));
    await w.start();
    await waitFor(() => admin.accepted.size === 6, 3000, '6 results', 5);
    expect(peak).to.equal(2);
    expect([...admin.accepted.values()].every((r) => r.status === 'SUCCESS' && r.output === undefined)).to.equal(true);
  });

  it('batches results and encodes outputs', async () => {
    const w = newWorker({ concurrency: 50 });
    w.handle('echo', (ctx) => ctx.paramsJson<{ v: unknown }>()?.v);
    for (let i = 0; i < 50; i++) admin.enqueue(makeTask('echo', { params: JSON.stringify({ v: i % 2 ? `s${i}` : { n: i } }) }));
    await w.start();
    await waitFor(() => admin.accepted.size === 50, 3000, '50 results', 5);
    expect(admin.resultBatches.length, 'batches').to.be.at.most(5);
    const outputs = [...admin.accepted.values()].map((r) => r.output);
    expect(outputs).to.include('s1');
    expect(outputs).to.include('{"n":2}');
  });

  it('re-sends results that were not acked after the admin drops the connection', async () => {
    const w = newWorker();
    w.handle('x', () => 'v');
    let withheld = 0;
    admin.onResults = (_batch, socket) => {
      if (withheld++ > 0) return true;
      setTimeout(() => socket.disconnect(true), 20); // never ack the first batch, then drop
      return false;
    };
    const disconnected = new Promise((r) => w.once('disconnected', r));
    admin.enqueue(makeTask('x'));
    await w.start();
    await disconnected;
    await waitFor(() => admin.accepted.size === 1, 3000, 'result accepted after reconnect', 5);
    expect(admin.handshakes.length).to.equal(2);
    expect(admin.allResults.map((r) => r.status)).to.deep.equal(['SUCCESS', 'SUCCESS']);
  });

  it('kill aborts the signal and reports KILLED', async () => {
    const w = newWorker();
    let reason: unknown;
    w.handle('wait', (ctx) => new Promise((_resolve, reject) => {
      ctx.signal.addEventListener('abort', () => {
        reason = ctx.signal.reason;
        reject(ctx.signal.reason);
      });
    }));
    const task = makeTask('wait');
    admin.enqueue(task);
    const started = new Promise((r) => w.once('task:start', r));
    await w.start();
    await started;
    admin.kill(task.id, 'user pressed stop');
    await waitFor(() => admin.accepted.has(task.id), 3000, 'killed result', 5);
    expect(admin.accepted.get(task.id)).to.include({ status: 'KILLED' });
    expect(admin.accepted.get(task.id)?.error).to.include('user pressed stop');
    expect(reason).to.be.instanceOf(TaskAbortError);
    expect((reason as TaskAbortError).kind).to.equal('KILLED');
  });

  it('reports KILLED after the grace when a handler ignores the abort', async () => {
    const w = newWorker({ killGraceMs: 50 });
    w.handle('stubborn', () => sleep(1500).then(() => 'too late'));
    const task = makeTask('stubborn');
    admin.enqueue(task);
    await w.start();
    await waitFor(() => w.activeTasks === 1, 3000, 'task running', 5);
    admin.kill(task.id);
    await waitFor(() => admin.accepted.has(task.id), 1000, 'result', 5);
    expect(admin.accepted.get(task.id)?.status).to.equal('KILLED');
    expect(w.activeTasks, 'slot freed').to.equal(0);
  });

  it('times out a task: TIMEOUT', async () => {
    const w = newWorker();
    w.handle('slow', (ctx) => new Promise((resolve) => ctx.signal.addEventListener('abort', resolve)));
    const task = makeTask('slow', { timeoutMs: 80 });
    admin.enqueue(task);
    await w.start();
    await waitFor(() => admin.accepted.has(task.id), 3000, 'timeout result', 5);
    const r = admin.accepted.get(task.id);
    expect(r?.status).to.equal('TIMEOUT');
    expect(r!.finishedAt - r!.startedAt).to.be.within(75, 1500);
  });

  it('reports FAILED for throws, NonRetryableError, bad JSON params and unknown handlers', async () => {
    const w = newWorker();
    w.handle('boom', () => {
      throw new Error('kaput');
    });
    w.handle('final', async () => {
      throw new NonRetryableError('no such customer');
    });
    w.handle('json', (ctx: JobContext) => ctx.json);
    const boom = makeTask('boom');
    const final = makeTask('final');
    const badJson = makeTask('json', { params: '{oops' });
    const unknown = makeTask('nope');
    admin.enqueue(boom, final, badJson, unknown);
    await w.start();
    await waitFor(() => admin.accepted.size === 4, 3000, '4 results', 5);
    const err = (id: string): string => admin.accepted.get(id)?.error ?? '';
    for (const t of [boom, final, badJson, unknown]) expect(admin.accepted.get(t.id)?.status).to.equal('FAILED');
    expect(err(boom.id)).to.match(/^Error: kaput\n\s+at /);
    expect(err(final.id)).to.match(/^NonRetryableError: no such customer/);
    expect(err(badJson.id)).to.match(/^NonRetryableError: params of task \S+ are not valid JSON/);
    expect(err(unknown.id)).to.equal('no handler named nope on this worker');
  });

  it('streams log lines in batches before the result', async () => {
    const w = newWorker();
    let linesSeenMidway = -1;
    w.handle('chatty', async (ctx) => {
      for (let i = 0; i < 250; i++) ctx.log('line', i, { i });
      await sleep(40); // under the 100 ms timer: only full batches can have gone out
      linesSeenMidway = admin.logs.reduce((n, b) => n + b.lines.length, 0);
      return 'ok';
    });
    const task = makeTask('chatty');
    admin.enqueue(task);
    await w.start();
    await waitFor(() => admin.accepted.has(task.id), 3000, 'result', 5);
    const batches = admin.logs.filter((l) => l.taskId === task.id);
    expect(linesSeenMidway, 'full batches sent at once').to.be.at.least(200);
    expect(batches.map((b) => b.seq)).to.deep.equal([0, 100, 200]);
    const lines = batches.flatMap((b) => b.lines);
    expect(lines).to.have.length(250);
    expect(lines[7]).to.match(/^\d{4}-\d\d-\d\dT[\d:.]+Z line 7 \{ i: 7 \}$/);
  });

  it('heartbeats with running ids and aborts the tasks the admin disowns', async () => {
    const w = newWorker({ heartbeatMs: 100 });
    w.handle('long', (ctx) => new Promise((_resolve, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason))));
    const task = makeTask('long');
    admin.enqueue(task);
    await w.start();
    await waitFor(() => admin.heartbeats.some((h) => h.running.includes(task.id)), 3000, 'heartbeat listing the task', 5);
    admin.abortOnHeartbeat = [task.id];
    await waitFor(() => admin.accepted.has(task.id), 3000, 'aborted result', 5);
    expect(admin.accepted.get(task.id)?.status).to.equal('KILLED');
  });

  it('pulls on wake, and stops pulling on drain', async () => {
    const w = newWorker({ pollMs: 60_000 });
    w.handle('x', () => 'ok');
    await w.start();
    await waitFor(() => admin.pullsAnswered === 1, 3000, 'pull on connect answered', 5);
    const first = makeTask('x');
    admin.enqueue(first);
    await sleep(50);
    expect(admin.accepted.size, 'no pull without wake').to.equal(0);
    admin.wake();
    await waitFor(() => admin.accepted.has(first.id), 3000, 'task pulled after wake', 5);
    admin.drain();
    await sleep(30);
    const pulls = admin.pulls.length;
    admin.enqueue(makeTask('x'));
    admin.wake();
    await sleep(80);
    expect(admin.pulls.length, 'no pull after drain').to.equal(pulls);
  });

  it('stop() stops pulling, lets running tasks finish and delivers their results', async () => {
    const w = newWorker({ concurrency: 2 });
    w.handle('work', () => sleep(150).then(() => 'finished'));
    const tasks = [makeTask('work'), makeTask('work')];
    admin.enqueue(...tasks);
    await w.start();
    await waitFor(() => w.activeTasks === 2, 3000, 'both tasks running', 5);
    admin.enqueue(makeTask('work'));
    const pullsAtStop = admin.pulls.length;
    await w.stop({ timeoutMs: 2000 });
    expect(w.state).to.equal('stopped');
    expect(admin.pulls.length, 'no pull while draining').to.equal(pullsAtStop);
    for (const t of tasks) expect(admin.accepted.get(t.id)).to.include({ status: 'SUCCESS', output: 'finished' });
    await waitFor(() => admin.sockets.length === 0, 3000, 'disconnected', 5);
  });

  it('stop() runs the tasks of a pull that was in flight', async () => {
    admin = await restartAdmin({ pullDelayMs: 80 });
    const w = newWorker({ pollMs: 60_000 });
    w.handle('x', () => 'ran');
    await w.start();
    await waitFor(() => admin.pullsAnswered === 1, 3000, 'first pull answered', 5);
    const task = makeTask('x');
    admin.enqueue(task);
    admin.wake();
    await waitFor(() => admin.pulls.length === 2, 3000, 'second pull in flight', 5);
    await w.stop({ timeoutMs: 1000 });
    expect(admin.accepted.get(task.id)).to.include({ status: 'SUCCESS', output: 'ran' });
  });

  it('stop() aborts tasks past the deadline and reports them KILLED', async () => {
    const w = newWorker();
    let aborted: unknown;
    w.handle('forever', (ctx) => new Promise((_resolve, reject) => ctx.signal.addEventListener('abort', () => {
      aborted = ctx.signal.reason;
      reject(new Error('interrupted'));
    })));
    const task = makeTask('forever');
    admin.enqueue(task);
    await w.start();
    await waitFor(() => w.activeTasks === 1, 3000, 'task running', 5);
    const t0 = Date.now();
    await w.stop({ timeoutMs: 50 });
    expect(Date.now() - t0).to.be.below(1000);
    expect((aborted as TaskAbortError).kind).to.equal('SHUTDOWN');
    expect(admin.accepted.get(task.id)?.status).to.equal('KILLED');
  });

  async function restartAdmin(options: Parameters<typeof FakeAdmin.start>[0]): Promise<FakeAdmin> {
    await admin.close();
    return FakeAdmin.start(options);
  }
});
