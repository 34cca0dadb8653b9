/**
 * Scheduling policies through a real admin process and SDK workers: kill through the REST API
 * reaches the worker holding the task, failed attempts are retried as RETRY records, sharding
 * broadcast runs one shard per worker, timeouts end TIMEOUT, overlap SKIP discards, and the
 * operator controls (pause / resume / skip-next) act on the schedule.
 */
import { expect } from 'chai';
import type { JobContext } from '@oasis/worker-client';
import type { ApiClient } from '../helpers/api-client.js';
import { createAppOn, createE2eWorld, finalRecordsOf, startWorkers, type E2eWorld } from '../helpers/e2e-env.js';
import { quietWorkerLogger } from '../helpers/loggers.js';
import { waitFor } from '../helpers/wait.js';

interface LogRecord {
  id: string;
  status: string;
  triggerType: string;
  attempt: number;
  shardIndex: number;
  shardTotal: number;
  workerId: string | null;
  error: string | null;
  result: string | null;
}
interface JobJson {
  id: number;
  paused: boolean;
  pauseNote: string;
  skipNext: number;
  nextFireAt: number | null;
}

/** Resolves when the signal aborts. */
const aborted = (ctx: JobContext) => new Promise<void>((r) => ctx.signal.addEventListener('abort', () => r()));

