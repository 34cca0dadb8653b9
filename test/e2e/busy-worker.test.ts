/**
 * A busy worker is not a dead one: a real admin process (heartbeats every 500 ms, 4 s task
 * leases, 3 s worker TTL, Engine.IO ping 10 s + 10 s) and an SDK worker in this process whose
 * handler blocks the event loop for 25 s in a CPU loop. The main socket drops on the admin's
 * ping timeout during the block; the SDK's liveness thread keeps heartbeating the task, so its
 * lease is renewed and the worker is never retired: the task is recorded once, SUCCESS — never
 * LOST, never run a second time (the job retries once, so a LOST would show as a second run).
 */
import { expect } from 'chai';
import { createAppOn, createE2eWorld, type E2eWorld } from '../helpers/e2e-env.js';
import { quietWorkerLogger } from '../helpers/loggers.js';
import { waitFor } from '../helpers/wait.js';

interface LogRecord {
  id: string;
  status: string;
  result: string | null;
}

/** Blocks this thread's event loop for `ms`. */
function blockFor(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    /* a CPU-bound handler */
  }
}

describe('e2e: a handler that blocks its event loop for 25 s', function () {
  this.timeout(120_000);
  let world: E2eWorld;

  beforeEach(async () => {
    world = await createE2eWorld();
  });
  afterEach(async () => {
    await world.cleanup();
  });

  it('completes once, SUCCESS: no LOST, no second run, though its main socket dropped', async () => {
    const admin = await world.startAdmin();
    const { api, token } = await createAppOn(admin.url, 'busy');
    const job = await api.ok<{ id: number }>('POST', '/api/v1/jobs', {
      app: 'busy',
      name: 'block',
      handler: 'block',
      schedule: { type: 'NONE' },
      retry: { count: 1, delayMs: 0 },
    });
    const runs: number[] = [];
    const disconnects: string[] = [];
    const w = world.worker({ url: admin.url, app: 'busy', token, pollMs: 200, logger: quietWorkerLogger });
    w.handle('block', (ctx) => {
      runs.push(ctx.attempt);
      blockFor(25_000);
      return 'done after 25 s';
    });
    w.on('disconnected', (reason) => disconnects.push(reason));
    await w.start();
    // The liveness thread is up once the admin has heard from it (its first heartbeat).
    await waitFor(async () => (await api.ok<unknown[]>('GET', '/api/v1/workers?app=busy')).length === 1, 10_000, 'the worker listed');
    await new Promise((r) => setTimeout(r, 3000));

    const { taskId } = await api.ok<{ taskId: string }>('POST', `/api/v1/jobs/${job.id}/trigger`, {});
    const record = await waitFor(async () => {
      const r = await api.ok<LogRecord>('GET', `/api/v1/logs/${taskId}`);
      return !['QUEUED', 'RUNNING'].includes(r.status) && r;
    }, 60_000, 'the task recorded').catch((err: Error) => {
      throw new Error(`${err.message}\n${admin.output().slice(-3000)}`);
    });
    expect(disconnects.length, 'the main socket dropped during the block (the case under test)').to.be.at.least(1);
    expect(record.status).to.equal('SUCCESS');
    expect(record.result).to.equal('done after 25 s');

    // Nothing else happens to it: no retry planned, no second run.
    await new Promise((r) => setTimeout(r, 3000));
    const all = await api.ok<{ items: LogRecord[] }>('GET', `/api/v1/logs?jobId=${job.id}`);
    expect(all.items.map((i) => [i.id, i.status])).to.deep.equal([[taskId, 'SUCCESS']]);
    expect(runs, 'runs of the handler').to.deep.equal([1]);
  });
});
