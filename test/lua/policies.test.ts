import { expect } from 'chai';
import { planJson } from '../../server/src/domain/schedule.js';
import type { Effects } from '../../server/src/store/redis/effects.js';
import { createHotStore, type HotStore } from '../../server/src/store/redis/hot-store.js';
import { Verdict } from '../../server/src/store/redis/reply-codes.js';
import type { CommitStatus } from '../../server/src/store/redis/schedule-store.js';
import { F } from '../../server/src/store/redis/schema.js';
import { addWorker } from '../helpers/hot-fixtures.js';
import { CLAIMER, sealEpoch } from '../helpers/epoch.js';
import { createTestRedis, type TestRedis } from '../helpers/redis.js';

const APP = 'pol';
const NOW = 1_700_000_000_000;
const TTL = 15_000;
/** OASIS_OVERLAP_BUFFER_MAX's default. */
const BUFFER_MAX = 1000;
const PLAN = planJson({ schedule: { type: 'FIXED_RATE', everyMs: 60_000 }, misfire: { policy: 'SKIP', thresholdMs: 10_000 } });

interface Rec {
  id: string;
  status: string;
  triggerType: string;
  attempt: string;
  shardIndex: string;
  shardTotal: string;
  error: string;
  retryTaskId: string;
  workerId: string;
}

