/**
 * The SDK's liveness thread against real Socket.IO servers playing the admin: a handler that
 * blocks the main event loop in a CPU loop does not stop the worker's heartbeats — a worker
 * thread keeps a second connection (`role: 'liveness'`) and heartbeats the task ids the main
 * thread last posted, in the intervals where the main thread's own heartbeat went unanswered
 * (a healthy worker heartbeats once). It follows the main connection to another admin, opens nothing to an
 * admin whose welcome does not accept the role, and stops with the worker.
 */
import { expect } from 'chai';
import { OasisWorker, type WorkerOptions } from '@oasis/worker-client';
import { FakeAdmin } from '../../helpers/fake-admin.js';
import { quietWorkerLogger } from '../../helpers/loggers.js';
import { runTs, type Proc } from '../../helpers/processes.js';
import { sleep, waitFor } from '../../helpers/wait.js';


/** Blocks this thread's event loop for `ms` (a CPU-bound handler). */
function blockFor(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    /* busy */
  }
}

describe('worker-client: the liveness thread', function () {
  this.timeout(30_000);
  const admins: FakeAdmin[] = [];
  let worker: OasisWorker | undefined;

  const procs: Proc[] = [];

  afterEach(async () => {
    await worker?.stop({ timeoutMs: 0 });
    worker = undefined;
    for (const a of admins.splice(0)) await a.close();
    await Promise.all(procs.splice(0).map((p) => p.kill()));
  });

  async function newAdmin(liveness = true): Promise<FakeAdmin> {
    const a = await FakeAdmin.start({ heartbeatMs: 200, liveness });
    admins.push(a);
    return a;
  }

  function newWorker(over: Partial<WorkerOptions>): OasisWorker {
    worker = new OasisWorker({
      app: 'demo',
      token: 'secret',
      workerId: 'w-live',
      pollMs: 100,
      answerTimeoutMs: 400,
      reconnectMinMs: 20,
      reconnectMaxMs: 100,
      logger: quietWorkerLogger,
      ...over,
    });
    return worker;
  }
  const livenessHandshakes = (a: FakeAdmin) => a.handshakes.filter((h) => h.role === 'liveness');

  it('heartbeats the running task while its handler blocks the main event loop', async () => {
    // The admin runs in a process of its own: one in this process would be blocked too.
    const proc = runTs('test/helpers/fake-admin-process.ts', { FAKE_ADMIN_TASK_ID: 't-busy' });
    procs.push(proc);
    const url = await waitFor(() => /^url (\S+)$/m.exec(proc.output())?.[1], 20_000, 'the fake admin process listening', 20);
    const lines = (kind: string) =>
      proc
        .output()
        .split('\n')
        .filter((l) => l.startsWith(`${kind} `))
        .map((l) => JSON.parse(l.slice(kind.length + 1)) as { at: number; running: string[]; taskId?: string; status?: string });
    const w = newWorker({ url });
    const window = { from: 0, to: 0 };
    w.handle('busy', async () => {
      // The thread starts with the first welcome; block once it heartbeats.
      await waitFor(() => lines('liveness').length > 0, 20_000, 'the liveness thread heartbeating', 20);
      window.from = Date.now();
      blockFor(3000);
      window.to = Date.now();
      return 'done';
    });
    await w.start();
    await waitFor(() => lines('result').some((r) => r.taskId === 't-busy'), 20_000, 'the busy task accepted', 20);
    expect(window.to - window.from).to.be.at.least(3000);

    const during = lines('liveness').filter((h) => h.at > window.from && h.at < window.to);
    expect(during.length, 'liveness heartbeats during the 3 s block (one per 200 ms)').to.be.at.least(5);
    expect(during.every((h) => h.running.includes('t-busy')), 'each reports the running task').to.equal(true);
    expect(lines('result').filter((r) => r.taskId === 't-busy').map((r) => r.status)).to.deep.equal(['SUCCESS']);
  });

  it('heartbeats a task whose handler blocks from its first line (the start is posted before the handler runs)', async () => {
    // The task is handed out only once the thread heartbeats: the block starts on a connected thread.
    const proc = runTs('test/helpers/fake-admin-process.ts', { FAKE_ADMIN_TASK_ID: 't-sync', FAKE_ADMIN_TASK_AFTER_LIVENESS: '1' });
    procs.push(proc);
    const url = await waitFor(() => /^url (\S+)$/m.exec(proc.output())?.[1], 20_000, 'the fake admin process listening', 20);
    const lines = (kind: string) =>
      proc
        .output()
        .split('\n')
        .filter((l) => l.startsWith(`${kind} `))
        .map((l) => JSON.parse(l.slice(kind.length + 1)) as { at: number; running: string[]; taskId?: string; status?: string });
    const w = newWorker({ url });
    const window = { from: 0, to: 0 };
    w.handle('busy', () => {
      window.from = Date.now();
      blockFor(3000);
      window.to = Date.now();
      return Promise.resolve('done');
    });
    await w.start();
    await waitFor(() => lines('result').some((r) => r.taskId === 't-sync'), 20_000, 'the busy task accepted', 20);
    // The heartbeat in flight when the block began may predate the start: skip the first 400 ms.
    const during = lines('liveness').filter((h) => h.at > window.from + 400 && h.at < window.to);
    expect(during.length, 'liveness heartbeats during the 3 s block').to.be.at.least(5);
    expect(during.every((h) => h.running.includes('t-sync')), 'each reports the task started just before the block').to.equal(true);
    expect(lines('result').filter((r) => r.taskId === 't-sync').map((r) => r.status)).to.deep.equal(['SUCCESS']);
  });

  it('stays quiet while the main connection\'s heartbeats are answered (one heartbeat per interval)', async () => {
    const admin = await newAdmin();
    const w = newWorker({ url: admin.url });
    w.handle('noop', () => 'ok');
    await w.start();
    await waitFor(() => admin.livenessHeartbeats.length > 0, 10_000, 'the liveness connection up', 20);
    const [main, live] = [admin.heartbeats.length, admin.livenessHeartbeats.length];
    await sleep(2000);
    expect(admin.heartbeats.length - main, 'main heartbeats in 2 s (every 200 ms)').to.be.at.least(7);
    expect(admin.livenessHeartbeats.length - live, 'liveness heartbeats meanwhile').to.be.at.most(1);
  });

  it('sends the liveness handshake: the worker, role liveness, no handlers', async () => {
    const admin = await newAdmin();
    const w = newWorker({ url: admin.url });
    w.handle('noop', () => 'ok');
    await w.start();
    await waitFor(() => admin.livenessHeartbeats.length > 0, 10_000, 'the liveness thread heartbeating', 20);
    const [hs] = livenessHandshakes(admin);
    expect(hs).to.include({ app: 'demo', token: 'secret', workerId: 'w-live', role: 'liveness', concurrency: 4 });
    expect(hs?.handlers).to.deep.equal([]);
  });

  it('follows the main connection to the next admin', async () => {
    const [first, second] = [await newAdmin(), await newAdmin()];
    const w = newWorker({ urls: [first.url, second.url] });
    w.handle('noop', () => 'ok');
    await w.start();
    await waitFor(() => first.livenessHeartbeats.length > 0, 10_000, 'liveness heartbeats to the first admin', 20);
    first.drain();
    await waitFor(() => second.livenessHeartbeats.length > 0, 10_000, 'liveness heartbeats to the second admin', 20);
    expect(livenessHandshakes(second)).to.have.length(1);
  });

  it('opens no liveness connection to an admin that does not accept the role, nor when turned off', async () => {
    const old = await newAdmin(false);
    const w = newWorker({ url: old.url });
    w.handle('noop', () => 'ok');
    await w.start();
    const other = await newAdmin();
    const off = new OasisWorker({ url: other.url, app: 'demo', token: 'secret', workerId: 'w-off', livenessThread: false, logger: quietWorkerLogger });
    off.handle('noop', () => 'ok');
    await off.start();
    await sleep(1500);
    await off.stop({ timeoutMs: 0 });
    expect(livenessHandshakes(old)).to.have.length(0);
    expect(livenessHandshakes(other)).to.have.length(0);
    expect(old.handshakes).to.have.length(1);
  });

  it('stops with the worker: its connection closes', async () => {
    const admin = await newAdmin();
    const w = newWorker({ url: admin.url });
    w.handle('noop', () => 'ok');
    await w.start();
    await waitFor(() => admin.livenessHeartbeats.length > 0, 10_000, 'the liveness thread heartbeating', 20);
    await w.stop({ timeoutMs: 0 });
    await waitFor(() => admin.sockets.length === 0, 3000, 'every socket closed', 20);
    const n = admin.livenessHeartbeats.length;
    await sleep(600);
    expect(admin.livenessHeartbeats.length, 'no heartbeat after stop').to.equal(n);
  });
});
