/**
 * Delivery acknowledgement (issue 11, item 2): a pulled task is delivered, not started, until its
 * worker acknowledges it (ack, a heartbeat or a result naming it). Unacknowledged past
 * OASIS_DELIVERY_ACK_MS it goes back to the front of its queue (requeue-unacked.lua): it was
 * never started, so it is never LOST. A delivered task holds a slot.
 */
import { expect } from 'chai';
import { createHotStore, type HotStore } from '../../server/src/store/redis/hot-store.js';
import { Verdict } from '../../server/src/store/redis/reply-codes.js';
import { NONE_PLAN, addNoneJob, addWorker, enqueueManual } from '../helpers/hot-fixtures.js';
import { createTestRedis, type TestRedis } from '../helpers/redis.js';

const APP = 'ack';
const NOW = 1_700_000_000_000;
const TTL = 15_000;
const ACK_MS = 3000;
const LEASE = 30_000;

describe('lua: delivery is acknowledged (pull → ack → running)', function () {
  this.timeout(30_000);
  let t: TestRedis;
  let hot: HotStore;
  const k = () => t.keys.app(APP);

  beforeEach(async () => {
    t = createTestRedis();
    hot = createHotStore(t.redis, t.keys);
    await addNoneJob(hot, APP, 1);
    for (const w of ['w1', 'w2']) await addWorker(hot, APP, w, 2, NOW);
  });
  afterEach(async () => {
    await t.cleanup();
  });

  const pull = async (w: string, max: number, now = NOW) => ((await hot.tasks.pull(APP, w, max, now, ACK_MS)) ?? []).map((g) => g.id);
  const ok = (taskId: string, now = NOW) => ({ taskId, attempt: 1, status: 'SUCCESS' as const, startedAt: now, finishedAt: now });
  const statuses = async () => (await t.redis.xrange(k().finals, '-', '+')).map(([, f]) => (JSON.parse(f[1] as string) as { status: string }).status);

  it('a task never acknowledged goes back to the front of its queue, is never LOST, and then runs once', async () => {
    for (const id of ['1-A', '1-B']) await enqueueManual(hot, APP, 1, id, NOW);
    expect(await pull('w1', 1)).to.deep.equal(['1-A']);
    // Delivered: held (a slot) but no lease yet, so the lease reaper has nothing to end.
    expect(await t.redis.zscore(k().unacked, '1-A')).to.equal(String(NOW + ACK_MS));
    expect(await t.redis.zcard(k().running)).to.equal(0);
    expect((await hot.tasks.reapExpired(APP, NOW + 60_000, TTL, 0)).lost).to.deep.equal([]);
    expect((await hot.tasks.requeueUnacked(APP, NOW + ACK_MS - 1, TTL)).requeued).to.deep.equal([]);
    const back = await hot.tasks.requeueUnacked(APP, NOW + ACK_MS, TTL);
    expect(back.requeued).to.deep.equal(['1-A']);
    expect(back.effects.wake).to.deep.equal(['']);
    expect(await hot.tasks.get(APP, '1-A')).to.include({ status: 'QUEUED', workerId: null, startedAt: null, ackBy: null });
    expect(await t.redis.scard(k().workerRunning('w1')), 'the slot is free again').to.equal(0);
    // Front of the queue: pulled before 1-B, which was queued behind it.
    expect(await pull('w2', 1, NOW + ACK_MS + 1)).to.deep.equal(['1-A']);
    expect(await hot.tasks.ack(APP, 'w2', ['1-A'], NOW + ACK_MS + 2, LEASE, 5000)).to.deep.equal(['1-A']);
    expect((await hot.tasks.complete(APP, 'w2', [ok('1-A')], NOW + ACK_MS + 3, TTL)).verdicts).to.deep.equal([Verdict.ACCEPTED]);
    expect(await statuses()).to.deep.equal(['SUCCESS']);
  });

  it('an ack answers only the tasks the worker still holds: a late one must not start what went back', async () => {
    await enqueueManual(hot, APP, 1, '1-A', NOW);
    expect(await pull('w1', 1)).to.deep.equal(['1-A']);
    await hot.tasks.requeueUnacked(APP, NOW + ACK_MS, TTL);
    expect(await pull('w2', 1, NOW + ACK_MS + 1)).to.deep.equal(['1-A']);
    expect(await hot.tasks.ack(APP, 'w1', ['1-A', '1-UNKNOWN'], NOW + ACK_MS + 2, LEASE, 5000)).to.deep.equal([]);
    expect(await hot.tasks.ack(APP, 'w2', ['1-A'], NOW + ACK_MS + 2, LEASE, 5000)).to.deep.equal(['1-A']);
    expect(await hot.tasks.ack(APP, 'w2', ['1-A'], NOW + ACK_MS + 3, LEASE, 5000), 'acknowledging twice is harmless').to.deep.equal(['1-A']);
    expect(await t.redis.zscore(k().running, '1-A')).to.equal(String(NOW + ACK_MS + 3 + LEASE));
    expect((await hot.tasks.requeueUnacked(APP, NOW + 60_000, TTL)).requeued, 'acknowledged: it stays').to.deep.equal([]);
    expect((await hot.tasks.complete(APP, 'w1', [ok('1-A')], NOW + 10, TTL)).verdicts).to.deep.equal([Verdict.REJECTED]);
  });

  it('a heartbeat or a result naming a delivered task acknowledges it', async () => {
    for (const id of ['1-A', '1-B']) await enqueueManual(hot, APP, 1, id, NOW);
    expect(await pull('w1', 2)).to.have.members(['1-A', '1-B']);
    expect(await hot.tasks.renew(APP, 'w1', NOW + 100, LEASE, 0, ['1-A'], 5000)).to.deep.equal([]);
    expect(await t.redis.zscore(k().running, '1-A')).to.equal(String(NOW + 100 + LEASE));
    expect((await hot.tasks.complete(APP, 'w1', [ok('1-B')], NOW + 200, TTL)).verdicts).to.deep.equal([Verdict.ACCEPTED]);
    expect(await t.redis.zcard(k().unacked)).to.equal(0);
    expect((await hot.tasks.requeueUnacked(APP, NOW + 60_000, TTL)).requeued).to.deep.equal([]);
  });

  it('delivered tasks hold their slots: a worker never holds more than its concurrency', async () => {
    for (const id of ['1-A', '1-B', '1-C']) await enqueueManual(hot, APP, 1, id, NOW);
    expect(await pull('w1', 5)).to.have.length(2);
    expect(await pull('w1', 5), 'both slots are taken by unacknowledged deliveries').to.deep.equal([]);
    await hot.tasks.requeueUnacked(APP, NOW + ACK_MS, TTL);
    expect(await pull('w1', 5, NOW + ACK_MS + 1)).to.have.length(2);
  });

  it('the timeout watchdog starts when the worker acknowledges, not at the pull', async () => {
    await hot.schedule.syncJob(APP, 2, NONE_PLAN, null, true, { handler: 'h', params: '', routing: 'BUSYOVER', timeoutMs: 1000 });
    await enqueueManual(hot, APP, 2, '2-A', NOW);
    expect(await pull('w1', 1)).to.deep.equal(['2-A']);
    expect(await t.redis.zcard(k().deadlines)).to.equal(0);
    await hot.tasks.ack(APP, 'w1', ['2-A'], NOW + 2000, LEASE, 5000);
    expect(await t.redis.zscore(k().deadlines, '2-A')).to.equal(String(NOW + 2000 + 1000 + 5000));
  });
});
