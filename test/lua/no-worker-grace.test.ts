/**
 * The no-worker grace (issue 11, item 1): a task routed while its app has no live worker waits
 * on the shared queue (QUEUED, `waitingSince`) for up to OASIS_NO_WORKER_GRACE_MS instead of
 * ending NO_WORKER at once; the first worker that comes pulls it; the sweep
 * (reap-expired.lua) ends it NO_WORKER only past the grace and only while there is still no
 * worker. A grace of 0 keeps the fail-at-once.
 */
import { expect } from 'chai';
import { createHotStore, type HotStore } from '../../server/src/store/redis/hot-store.js';
import { NONE_PLAN, addWorker, enqueueManual } from '../helpers/hot-fixtures.js';
import { createTestRedis, type TestRedis } from '../helpers/redis.js';

const APP = 'nwg';
const NOW = 1_700_000_000_000;
const TTL = 15_000;
const GRACE = 30_000;

interface Rec {
  id: string;
  status: string;
  attempt: string;
  error: string;
  retryTaskId: string;
}

describe('lua: no-worker grace (a fire waits for a worker instead of ending NO_WORKER)', function () {
  this.timeout(30_000);
  let t: TestRedis;
  let hot: HotStore;
  const k = () => t.keys.app(APP);

  beforeEach(() => {
    t = createTestRedis();
    hot = createHotStore(t.redis, t.keys);
  });
  afterEach(async () => {
    await t.cleanup();
  });

  const job = (id: number, fields: Record<string, string | number> = {}) =>
    hot.schedule.syncJob(APP, id, NONE_PLAN, null, true, { handler: 'h', params: '', routing: 'FIRST', timeoutMs: 0, ...fields });
  /** One sweep's part of it: records the grace for the app and ends the waits past it. */
  const sweep = (now: number, grace = GRACE) => hot.tasks.reapExpired(APP, now, TTL, grace);
  const records = async () => (await t.redis.xrange(k().finals, '-', '+')).map(([, f]) => JSON.parse(f[1] as string) as Rec);
  const pullAcked = async (w: string, now: number, max = 10) => {
    const got = (await hot.tasks.pull(APP, w, max, now, 3000)) ?? [];
    if (got.length) await hot.tasks.ack(APP, w, got.map((g) => g.id), now, 30_000, 5000);
    return got;
  };

  it('with no live worker a task waits queued on the shared queue, shows since when, and the worker that comes pulls it', async () => {
    await sweep(NOW - 1000);
    await job(1);
    await enqueueManual(hot, APP, 1, '1-A', NOW);
    expect(await records(), 'no NO_WORKER record').to.deep.equal([]);
    const waiting = await hot.tasks.get(APP, '1-A');
    expect(waiting).to.include({ status: 'QUEUED', waitingSince: NOW });
    expect(await t.redis.lrange(k().sharedQueue, 0, -1)).to.deep.equal(['1-A']);
    // Before the grace is over nothing ends.
    expect((await sweep(NOW + GRACE - 1)).noWorker).to.deep.equal([]);
    await addWorker(hot, APP, 'w', 2, NOW + 3000);
    expect((await hot.tasks.get(APP, '1-A'))?.waitingSince, 'a registration ends every wait').to.equal(null);
    const got = await pullAcked('w', NOW + 3000);
    expect(got.map((g) => g.id)).to.deep.equal(['1-A']);
    expect(await t.redis.zcard(k().waiting)).to.equal(0);
    expect((await sweep(NOW + GRACE + 1)).noWorker).to.deep.equal([]);
  });

  it('an app whose first job was just saved has the admin\'s grace at once: its first fire waits, no sweep needed', async () => {
    const withGrace = createHotStore(t.redis, t.keys, { noWorkerGraceMs: GRACE });
    await withGrace.schedule.syncJob(APP, 1, NONE_PLAN, null, true, { handler: 'h', params: '', routing: 'FIRST', timeoutMs: 0 });
    await enqueueManual(withGrace, APP, 1, '1-A', NOW);
    expect(await records(), 'no NO_WORKER record before any sweep ran').to.deep.equal([]);
    expect(await withGrace.tasks.get(APP, '1-A')).to.include({ status: 'QUEUED', waitingSince: NOW });
    // A grace another admin (or a sweep) already wrote is left as it is.
    await t.redis.set(k().noWorkerGrace, '5000');
    await withGrace.schedule.addApp(APP);
    expect(await t.redis.get(k().noWorkerGrace)).to.equal('5000');
  });

  it('past the grace with still no worker the sweep ends it NO_WORKER (retried per policy), and its queued id is skipped', async () => {
    await sweep(NOW);
    await job(1, { retryCount: 1, retryDelay: 60_000 });
    await enqueueManual(hot, APP, 1, '1-A', NOW);
    expect((await sweep(NOW + GRACE - 1)).noWorker).to.deep.equal([]);
    const r = await sweep(NOW + GRACE);
    expect(r.noWorker).to.deep.equal(['1-A']);
    const [rec] = await records();
    expect(rec).to.include({ id: '1-A', status: 'NO_WORKER', retryTaskId: '1-A-a2' });
    expect(rec?.error).to.match(/30000 ms no-worker grace/);
    await addWorker(hot, APP, 'w', 2, NOW + GRACE + 1);
    expect(await pullAcked('w', NOW + GRACE + 1), 'the ended task is not handed out').to.deep.equal([]);
  });

  it('a grace of 0 keeps the fail-at-once (XXL-JOB): NO_WORKER when routed', async () => {
    await sweep(NOW, 0);
    await job(1);
    await enqueueManual(hot, APP, 1, '1-A', NOW);
    expect((await records()).map((x) => x.status)).to.deep.equal(['NO_WORKER']);
    expect(await t.redis.llen(k().sharedQueue)).to.equal(0);
  });

  it('a SHARDING_BROADCAST fire with no live worker waits as one task (shard 0 of 1)', async () => {
    await sweep(NOW);
    await job(1, { routing: 'SHARDING_BROADCAST' });
    await enqueueManual(hot, APP, 1, '1-A', NOW);
    expect(await hot.tasks.get(APP, '1-A')).to.include({ status: 'QUEUED', shardIndex: 0, shardTotal: 1, waitingSince: NOW });
    await addWorker(hot, APP, 'w', 2, NOW + 1000);
    expect((await pullAcked('w', NOW + 1000)).map((g) => [g.id, g.shard.total])).to.deep.equal([['1-A', 1]]);
  });

  it('a retry planned into the outage waits for a worker too: it does not burn its attempt', async () => {
    await addWorker(hot, APP, 'w', 2, NOW);
    await job(1, { retryCount: 1, retryDelay: 1000 });
    await enqueueManual(hot, APP, 1, '1-A', NOW);
    const [task] = await pullAcked('w', NOW);
    expect(task?.id).to.equal('1-A');
    await hot.tasks.complete(APP, 'w', [{ taskId: '1-A', attempt: 1, status: 'FAILED', error: 'boom', startedAt: NOW, finishedAt: NOW + 10 }], NOW + 10, TTL);
    // The worker goes away for good before the retry is due.
    expect(await hot.workers.offline(APP, 'w', 'c-w', NOW + 20, { workerTtlMs: TTL, noWorkerGraceMs: GRACE })).to.equal(0);
    expect((await hot.workers.reap(APP, NOW + 6000, TTL, 5000)).retired).to.deep.equal(['w']);
    await hot.schedule.promoteDelayed(APP, NOW + 6000, TTL);
    expect((await records()).map((x) => x.status), 'only the failure is recorded').to.deep.equal(['FAILED']);
    expect(await hot.tasks.get(APP, '1-A-a2')).to.include({ status: 'QUEUED', attempt: 2, waitingSince: NOW + 6000 });
    await addWorker(hot, APP, 'w', 2, NOW + 9000);
    const [retry] = await pullAcked('w', NOW + 9000);
    expect(retry).to.include({ id: '1-A-a2', attempt: 2, triggerType: 'RETRY' });
  });

  it('when the last worker leaves, the tasks already on the shared queue wait for one too', async () => {
    await addWorker(hot, APP, 'w', 1, NOW);
    await job(1, { routing: 'BUSYOVER' });
    await enqueueManual(hot, APP, 1, '1-A', NOW);
    expect((await hot.tasks.get(APP, '1-A'))?.waitingSince, 'a live worker: an ordinary queued task').to.equal(null);
    await hot.workers.offline(APP, 'w', 'c-w', NOW + 100, { workerTtlMs: TTL, noWorkerGraceMs: GRACE });
    expect((await hot.tasks.get(APP, '1-A'))?.waitingSince).to.equal(NOW + 100);
    expect((await sweep(NOW + 100 + GRACE)).noWorker).to.deep.equal(['1-A']);
  });

  it('a worker live again (heartbeating) never has a wait turned into NO_WORKER: the task just waits its turn', async () => {
    // A worker silent past the TTL (not live, not reaped yet) when the task is routed.
    await addWorker(hot, APP, 'w', 1, NOW - TTL - 1);
    await sweep(NOW);
    await job(1, { routing: 'BUSYOVER' });
    await enqueueManual(hot, APP, 1, '1-A', NOW);
    expect((await hot.tasks.get(APP, '1-A'))?.waitingSince).to.equal(NOW);
    // Its heartbeat makes it live again, without a new registration.
    await hot.tasks.renew(APP, 'w', NOW + GRACE, 30_000, 0, [], 5000);
    expect((await sweep(NOW + GRACE + 5)).noWorker).to.deep.equal([]);
    expect(await hot.tasks.get(APP, '1-A')).to.include({ status: 'QUEUED', waitingSince: null });
    expect(await t.redis.zcard(k().waiting)).to.equal(0);
  });
});