describe('e2e: scheduling policies (admin process + SDK workers)', function () {
  this.timeout(90_000);
  let world: E2eWorld;
  let api: ApiClient;
  let token: string;
  let url: string;
  const calls: string[] = [];

  before(async () => {
    world = await createE2eWorld();
    url = (await world.startAdmin({ OASIS_TIMEOUT_GRACE_MS: '500' })).url;
    ({ api, token } = await createAppOn(url, 'pol'));
    await startWorkers(world, api, { url, app: 'pol', token, concurrency: 4, pollMs: 100, logger: quietWorkerLogger }, ['w-a', 'w-b'], (w, id) => {
      w.handle('block', async (ctx) => {
        calls.push(`block:${ctx.taskId}`);
        await aborted(ctx);
        calls.push(`aborted:${ctx.taskId}`);
        return 'ended';
      });
      w.handle('flaky', async (ctx) => {
        calls.push(`flaky:${ctx.attempt}`);
        if (ctx.attempt < 3) throw new Error(`attempt ${ctx.attempt} fails`);
        return { attempt: ctx.attempt };
      });
      w.handle('shard', async (ctx) => ({ worker: id, shard: ctx.shard }));
      w.handle('stubborn', async () => {
        await new Promise((r) => setTimeout(r, 3000)); // ignores its signal
        return 'late';
      });
      w.handle('slow', async () => {
        await new Promise((r) => setTimeout(r, 1500));
        return 'done';
      });
    });
  });
  after(async () => {
    await world?.cleanup();
  });

  const createJob = (name: string, handler: string, extra: Record<string, unknown> = {}) =>
    api.ok<JobJson>('POST', '/api/v1/jobs', { app: 'pol', name, handler, schedule: { type: 'NONE' }, ...extra });
  const trigger = async (jobId: number) => (await api.ok<{ taskId: string }>('POST', `/api/v1/jobs/${jobId}/trigger`, {})).taskId;
  const logsOf = (jobId: number) => api.ok<{ items: LogRecord[] }>('GET', `/api/v1/logs?jobId=${jobId}&limit=100`).then((p) => p.items);
  const finalLogs = async (jobId: number, n: number) =>
    (await finalRecordsOf<LogRecord>(api, jobId, n, 20_000)).sort((a, b) => a.attempt - b.attempt || a.shardIndex - b.shardIndex);

  it('kill through the REST API aborts the task on the worker holding it; the record is KILLED', async () => {
    const job = await createJob('killme', 'block', { retry: { count: 3, delayMs: 0 } });
    const taskId = await trigger(job.id);
    await waitFor(async () => (await api.ok<LogRecord>('GET', `/api/v1/logs/${taskId}`)).status === 'RUNNING', 10_000, 'running');
    const killed = await api.ok<LogRecord>('POST', `/api/v1/logs/${taskId}/kill`, { reason: 'operator said so' });
    expect(killed.status).to.equal('KILLED');
    await waitFor(async () => calls.includes(`aborted:${taskId}`), 10_000, 'the handler saw the abort');
    const [rec] = await finalLogs(job.id, 1);
    expect(rec).to.include({ id: taskId, status: 'KILLED', error: 'operator said so' });
    const again = await api.call('POST', `/api/v1/logs/${taskId}/kill`, {});
    expect(again.status).to.equal(409);
    expect((await api.call('POST', '/api/v1/logs/1-NOSUCHTASK/kill', {})).status).to.equal(404);
  });

  it('retries a failing handler with backoff: each attempt its own record, the last one RETRY + SUCCESS', async () => {
    const job = await createJob('flaky', 'flaky', { retry: { count: 3, backoff: 'EXPONENTIAL', delayMs: 100, maxDelayMs: 1000 } });
    await trigger(job.id);
    const recs = await finalLogs(job.id, 3);
    expect(recs.map((r) => [r.attempt, r.status, r.triggerType])).to.deep.equal([
      [1, 'FAILED', 'MANUAL'],
      [2, 'FAILED', 'RETRY'],
      [3, 'SUCCESS', 'RETRY'],
    ]);
  });

  it('SHARDING_BROADCAST runs one shard on each live worker', async () => {
    const job = await createJob('bcast', 'shard', { routing: 'SHARDING_BROADCAST' });
    const trig = await api.ok<{ taskId: string; taskIds: string[] }>('POST', `/api/v1/jobs/${job.id}/trigger`, {});
    expect(trig.taskIds).to.deep.equal([`${trig.taskId.replace(/-s0$/, '')}-s0`, `${trig.taskId.replace(/-s0$/, '')}-s1`]);
    const recs = await finalLogs(job.id, 2);
    expect(recs.map((r) => r.id)).to.deep.equal(trig.taskIds);
    expect(recs.map((r) => [r.shardIndex, r.shardTotal, r.status])).to.deep.equal([
      [0, 2, 'SUCCESS'],
      [1, 2, 'SUCCESS'],
    ]);
    expect(new Set(recs.map((r) => r.workerId))).to.deep.equal(new Set(['w-a', 'w-b']));
    for (const r of recs) expect(JSON.parse(r.result ?? '{}')).to.deep.include({ shard: { index: r.shardIndex, total: 2 } });
  });

  it('a task past its timeout ends TIMEOUT (the worker aborts and reports; the admin would otherwise)', async () => {
    const job = await createJob('stubborn', 'stubborn', { timeoutMs: 300 });
    await trigger(job.id);
    const [rec] = await finalLogs(job.id, 1);
    expect(rec?.status).to.equal('TIMEOUT');
  });

  it('overlap SKIP discards fires while the previous run is still going', async () => {
    const job = await createJob('overlap', 'slow', { schedule: { type: 'FIXED_RATE', everyMs: 500 }, overlap: 'SKIP' });
    const recs = await waitFor(async () => {
      const items = await logsOf(job.id);
      return items.some((l) => l.status === 'DISCARDED') && items.some((l) => l.status === 'SUCCESS') && items;
    }, 20_000, 'a discarded and a successful fire');
    await api.ok('POST', `/api/v1/jobs/${job.id}/stop`, {});
    expect(recs.find((r) => r.status === 'DISCARDED')?.error).to.match(/overlap SKIP/);
    // Never two runs at once: no RUNNING record overlaps another.
    expect(recs.filter((r) => r.status === 'RUNNING').length).to.be.at.most(1);
  });

  it('pause with a note stops scheduled fires, trigger still works, resume brings the schedule back; skip-next counts', async () => {
    const job = await createJob('paused', 'shard', { schedule: { type: 'FIXED_RATE', everyMs: 3_600_000 } });
    const paused = await api.ok<JobJson>('POST', `/api/v1/jobs/${job.id}/pause`, { note: 'maintenance window' });
    expect(paused).to.include({ paused: true, pauseNote: 'maintenance window', nextFireAt: null });
    await trigger(job.id);
    await finalLogs(job.id, 1);
    const resumed = await api.ok<JobJson>('POST', `/api/v1/jobs/${job.id}/resume`, {});
    expect(resumed).to.include({ paused: false, pauseNote: '' });
    expect(resumed.nextFireAt).to.be.a('number');
    const skipped = await api.ok<JobJson>('POST', `/api/v1/jobs/${job.id}/skip-next`, { count: 2 });
    expect(skipped.skipNext).to.equal(2);
    expect((await api.call('POST', `/api/v1/jobs/${job.id}/skip-next`, { count: 0 })).status).to.equal(400);
  });
});
