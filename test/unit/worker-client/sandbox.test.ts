/**
 * Sandboxed handlers (`sandboxed(module)`): the module's export runs in a worker thread per task,
 * so a CPU-bound handler does not block the worker — its other tasks complete and its heartbeats
 * go on meanwhile (a fake admin in this process sees them: its thread is not blocked either).
 * `log` and `progress` reach the admin, the return value is the result, a NonRetryableError
 * stays non-retryable, a kill aborts the thread's signal (KILLED).
 */
import { expect } from 'chai';
import { OasisWorker, sandboxed } from '@oasis/worker-client';
import { FakeAdmin, makeTask } from '../../helpers/fake-admin.js';
import { quietWorkerLogger } from '../../helpers/loggers.js';
import { waitFor } from '../../helpers/wait.js';

const JOBS = new URL('./fixtures/sandboxed-jobs.ts', import.meta.url);

describe('worker-client: sandboxed handlers', function () {
  this.timeout(30_000);
  let admin: FakeAdmin;
  let worker: OasisWorker | undefined;

  beforeEach(async () => {
    admin = await FakeAdmin.start({ heartbeatMs: 100 });
  });
  afterEach(async () => {
    await worker?.stop({ timeoutMs: 0 });
    worker = undefined;
    await admin.close();
  });

  function start(): Promise<void> {
    const w = new OasisWorker({ url: admin.url, app: 'demo', token: 'secret', pollMs: 50, killGraceMs: 500, livenessThread: false, logger: quietWorkerLogger });
    w.handle('busy', sandboxed(JOBS));
    w.handle('refuses', sandboxed(JOBS, { exportName: 'refuses' }));
    w.handle('waits', sandboxed(JOBS, { exportName: 'waits' }));
    w.handle('quick', () => 'quick');
    worker = w;
    return w.start();
  }

  it('runs a CPU-bound handler in its own thread: the worker keeps working and heartbeating meanwhile', async () => {
    await start();
    const busy = makeTask('busy', { params: '2000' });
    admin.enqueue(busy);
    await waitFor(() => admin.logs.some((l) => l.taskId === busy.id), 10_000, 'the sandboxed handler to log', 10);
    const beatsBefore = admin.heartbeats.length;
    const quick = makeTask('quick');
    admin.enqueue(quick);
    await waitFor(() => admin.accepted.has(quick.id), 10_000, 'a quick task done', 10);
    // A blocked main thread would send no heartbeat until the busy handler ended.
    await waitFor(() => admin.heartbeats.length > beatsBefore, 10_000, 'a heartbeat while the busy handler runs', 10);
    expect(admin.accepted.has(busy.id), 'the busy one still blocks its thread').to.equal(false);

    await waitFor(() => admin.accepted.has(busy.id), 10_000, 'the busy task done', 10);
    const result = admin.accepted.get(busy.id);
    expect(result?.status).to.equal('SUCCESS');
    expect(JSON.parse(result?.output ?? '')).to.deep.equal({ blockedMs: 2000, attempt: 1 });
    expect(admin.logs.filter((l) => l.taskId === busy.id).flatMap((l) => l.lines).join('\n')).to.include('blocking 2000');
    expect(admin.progress.some((p) => p.taskId === busy.id && p.value === 10)).to.equal(true);
  });

  it('keeps a NonRetryableError non-retryable, and a kill aborts the thread\'s signal', async () => {
    await start();
    const refuses = makeTask('refuses');
    const waits = makeTask('waits');
    admin.enqueue(refuses, waits);
    await waitFor(() => admin.accepted.has(refuses.id), 10_000, 'the refusing task reported', 10);
    expect(admin.accepted.get(refuses.id)).to.include({ status: 'FAILED', nonRetryable: true });
    expect(admin.accepted.get(refuses.id)?.error).to.include('bad input, retrying cannot help');

    await waitFor(() => worker?.activeTasks === 1, 5000, 'the waiting task running', 10);
    admin.kill(waits.id, 'stop it');
    await waitFor(() => admin.accepted.has(waits.id), 5000, 'the killed task reported', 10);
    expect(admin.accepted.get(waits.id)?.status).to.equal('KILLED');
  });
});
