import { expect } from 'chai';
import { createHotStore, type HotStore } from '../../server/src/store/redis/hot-store.js';
import { Verdict } from '../../server/src/store/redis/reply-codes.js';
import { addNoneJob, addWorker, enqueueManual } from '../helpers/hot-fixtures.js';
import { createTestRedis, type TestRedis } from '../helpers/redis.js';

const APP = 'disp';
const NOW = 1_700_000_000_000;
const job = (hot: HotStore, id: number, routing = 'BUSYOVER') => addNoneJob(hot, APP, id, routing, 'p');
const worker = (hot: HotStore, id: string, concurrency: number, now = NOW) => addWorker(hot, APP, id, concurrency, now);

async function enqueue(hot: HotStore, jobId: number, n: number) {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const taskId = `${jobId}-T${i}`;
    await enqueueManual(hot, APP, jobId, taskId, NOW, NOW + i);
    ids.push(taskId);
  }
  return ids;
}

describe('lua: pull, complete, leases, reaping', function () {
  this.timeout(30_000);
  let t: TestRedis;
  let hot: HotStore;
  beforeEach(() => {
    t = createTestRedis();
    hot = createHotStore(t.redis, t.keys);
  });
  afterEach(async () => {
    await t.cleanup();
  });

  it('never hands a worker more tasks than its free slots, even with racing pulls', async () => {
    await job(hot, 1);
    await worker(hot, 'w1', 5);
    await enqueue(hot, 1, 40);
    const racers = Array.from({ length: 6 }, () => createHotStore(t.connect(), t.keys));
    const got = await Promise.all(racers.map((r) => r.tasks.pull(APP, 'w1', 10, NOW, 30_000)));
    const total = got.reduce((s, g) => s + (g?.length ?? 0), 0);
    expect(total).to.equal(5);
    expect(await t.redis.scard(t.keys.app(APP).workerRunning('w1'))).to.equal(5);
    expect(await t.redis.llen(t.keys.app(APP).sharedQueue)).to.equal(35);
  });

  it('many workers racing over a shared queue each get distinct tasks, and all are handed out once', async () => {
    await job(hot, 1);
    const workers = Array.from({ length: 8 }, (_, i) => `w${i}`);
    for (const w of workers) await worker(hot, w, 100);
    await enqueue(hot, 1, 500);
    const racers = workers.map(() => createHotStore(t.connect(), t.keys));
    const seen = new Set<string>();
    await Promise.all(
      racers.map(async (r, i) => {
        for (;;) {
          const got = (await r.tasks.pull(APP, workers[i] as string, 7, NOW, 30_000)) ?? [];
          for (const task of got) {
            expect(seen.has(task.id)).to.equal(false);
            seen.add(task.id);
          }
          if (got.length === 0) break;
          await r.tasks.complete(APP, workers[i] as string, got.map((g) => ({ taskId: g.id, attempt: 1, status: 'SUCCESS' as const, startedAt: NOW, finishedAt: NOW })), NOW, 15_000);
        }
      }),
    );
    expect(seen.size).to.equal(500);
    expect(await t.redis.xlen(t.keys.app(APP).finals)).to.equal(500);
  });

  it('accepts a result only from the lease holder; a repeat is a duplicate', async () => {
    await job(hot, 1);
    await worker(hot, 'w1', 2);
    await worker(hot, 'w2', 2);
    const [id] = await enqueue(hot, 1, 1);
    const got = await hot.tasks.pull(APP, 'w1', 1, NOW, 30_000);
    expect(got?.[0]?.id).to.equal(id);
    expect(got?.[0]?.params).to.equal('p');
    const r = { taskId: id as string, attempt: 1, status: 'SUCCESS' as const, output: '"x"', startedAt: NOW, finishedAt: NOW + 5 };
    expect((await hot.tasks.complete(APP, 'w2', [r], NOW, 15_000)).verdicts).to.deep.equal([Verdict.REJECTED]);
    expect((await hot.tasks.complete(APP, 'w1', [{ ...r, attempt: 2 }], NOW, 15_000)).verdicts).to.deep.equal([Verdict.REJECTED]);
    expect((await hot.tasks.complete(APP, 'w1', [r], NOW, 15_000)).verdicts).to.deep.equal([Verdict.ACCEPTED]);
    expect((await hot.tasks.complete(APP, 'w1', [r], NOW, 15_000)).verdicts).to.deep.equal([Verdict.DUPLICATE]);
    const entries = await t.redis.xrange(t.keys.app(APP).finals, '-', '+');
    expect(entries).to.have.length(1);
    expect(await t.redis.exists(t.keys.app(APP).task(id as string))).to.equal(0);
    expect(await t.redis.zcard(t.keys.app(APP).inflight)).to.equal(0);
  });

  it('heartbeats renew leases; an expired lease ends the task as LOST with a final record', async () => {
    await job(hot, 1);
    await worker(hot, 'w1', 4);
    const ids = await enqueue(hot, 1, 2);
    await hot.tasks.pull(APP, 'w1', 2, NOW, 1000);
    expect(await hot.tasks.ack(APP, 'w1', ids, NOW, 1000, 5000)).to.deep.equal(ids);
    // The worker reports only the first task: only its lease is renewed; an unknown id comes back.
    const abort = await hot.tasks.renew(APP, 'w1', NOW + 900, 1000, 2, [ids[0] as string, '1-NOTMINE'], 5000);
    expect(abort).to.deep.equal(['1-NOTMINE']);
    const { lost } = await hot.tasks.reapExpired(APP, NOW + 1500, 15_000, 0);
    expect(lost).to.deep.equal([ids[1]]);
    const entries = await t.redis.xrange(t.keys.app(APP).finals, '-', '+');
    const record = JSON.parse(entries[0]?.[1]?.[1] ?? '{}') as { status: string; error: string };
    expect(record.status).to.equal('LOST');
    expect(record.error).to.match(/lease expired/);
    expect((await hot.tasks.reapExpired(APP, NOW + 1800, 15_000, 0)).lost).to.deep.equal([]);
    expect((await hot.tasks.reapExpired(APP, NOW + 2000, 15_000, 0)).lost).to.deep.equal([ids[0]]);
  });

  it('round robin spreads a job over live workers; a worker that goes offline has its queue re-routed', async () => {
    await job(hot, 1, 'ROUND_ROBIN');
    await worker(hot, 'a', 10);
    await worker(hot, 'b', 10);
    await enqueue(hot, 1, 4);
    const k = t.keys.app(APP);
    expect(await t.redis.llen(k.workerQueue('a'))).to.equal(2);
    expect(await t.redis.llen(k.workerQueue('b'))).to.equal(2);
    // An older connection's offline notice does not retire the worker.
    const presence = { workerTtlMs: 15_000, noWorkerGraceMs: 0 };
    expect(await hot.workers.offline(APP, 'a', 'stale-conn', NOW, presence)).to.equal(-1);
    expect(await hot.workers.offline(APP, 'a', 'c-a', NOW, presence)).to.equal(2);
    expect(await t.redis.llen(k.sharedQueue)).to.equal(2);
    expect(await hot.tasks.pull(APP, 'a', 5, NOW, 1000)).to.equal(null);
    const got = await hot.tasks.pull(APP, 'b', 10, NOW, 1000);
    expect(got).to.have.length(4);
  });

  it('keeps live log lines up to the cap with one note, and drops lines of tasks no longer in flight', async () => {
    await job(hot, 1);
    await worker(hot, 'w1', 1);
    const [id] = await enqueue(hot, 1, 1);
    expect(await hot.tasks.pull(APP, 'w1', 1, NOW, 30_000)).to.have.length(1);
    expect(await hot.tasks.appendLog(APP, 'w1', id as string, ['a', 'b', 'c'], 4)).to.deep.equal({ verdict: Verdict.ACCEPTED, stored: 3 });
    expect(await hot.tasks.appendLog(APP, 'w1', id as string, ['d', 'e', 'f'], 4)).to.deep.equal({ verdict: Verdict.ACCEPTED, stored: 5 });
    expect(await hot.tasks.appendLog(APP, 'w1', id as string, ['g'], 4)).to.deep.equal({ verdict: Verdict.ACCEPTED, stored: 5 });
    const lines = await hot.tasks.readLog(APP, id as string, 0);
    expect(lines.slice(0, 4)).to.deep.equal(['a', 'b', 'c', 'd']);
    expect(lines[4]).to.match(/log capped at 4 lines/);
    expect(await hot.tasks.appendLog(APP, 'w1', '1-GONE', ['x'], 4)).to.deep.equal({ verdict: Verdict.DUPLICATE, stored: 0 });
    expect(await t.redis.exists(t.keys.app(APP).log('1-GONE'))).to.equal(0);
  });

  it('manual triggers in the same millisecond keep distinct scheduled times', async () => {
    await job(hot, 1);
    await worker(hot, 'w1', 1);
    for (const id of ['1-A', '1-B', '1-C']) {
      await hot.tasks.enqueue(APP, { jobId: 1, taskId: id, triggerType: 'MANUAL', scheduledAt: NOW }, NOW, 15_000);
    }
    const times = await Promise.all(['1-A', '1-B', '1-C'].map(async (id) => (await hot.tasks.get(APP, id))?.scheduledAt));
    expect(times).to.deep.equal([NOW, NOW + 1, NOW + 2]);
  });

  it('workers silent past the TTL are retired by the reaper', async () => {
    await worker(hot, 'old', 1, NOW - 20_000);
    await worker(hot, 'new', 1, NOW);
    expect((await hot.workers.reap(APP, NOW, 15_000, 5000)).retired).to.deep.equal(['old']);
    const list = await hot.workers.list(APP, NOW, 15_000);
    expect(list.map((w) => [w.workerId, w.online])).to.deep.equal([
      ['new', true],
      ['old', false],
    ]);
  });
});
