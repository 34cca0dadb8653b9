/**
 * Reliability of the worker SDK across an admin crash: the admin process is SIGKILLed under a
 * running worker and started again on the same port, Redis prefix and database. The worker
 * retries with backoff, reconnects by itself, re-sends the result it produced while the admin
 * was down (recorded once), and the scheduled job keeps firing.
 */
import { expect } from 'chai';
import type { TaskResult } from '@oasis/worker-client';
import { createAppOn, createE2eWorld, type E2eWorld } from '../helpers/e2e-env.js';
import { freePort } from '../helpers/processes.js';
import { waitFor } from '../helpers/wait.js';

interface LogRecord {
  id: string;
  status: string;
  result: string | null;
}

describe('e2e: the admin is SIGKILLed and restarted under a running worker', function () {
  this.timeout(90_000);
  let world: E2eWorld;

  beforeEach(async () => {
    world = await createE2eWorld();
  });
  afterEach(async () => {
    await world.cleanup();
  });

  it('reconnects with backoff, re-sends the result produced meanwhile (recorded once), and jobs keep firing', async () => {
    const port = await freePort();
    // Leases longer than the outage: the running task must still be the worker's when it is back.
    const env = { OASIS_PORT: String(port), OASIS_TASK_LEASE_MS: '30000', OASIS_WORKER_TTL_MS: '30000' };
    const first = await world.startAdmin(env);
    const { api, token } = await createAppOn(first.url, 'rel');

    const fires: number[] = [];
    let releaseSlow: () => void = () => {};
    const slowGate = new Promise<void>((r) => (releaseSlow = r));
    const ended: { result: TaskResult; connected: boolean }[] = [];
    const connections: string[] = [];
    const failures: string[] = [];
    const w = world.worker({
      url: first.url,
      app: 'rel',
      token,
      pollMs: 200,
      ackTimeoutMs: 2000,
      reconnectMinMs: 100,
      reconnectMaxMs: 800,
      logger: { warn: () => {}, info: () => {} },
    });
    w.handle('tick', (ctx) => {
      fires.push(ctx.scheduledAt);
      return 'tick';
    });
    w.handle('slow', async () => {
      await slowGate;
      return { finished: 'while the admin was down' };
    });
    w.on('connected', ({ adminId }) => connections.push(adminId));
    w.on('error', (err) => failures.push(err.message));
    w.on('task:end', (result) => ended.push({ result, connected: w.connected }));
    await w.start();

    const tick = await api.ok<{ id: number }>('POST', '/api/v1/jobs', {
      app: 'rel',
      name: 'tick',
      handler: 'tick',
      schedule: { type: 'FIXED_RATE', everyMs: 1000 },
    });
    const slow = await api.ok<{ id: number }>('POST', '/api/v1/jobs', { app: 'rel', name: 'slow', handler: 'slow', schedule: { type: 'NONE' } });
    const { taskId } = await api.ok<{ taskId: string }>('POST', `/api/v1/jobs/${slow.id}/trigger`, {});
    await waitFor(async () => (await api.ok<LogRecord>('GET', `/api/v1/logs/${taskId}`)).status === 'RUNNING', 10_000, 'the slow task to run');
    await waitFor(async () => fires.length >= 2, 10_000, 'two ticks before the crash');

    // Crash the admin; the worker notices, and its slow task ends while no admin is there.
    const disconnected = new Promise<void>((r) => w.once('disconnected', () => r()));
    await first.kill('SIGKILL');
    await disconnected;
    releaseSlow();
    await waitFor(async () => ended.some((e) => e.result.taskId === taskId), 5000, 'the slow task to end');
    const slowEnd = ended.find((e) => e.result.taskId === taskId);
    expect(slowEnd?.connected, 'the result was produced while disconnected').to.equal(false);
    expect(slowEnd?.result.status).to.equal('SUCCESS');
    await waitFor(async () => failures.length >= 2, 10_000, 'reconnect attempts failing while the admin is down');
    expect(failures.every((m) => m.includes(first.url))).to.equal(true);
    const firesBeforeRestart = fires.length;

    // Same port, same Redis prefix, same database.
    const second = await world.startAdmin(env);
    const restartedAt = Date.now();
    await waitFor(async () => connections.length >= 2 && w.connected, 15_000, 'the worker to reconnect by itself');
    expect(w.state).to.equal('running');

    // The result kept by the worker reached the new admin and was recorded once.
    const record = await waitFor(async () => {
      const r = await api.ok<LogRecord>('GET', `/api/v1/logs/${taskId}`);
      return r.status === 'SUCCESS' && r;
    }, 15_000, 'the re-sent result to be recorded').catch(async (err: Error) => {
      throw new Error(`${err.message}; last: ${JSON.stringify((await api.call('GET', `/api/v1/logs/${taskId}`)).body)}\n${second.output().slice(-2000)}`);
    });
    expect(JSON.parse(record.result ?? '')).to.deep.equal({ finished: 'while the admin was down' });
    const slowLogs = await api.ok<{ items: LogRecord[]; total: number }>('GET', `/api/v1/logs?jobId=${slow.id}`);
    expect(slowLogs.items.map((i) => [i.id, i.status])).to.deep.equal([[taskId, 'SUCCESS']]);

    // The job keeps firing after the restart, each fire once.
    await waitFor(async () => fires.filter((t) => t >= restartedAt).length >= 3, 15_000, 'three ticks after the restart');
    expect(fires.length).to.be.above(firesBeforeRestart);
    expect(new Set(fires).size, 'no fire ran twice').to.equal(fires.length);
    await api.ok('POST', `/api/v1/jobs/${tick.id}/stop`);
  });
});