describe('lua: scheduling policies (overlap, routing, retries, timeouts, kill, FIXED_DELAY)', function () {
  this.timeout(30_000);
  let t: TestRedis;
  let hot: HotStore;
  let seq = 0;
  const k = () => t.keys.app(APP);

  beforeEach(async () => {
    t = createTestRedis();
    hot = createHotStore(t.redis, t.keys);
    await sealEpoch(hot, APP);
  });
  afterEach(async () => {
    await t.cleanup();
  });

  const job = (id: number, fields: Record<string, string | number> = {}, enabled = true) =>
    hot.schedule.syncJob(APP, id, PLAN, null, enabled, { handler: 'h', params: 'p', routing: 'BUSYOVER', overlap: 'ALLOW', timeoutMs: 0, ...fields });

  const worker = (id: string, beat = NOW, concurrency = 10) => addWorker(hot, APP, id, concurrency, beat);

  /** Makes `at` the job's next fire, claims and commits it; returns the commit status and effects. */
  async function fire(jobId: number, at = NOW, now = at, bufferMax = BUFFER_MAX): Promise<{ status: CommitStatus; effects: Effects; taskId: string }> {
    await t.redis.hset(k().job(jobId), F.job.nextFireAt, String(at));
    await t.redis.zadd(k().schedule, at, String(jobId));
    const { fires } = await hot.schedule.claimDue(APP, now, now + 1000, 5000, 100, CLAIMER);
    const f = fires.find((x) => x.jobId === jobId);
    if (!f) throw new Error(`fire of job ${jobId} not claimed`);
    const taskId = `${jobId}-${String(++seq).padStart(26, '0')}`;
    const { statuses, effects } = await hot.schedule.commitFires(APP, now, { workerTtlMs: TTL, overlapBufferMax: bufferMax }, [
      { jobId, scheduledAt: at, planVersion: f.planVersion, following: null, taskId, triggerType: 'FIXED' },
    ]);
    return { status: statuses[0] as CommitStatus, effects, taskId };
  }

  async function records(): Promise<Rec[]> {
    const entries = await t.redis.xrange(k().finals, '-', '+');
    return entries.map(([, f]) => JSON.parse(f[1] as string) as Rec);
  }

  /** Pulls as the SDK does: the tasks delivered are acknowledged at once (lease `leaseMs`, timeout grace 2 s). */
  const pull = async (w: string, max = 10, now = NOW, leaseMs = 30_000) => {
    const got = await hot.tasks.pull(APP, w, max, now, 3000);
    if (got?.length) await hot.tasks.ack(APP, w, got.map((g) => g.id), now, leaseMs, 2000);
    return got;
  };
  const done = (w: string, taskId: string, status: 'SUCCESS' | 'FAILED' | 'TIMEOUT', attempt = 1, error = '', now = NOW) =>
    hot.tasks.complete(APP, w, [{ taskId, attempt, status, error, startedAt: now, finishedAt: now }], now, TTL);

  describe('routing', () => {
    it('no worker online: the fire ends NO_WORKER at once', async () => {
      await job(1);
      const { status } = await fire(1);
      expect(status).to.equal('OK');
      const [r] = await records();
      expect(r).to.include({ status: 'NO_WORKER', triggerType: 'FIXED', retryTaskId: '' });
      expect(await t.redis.zcard(k().inflight)).to.equal(0);
    });

    it('FIRST / LAST pick by worker id; BUSYOVER uses the shared queue', async () => {
      for (const w of ['w-b', 'w-a', 'w-c']) await worker(w);
      await job(1, { routing: 'FIRST' });
      await job(2, { routing: 'LAST' });
      await job(3, { routing: 'BUSYOVER' });
      expect((await fire(1)).effects.wake).to.deep.equal(['w-a']);
      expect((await fire(2)).effects.wake).to.deep.equal(['w-c']);
      expect((await fire(3)).effects.wake).to.deep.equal(['']);
      expect(await t.redis.llen(k().sharedQueue)).to.equal(1);
    });

    it('a worker silent past the TTL is not routed to', async () => {
      await worker('old', NOW - TTL - 1);
      await worker('new');
      await job(1, { routing: 'FIRST' });
      expect((await fire(1)).effects.wake).to.deep.equal(['new']);
    });

    it('ROUND_ROBIN cycles, LEAST_FREQUENTLY_USED and LEAST_RECENTLY_USED spread evenly, RANDOM stays among live workers', async () => {
      for (const w of ['a', 'b', 'c']) await worker(w);
      const targets = async (routing: string, jobId: number, n: number) => {
        await job(jobId, { routing });
        const out: string[] = [];
        for (let i = 0; i < n; i++) out.push(...(await fire(jobId, NOW + i)).effects.wake);
        return out;
      };
      expect(await targets('ROUND_ROBIN', 1, 6)).to.deep.equal(['a', 'b', 'c', 'a', 'b', 'c']);
      const lfu = await targets('LEAST_FREQUENTLY_USED', 2, 6);
      expect(['a', 'b', 'c'].map((w) => lfu.filter((x) => x === w).length)).to.deep.equal([2, 2, 2]);
      const lru = await targets('LEAST_RECENTLY_USED', 3, 3);
      expect([...lru].sort()).to.deep.equal(['a', 'b', 'c']);
      const rnd = await targets('RANDOM', 4, 30);
      expect(rnd.every((w) => ['a', 'b', 'c'].includes(w))).to.equal(true);
      expect(new Set(rnd).size).to.be.greaterThan(1);
    });

    it('CONSISTENT_HASH keeps a job on one worker while the set is stable, and moves only when its worker leaves', async () => {
      for (const w of ['a', 'b', 'c', 'd']) await worker(w);
      await job(1, { routing: 'CONSISTENT_HASH' });
      const first = (await fire(1, NOW)).effects.wake[0] as string;
      for (let i = 1; i < 5; i++) expect((await fire(1, NOW + i)).effects.wake).to.deep.equal([first]);
      await hot.workers.offline(APP, first, `c-${first}`, NOW, { workerTtlMs: TTL, noWorkerGraceMs: 0 });
      const moved = (await fire(1, NOW + 10)).effects.wake[0] as string;
      expect(moved).to.not.equal(first);
      expect((await fire(1, NOW + 11)).effects.wake).to.deep.equal([moved]);
    });

    it('FAILOVER takes the first worker whose heartbeat is fresh', async () => {
      await worker('a', NOW - 9000); // alive (within the TTL) but missed beats
      await worker('b', NOW - 100);
      await job(1, { routing: 'FAILOVER' });
      expect((await fire(1)).effects.wake).to.deep.equal(['b']);
    });

    it('SHARDING_BROADCAST: one task per live worker with its shard, each with its own record', async () => {
      for (const w of ['a', 'b', 'c']) await worker(w);
      await job(1, { routing: 'SHARDING_BROADCAST' });
      const { effects, taskId } = await fire(1);
      expect([...effects.wake].sort()).to.deep.equal(['a', 'b', 'c']);
      const got = (await pull('b')) ?? [];
      expect(got).to.have.length(1);
      expect(got[0]).to.deep.include({ id: `${taskId}-s1`, shard: { index: 1, total: 3 } });
      await done('b', got[0]?.id as string, 'SUCCESS');
      const [r] = await records();
      expect(r).to.include({ id: `${taskId}-s1`, shardIndex: '1', shardTotal: '3', status: 'SUCCESS' });
    });
  });

  describe('overlap', () => {
    it('SKIP discards a fire while an earlier run is in flight', async () => {
      await worker('w');
      await job(1, { overlap: 'SKIP' });
      await fire(1, NOW);
      await fire(1, NOW + 1);
      const [r] = await records();
      expect(r).to.include({ status: 'DISCARDED' });
      expect(r?.error).to.match(/overlap SKIP/);
      expect(await t.redis.llen(k().sharedQueue)).to.equal(1);
    });

    it('BUFFER_ONE keeps one fire waiting and discards the rest; the end of the run releases it', async () => {
      await worker('w');
      await job(1, { overlap: 'BUFFER_ONE' });
      const a = await fire(1, NOW);
      const b = await fire(1, NOW + 1);
      await fire(1, NOW + 2);
      expect((await records()).map((r) => r.status)).to.deep.equal(['DISCARDED']);
      expect(await t.redis.lrange(k().buffer(1), 0, -1)).to.deep.equal([b.taskId]);
      const listed = (await hot.tasks.inflightPage(APP, { jobId: 1, limit: 100 })).tasks;
      expect(listed.find((x) => x.id === b.taskId)).to.include({ buffered: true, status: 'QUEUED' });
      const [task] = (await pull('w', 1)) ?? [];
      expect(task?.id).to.equal(a.taskId);
      const { effects } = await done('w', a.taskId, 'SUCCESS');
      expect(effects.wake).to.deep.equal(['']);
      expect((await pull('w', 1))?.[0]?.id).to.equal(b.taskId);
    });

    it('BUFFER_ALL keeps fires in order up to the bound', async () => {
      await worker('w');
      await job(1, { overlap: 'BUFFER_ALL' });
      const ids = [];
      for (let i = 0; i < 4; i++) ids.push((await fire(1, NOW + i, NOW + i, 2)).taskId);
      expect(await t.redis.lrange(k().buffer(1), 0, -1)).to.deep.equal([ids[1], ids[2]]);
      expect((await records()).map((r) => [r.id, r.status])).to.deep.equal([[ids[3], 'DISCARDED']]);
      await pull('w', 1);
      await done('w', ids[0] as string, 'SUCCESS');
      expect((await pull('w', 1))?.[0]?.id).to.equal(ids[1]);
      await done('w', ids[1] as string, 'SUCCESS');
      expect((await pull('w', 1))?.[0]?.id).to.equal(ids[2]);
    });

    it('CANCEL_OTHER kills the running task (its worker is told) and runs the new one', async () => {
      await worker('w');
      await job(1, { overlap: 'CANCEL_OTHER' });
      const a = await fire(1, NOW);
      await pull('w', 1);
      const b = await fire(1, NOW + 1);
      expect(b.effects.kill).to.deep.equal([[a.taskId, 'w']]);
      const [r] = await records();
      expect(r).to.include({ id: a.taskId, status: 'KILLED' });
      expect(r?.error).to.match(/CANCEL_OTHER/);
      // The late result of the killed task is a harmless duplicate.
      expect((await done('w', a.taskId, 'SUCCESS')).verdicts).to.deep.equal([Verdict.DUPLICATE]);
      expect((await pull('w', 1))?.[0]?.id).to.equal(b.taskId);
    });
  });

  describe('retries, timeouts, kill', () => {
    it('a failed attempt is retried after the FIXED delay as its own RETRY record; a non-retryable error stops it', async () => {
      await worker('w');
      await job(1, { retryCount: 2, retryBackoff: 'FIXED', retryDelay: 500, retryMaxDelay: 0, retryJitter: 0 });
      const a = await fire(1);
      await pull('w');
      const { effects } = await done('w', a.taskId, 'FAILED', 1, 'Error: boom');
      expect(effects.resched).to.equal(true);
      const retryId = `${a.taskId}-a2`;
      expect((await records())[0]).to.include({ status: 'FAILED', retryTaskId: retryId });
      expect(await t.redis.zscore(k().delayed, retryId)).to.equal(String(NOW + 500));
      expect((await hot.tasks.get(APP, retryId))?.retryAt).to.equal(NOW + 500);
      // Not due yet: nothing moves; then it is routed.
      expect((await hot.schedule.promoteDelayed(APP, NOW + 499, TTL)).promoted).to.equal(0);
      const p = await hot.schedule.promoteDelayed(APP, NOW + 500, TTL);
      expect(p).to.include({ promoted: 1, earliest: null });
      expect(p.effects.wake).to.deep.equal(['']);
      const [task] = (await pull('w', 1, NOW + 600)) ?? [];
      expect(task).to.include({ id: retryId, attempt: 2, triggerType: 'RETRY' });
      await done('w', retryId, 'FAILED', 2, 'NonRetryableError: bad input', NOW + 700);
      const recs = await records();
      expect(recs[1]).to.include({ id: retryId, attempt: '2', triggerType: 'RETRY', status: 'FAILED', retryTaskId: '' });
      expect(await t.redis.zcard(k().inflight)).to.equal(0);
    });

    it('a result marked nonRetryable ends its retries whatever its error text; the next failure without it is retried', async () => {
      await worker('w');
      await job(1, { retryCount: 3, retryBackoff: 'FIXED', retryDelay: 0, retryMaxDelay: 0, retryJitter: 0 });
      const a = await fire(1);
      await pull('w');
      const fail = (taskId: string, nonRetryable: boolean) =>
        hot.tasks.complete(APP, 'w', [{ taskId, attempt: 1, status: 'FAILED', error: 'Error: bad input', nonRetryable, startedAt: NOW, finishedAt: NOW }], NOW, TTL);
      expect((await fail(a.taskId, true)).verdicts).to.deep.equal([Verdict.ACCEPTED]);
      expect((await records())[0]).to.include({ id: a.taskId, status: 'FAILED', retryTaskId: '' });
      expect(await t.redis.zcard(k().delayed)).to.equal(0);
      const b = await fire(1, NOW + 1);
      await pull('w');
      await fail(b.taskId, false);
      expect((await records())[1]).to.include({ id: b.taskId, status: 'FAILED', retryTaskId: `${b.taskId}-a2` });
    });

    it('EXPONENTIAL backoff doubles up to its cap; jitter only shortens', async () => {
      await worker('w');
      await job(1, { retryCount: 5, retryBackoff: 'EXPONENTIAL', retryDelay: 100, retryMaxDelay: 350, retryJitter: 0 });
      const a = await fire(1);
      let id = a.taskId;
      const delays: number[] = [];
      let now = NOW;
      for (let attempt = 1; attempt <= 4; attempt++) {
        await pull('w', 1, now);
        await done('w', id, 'FAILED', attempt, 'Error: x', now);
        const next = `${a.taskId}-a${attempt + 1}`;
        const due = Number(await t.redis.zscore(k().delayed, next));
        delays.push(due - now);
        now = due;
        await hot.schedule.promoteDelayed(APP, now, TTL);
        id = next;
      }
      expect(delays).to.deep.equal([100, 200, 350, 350]);
      await job(2, { retryCount: 1, retryBackoff: 'FIXED', retryDelay: 1000, retryJitter: 0.5 });
      const b = await fire(2, NOW + 10_000);
      await pull('w', 10, NOW + 10_000);
      await done('w', b.taskId, 'FAILED', 1, 'Error: x', NOW + 10_000);
      const d = Number(await t.redis.zscore(k().delayed, `${b.taskId}-a2`)) - (NOW + 10_000);
      expect(d).to.be.within(500, 1000);
    });

    it('retries apply to NO_WORKER and LOST too', async () => {
      await job(1, { retryCount: 1, retryDelay: 0 });
      const a = await fire(1);
      expect((await records())[0]).to.include({ status: 'NO_WORKER', retryTaskId: `${a.taskId}-a2` });
      await worker('w');
      await hot.schedule.promoteDelayed(APP, NOW, TTL);
      const [task] = (await pull('w', 1)) ?? [];
      expect(task).to.include({ attempt: 2, triggerType: 'RETRY' });
      await job(2, { retryCount: 1, retryDelay: 0 });
      const b = await fire(2, NOW + 1);
      await pull('w', 10, NOW, 1000);
      const reaped = await hot.tasks.reapExpired(APP, NOW + 1001, TTL, 0);
      expect(reaped.lost).to.include(b.taskId);
      const lostRec = (await records()).find((r) => r.id === b.taskId);
      expect(lostRec).to.include({ status: 'LOST', retryTaskId: `${b.taskId}-a2` });
    });

    it('the admin watchdog ends a task TIMEOUT past its timeout + grace and tells the worker', async () => {
      await worker('w');
      await job(1, { timeoutMs: 1000 });
      const a = await fire(1);
      await pull('w');
      expect((await hot.tasks.reapExpired(APP, NOW + 2999, TTL, 0)).timedOut).to.deep.equal([]);
      const r = await hot.tasks.reapExpired(APP, NOW + 3000, TTL, 0);
      expect(r.timedOut).to.deep.equal([a.taskId]);
      expect(r.effects.kill).to.deep.equal([[a.taskId, 'w']]);
      expect((await records())[0]).to.include({ status: 'TIMEOUT' });
      // A task that answers in time leaves no watchdog behind.
      const b = await fire(1, NOW + 10);
      await pull('w');
      await done('w', b.taskId, 'SUCCESS');
      expect(await t.redis.zcard(k().deadlines)).to.equal(0);
    });

    it('kill ends a queued task at once and a running one with an abort to its worker; never retried', async () => {
      await worker('w');
      await job(1, { retryCount: 3 });
      const a = await fire(1, NOW);
      const queued = await hot.tasks.kill(APP, a.taskId, 'by test', NOW, TTL);
      expect(queued).to.deep.include({ killed: true });
      expect(queued.effects.kill).to.deep.equal([]);
      expect(await t.redis.llen(k().sharedQueue)).to.equal(0);
      const b = await fire(1, NOW + 1);
      await pull('w');
      const running = await hot.tasks.kill(APP, b.taskId, 'by test', NOW, TTL);
      expect(running.effects.kill).to.deep.equal([[b.taskId, 'w']]);
      expect((await records()).map((r) => [r.status, r.retryTaskId])).to.deep.equal([
        ['KILLED', ''],
        ['KILLED', ''],
      ]);
      expect((await hot.tasks.kill(APP, b.taskId, 'again', NOW, TTL)).killed).to.equal(false);
    });
  });

  describe('schedule side', () => {
    it('FIXED_DELAY: the next fire is planned delayMs after the run ends', async () => {
      await worker('w');
      await job(1, { delayMs: 5000 });
      const a = await fire(1, NOW);
      expect(await hot.schedule.nextFireAt(APP, 1)).to.equal(null);
      await pull('w');
      const { effects } = await done('w', a.taskId, 'SUCCESS', 1, '', NOW + 700);
      expect(effects.resched).to.equal(true);
      expect(await hot.schedule.nextFireAt(APP, 1)).to.equal(NOW + 5700);
    });

    it('maxRuns: the job leaves the schedule after its last run', async () => {
      await worker('w');
      await job(1, { maxRuns: 2 });
      await fire(1, NOW);
      await t.redis.hset(k().job(1), F.job.nextFireAt, String(NOW + 1));
      await t.redis.zadd(k().schedule, NOW + 1, '1');
      const { fires } = await hot.schedule.claimDue(APP, NOW + 1, NOW + 1000, 5000, 10, CLAIMER);
      await hot.schedule.commitFires(APP, NOW + 1, { workerTtlMs: TTL, overlapBufferMax: BUFFER_MAX }, [
        { jobId: 1, scheduledAt: NOW + 1, planVersion: fires[0]?.planVersion as string, following: NOW + 60_000, taskId: '1-SECOND', triggerType: 'FIXED' },
      ]);
      expect(await hot.schedule.nextFireAt(APP, 1)).to.equal(null);
      expect((await hot.schedule.jobState(APP, 1)).runs).to.equal(2);
      // Re-syncing does not bring it back.
      expect(await hot.schedule.syncJob(APP, 1, 'other-plan', NOW + 5000, true, {})).to.equal(null);
    });

    it('skip-next: the next N fires advance without a task', async () => {
      await worker('w');
      await job(1);
      await hot.schedule.addSkips(APP, 1, 2);
      expect((await fire(1, NOW)).status).to.equal('SKIPPED');
      expect((await fire(1, NOW + 1)).status).to.equal('SKIPPED');
      expect((await fire(1, NOW + 2)).status).to.equal('OK');
      expect((await hot.schedule.jobState(APP, 1)).skipNext).to.equal(0);
    });

    it('a trigger with a dedupe key runs once', async () => {
      await worker('w');
      await job(1);
      const first = await hot.tasks.enqueue(APP, { jobId: 1, taskId: '1-C1', triggerType: 'CHILD', scheduledAt: NOW, dedupeKey: 'p:1' }, NOW, TTL);
      const again = await hot.tasks.enqueue(APP, { jobId: 1, taskId: '1-C2', triggerType: 'CHILD', scheduledAt: NOW, dedupeKey: 'p:1' }, NOW, TTL);
      expect([first.code, again.code]).to.deep.equal(['OK', 'DUPLICATE_TRIGGER']);
      expect(await t.redis.llen(k().sharedQueue)).to.equal(1);
    });
  });
});
