/**
 * Worker presence after issue 11: a disconnect marks the worker (not routed to, queued tasks
 * re-routed) without retiring it; the sweep retires it by the one rule of
 * `lua/include/offline.lua` (no connection and silent past the reconnect grace, or silent past
 * the TTL) and only then its running tasks end LOST, at once and retried per policy; a worker
 * that comes back in time keeps them, one that keeps heartbeating is never retired, and a
 * restarted worker's handshake list releases what it no longer holds.
 */
import { expect } from 'chai';
import { createHotStore, type HotStore } from '../../server/src/store/redis/hot-store.js';
import { Verdict } from '../../server/src/store/redis/reply-codes.js';
import { NONE_PLAN, addWorker, enqueueManual } from '../helpers/hot-fixtures.js';
import { createTestRedis, type TestRedis } from '../helpers/redis.js';

const APP = 'wp';
const NOW = 1_700_000_000_000;
const TTL = 15_000;
const GRACE = 5000;
const PRESENCE = { workerTtlMs: TTL, noWorkerGraceMs: 30_000 };

interface Rec {
  id: string;
  status: string;
  error: string;
  retryTaskId: string;
  workerId: string;
}

describe('lua: worker presence (disconnect, reconnect grace, retire, held tasks)', function () {
  this.timeout(30_000);
  let t: TestRedis;
  let hot: HotStore;
  const k = () => t.keys.app(APP);

  beforeEach(async () => {
    t = createTestRedis();
    hot = createHotStore(t.redis, t.keys);
    await hot.schedule.syncJob(APP, 1, NONE_PLAN, null, true, { handler: 'h', params: '', routing: 'FIRST', timeoutMs: 0, retryCount: 1, retryDelay: 0 });
    await addWorker(hot, APP, 'w1', 4, NOW);
  });
  afterEach(async () => {
    await t.cleanup();
  });

  const records = async () => (await t.redis.xrange(k().finals, '-', '+')).map(([, f]) => JSON.parse(f[1] as string) as Rec);
  /** Queues tasks for w1 (FIRST routing) and delivers them; the first `acked` are acknowledged (running). */
  async function hold(ids: string[], acked: number): Promise<void> {
    for (const id of ids) await enqueueManual(hot, APP, 1, id, NOW);
    expect(((await hot.tasks.pull(APP, 'w1', ids.length, NOW, 3000)) ?? []).map((x) => x.id)).to.have.members(ids);
    await hot.tasks.ack(APP, 'w1', ids.slice(0, acked), NOW, 30_000, 5000);
  }
  const reconnect = (conn: string, now: number, holding?: string[]) =>
    hot.workers.register(APP, { workerId: 'w1', concurrency: 4, handlers: ['h'], host: null, pid: null, adminId: 'b', conn }, now, holding, { ...PRESENCE, taskLeaseMs: 30_000, timeoutGraceMs: 5000 });
  const reap = (now: number) => hot.workers.reap(APP, now, TTL, GRACE);

  it('a disconnect re-routes queued tasks at once but retires nobody; back within the grace (same id) the worker keeps its running task', async () => {
    await hold(['1-A'], 1);
    await enqueueManual(hot, APP, 1, '1-Q', NOW);
    expect(await hot.workers.offline(APP, 'w1', 'c-w1', NOW + 100, PRESENCE)).to.equal(1);
    expect(await t.redis.zscore(k().workers, 'w1'), 'not routed to').to.equal(null);
    expect(await t.redis.lrange(k().sharedQueue, 0, -1)).to.deep.equal(['1-Q']);
    expect((await hot.workers.list(APP, NOW + 100, TTL)).find((w) => w.workerId === 'w1')?.online).to.equal(false);
    expect((await reap(NOW + 100 + GRACE - 1)).retired).to.deep.equal([]);
    const back = await reconnect('c2', NOW + 3000, ['1-A']);
    expect(back.lost).to.deep.equal([]);
    expect((await reap(NOW + 3000 + GRACE + 1)).retired, 'reconnected: never retired').to.deep.equal([]);
    const r = await hot.tasks.complete(APP, 'w1', [{ taskId: '1-A', attempt: 1, status: 'SUCCESS', startedAt: NOW, finishedAt: NOW + 4000 }], NOW + 4000, TTL);
    expect(r.verdicts).to.deep.equal([Verdict.ACCEPTED]);
    expect((await records()).map((x) => x.status)).to.deep.equal(['SUCCESS']);
  });

  it('a worker that does not come back within the grace is retired: running tasks LOST at once (retried), delivered ones back in a queue', async () => {
    await addWorker(hot, APP, 'w2', 4, NOW + GRACE);
    await hold(['1-A', '1-B'], 1);
    await hot.workers.offline(APP, 'w1', 'c-w1', NOW + 100, PRESENCE);
    const r = await reap(NOW + 100 + GRACE);
    expect(r.retired).to.deep.equal(['w1']);
    expect(r.lost).to.deep.equal(['1-A']);
    expect(r.requeued).to.equal(1);
    const [rec] = await records();
    expect(rec).to.include({ id: '1-A', status: 'LOST', workerId: 'w1', retryTaskId: '1-A-a2' });
    expect(rec?.error).to.match(/disconnected and did not come back within 5000 ms/);
    expect(await hot.tasks.get(APP, '1-B')).to.include({ status: 'QUEUED', workerId: null });
    expect(await t.redis.lrange(k().sharedQueue, 0, -1)).to.deep.equal(['1-B']);
    // The retried task is routed to the live worker once due.
    await hot.schedule.promoteDelayed(APP, NOW + 100 + GRACE, TTL);
    expect(await hot.tasks.get(APP, '1-A-a2')).to.include({ status: 'QUEUED', workerId: 'w2' });
    expect((await records()).length, 'the delivered task is not recorded').to.equal(1);
  });

  it('heartbeats keep a disconnected worker from being retired (its liveness connection beats while a handler blocks)', async () => {
    await hold(['1-A'], 1);
    await hot.workers.offline(APP, 'w1', 'c-w1', NOW, PRESENCE);
    expect(await hot.tasks.renew(APP, 'w1', NOW + 4000, 30_000, 3, ['1-A'], 5000)).to.deep.equal([]);
    expect(await t.redis.zscore(k().workers, 'w1'), 'still not routed to').to.equal(null);
    expect((await reap(NOW + 8000)).retired, 'beat 4 s ago, within the grace').to.deep.equal([]);
    expect((await reap(NOW + 9000)).retired).to.deep.equal(['w1']);
  });

  it('a heartbeat keeps the clock offset the worker sent; one that sends none keeps the stored one; the list shows it', async () => {
    await hold(['1-A'], 1);
    const listed = async () => (await hot.workers.list(APP, NOW + 2000, TTL)).find((w) => w.workerId === 'w1')?.clockOffsetMs;
    expect(await listed(), 'before any heartbeat said').to.equal(null);
    expect(await hot.tasks.renew(APP, 'w1', NOW + 1000, 30_000, 3, ['1-A'], 5000, -3002)).to.deep.equal([]);
    expect(await listed()).to.equal(-3002);
    // The running ids after the offset still renew: the one held is not aborted, a foreign one is.
    expect(await hot.tasks.renew(APP, 'w1', NOW + 1500, 30_000, 3, ['1-A', '1-X'], 5000)).to.deep.equal(['1-X']);
    expect(await listed()).to.equal(-3002);
    expect(await hot.tasks.renew(APP, 'w1', NOW + 1800, 30_000, 3, [], 5000, 0)).to.deep.equal([]);
    expect(await listed()).to.equal(0);
  });

  it('a worker silent past the TTL is retired by the same rule, connection or not, and its running tasks end LOST', async () => {
    await hold(['1-A'], 1);
    expect((await reap(NOW + TTL)).retired).to.deep.equal([]);
    const r = await reap(NOW + TTL + 1);
    expect(r).to.deep.include({ retired: ['w1'], lost: ['1-A'] });
    expect((await records())[0]?.error).to.match(/stopped heartbeating/);
  });

  it('a disconnected worker silent past a TTL shorter than the grace is retired by the TTL clause', async () => {
    await hold(['1-A'], 1);
    await hot.workers.offline(APP, 'w1', 'c-w1', NOW, PRESENCE);
    expect((await hot.workers.reap(APP, NOW + 3000, 3000, GRACE)).retired).to.deep.equal([]);
    const r = await hot.workers.reap(APP, NOW + 3001, 3000, GRACE);
    expect(r).to.deep.include({ retired: ['w1'], lost: ['1-A'] });
  });

  it('a restarted worker lists what it holds: what it had and no longer holds is released at once', async () => {
    await hold(['1-A', '1-B', '1-C'], 2);
    // No list (an older SDK): nothing is released.
    expect((await reconnect('c2', NOW + 1000)).lost).to.deep.equal([]);
    const r = await reconnect('c3', NOW + 2000, ['1-A']);
    expect(r.lost).to.deep.equal(['1-B']);
    expect(r.requeued, 'the delivered task goes back').to.equal(1);
    const [rec] = await records();
    expect(rec).to.include({ id: '1-B', status: 'LOST', retryTaskId: '1-B-a2' });
    expect(rec?.error).to.match(/restarted without it/);
    expect(await hot.tasks.get(APP, '1-C')).to.include({ status: 'QUEUED' });
    expect(await t.redis.smembers(k().workerRunning('w1'))).to.deep.equal(['1-A']);
    // Restarted with nothing: the task it still had ends LOST too.
    expect((await reconnect('c4', NOW + 3000, [])).lost).to.deep.equal(['1-A']);
  });
});
