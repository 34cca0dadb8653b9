import { expect } from 'chai';
import { createHotStore, type HotStore } from '../../server/src/store/redis/hot-store.js';
import type { ClaimedFire } from '../../server/src/store/redis/schedule-store.js';
import { planJson } from '../../server/src/domain/schedule.js';
import { CLAIMER, sealEpoch } from '../helpers/epoch.js';
import { createTestRedis, type TestRedis } from '../helpers/redis.js';

const APP = 'race';
const PLAN = planJson({ schedule: { type: 'FIXED_RATE', everyMs: 60_000 }, misfire: { policy: 'SKIP', thresholdMs: 10_000 } });
const SETTINGS = { workerTtlMs: 15_000, overlapBufferMax: 1000 };

async function addJobs(hot: HotStore, count: number, next: number) {
  for (let i = 1; i <= count; i += 500) {
    await Promise.all(
      Array.from({ length: Math.min(500, count - i + 1) }, (_, j) =>
        hot.schedule.syncJob(APP, i + j, PLAN, next, true, { handler: 'h', params: '', routing: 'BUSYOVER', timeoutMs: 0 }),
      ),
    );
  }
}

/** A live worker: with none online a fire would end NO_WORKER instead of being queued. */
async function addWorker(hot: HotStore, now: number) {
  await hot.workers.register(APP, { workerId: 'w', concurrency: 1, handlers: ['h'], host: null, pid: null, adminId: 'a', conn: 'c' }, now);
}

async function commitAll(hot: HotStore, fires: ClaimedFire[], now: number) {
  return hot.schedule.commitFires(
    APP,
    now,
    SETTINGS,
    fires.map((f) => ({
      jobId: f.jobId,
      scheduledAt: f.scheduledAt,
      planVersion: f.planVersion,
      following: f.scheduledAt + 60_000,
      taskId: `${f.jobId}-T${f.scheduledAt}-${Math.random().toString(36).slice(2)}`,
      triggerType: 'FIXED',
    })),
  );
}

describe('lua: claim-due + commit-fire', function () {
  this.timeout(60_000);
  let t: TestRedis;
  beforeEach(async () => {
    t = createTestRedis();
    await sealEpoch(createHotStore(t.redis, t.keys), APP);
  });
  afterEach(async () => {
    await t.cleanup();
  });

  it('fires each of 3000 due fires exactly once with 4 claimers racing', async () => {
    const base = 1_700_000_000_000;
    const seed = createHotStore(t.redis, t.keys);
    await addJobs(seed, 3000, base);
    await addWorker(seed, base);
    const claimers = Array.from({ length: 4 }, () => createHotStore(t.connect(), t.keys));
    let committed = 0;
    let stale = 0;
    await Promise.all(
      claimers.map(async (hot, idx) => {
        // Each claimer works in small batches, with clocks a few ms apart, until nothing is due.
        for (;;) {
          const now = base + idx;
          const { fires } = await hot.schedule.claimDue(APP, now, now + 1000, 5000, 50, CLAIMER);
          if (fires.length === 0) break;
          for (const r of (await commitAll(hot, fires, now)).statuses) {
            if (r === 'OK') committed++;
            else stale++;
          }
        }
      }),
    );
    expect(committed).to.equal(3000);
    expect(stale).to.equal(0);
    const queued = await t.redis.lrange(t.keys.app(APP).sharedQueue, 0, -1);
    expect(queued).to.have.length(3000);
    const jobs = new Set(queued.map((id) => id.split('-')[0]));
    expect(jobs.size).to.equal(3000);
    // Every job moved on to its following fire.
    const scores = await t.redis.zrange(t.keys.app(APP).schedule, '0', '-1', 'WITHSCORES');
    for (let i = 1; i < scores.length; i += 2) expect(Number(scores[i])).to.equal(base + 60_000);
  });

  it('a second commit of the same fire is stale: no duplicate even when two admins claimed it', async () => {
    const hot = createHotStore(t.redis, t.keys);
    const other = createHotStore(t.connect(), t.keys);
    const base = 1_700_000_000_000;
    await addJobs(hot, 10, base);
    await addWorker(hot, base);
    const a = await hot.schedule.claimDue(APP, base, base + 1000, 2000, 100, CLAIMER);
    // The first claimer stalls beyond its lease; the other admin claims the same fires.
    const b = await other.schedule.claimDue(APP, base + 2500, base + 3500, 2000, 100, CLAIMER);
    expect(b.fires.map((f) => f.jobId).sort()).to.deep.equal(a.fires.map((f) => f.jobId).sort());
    const rb = await commitAll(other, b.fires, base + 2500);
    const ra = await commitAll(hot, a.fires, base + 2600);
    expect(rb.statuses.every((r) => r === 'OK')).to.equal(true);
    expect(ra.statuses.every((r) => r === 'STALE')).to.equal(true);
    expect(await t.redis.llen(t.keys.app(APP).sharedQueue)).to.equal(10);
  });

  it('a dead claimer loses nothing: its fires are claimed again after the lease, lateness kept from the first claim', async () => {
    const hot = createHotStore(t.redis, t.keys);
    const base = 1_700_000_000_000;
    await addJobs(hot, 5, base);
    await addWorker(hot, base);
    const first = await hot.schedule.claimDue(APP, base - 200, base + 800, 5000, 100, CLAIMER);
    expect(first.fires).to.have.length(5);
    expect(first.fires[0]?.lateMs).to.equal(-200);
    // Within the lease nobody else gets them.
    expect((await hot.schedule.claimDue(APP, base + 1000, base + 2000, 5000, 100, CLAIMER)).fires).to.have.length(0);
    // After the lease (claimer died) they come back, still judged by the first claim.
    const again = await hot.schedule.claimDue(APP, base + 5000, base + 6000, 5000, 100, CLAIMER);
    expect(again.fires).to.have.length(5);
    expect(again.fires.every((f) => f.lateMs === -200 && f.scheduledAt === base)).to.equal(true);
    const res = await commitAll(hot, again.fires, base + 5000);
    expect(res.statuses.every((r) => r === 'OK')).to.equal(true);
  });

  it('a plan change makes outstanding claims stale; an edit that keeps the plan keeps the claimed fire', async () => {
    const hot = createHotStore(t.redis, t.keys);
    const base = 1_700_000_000_000;
    await addJobs(hot, 2, base);
    await addWorker(hot, base);
    const c = await hot.schedule.claimDue(APP, base, base + 1000, 5000, 100, CLAIMER);
    // Job 1: params edited only (same plan) → its claimed fire stays valid.
    const kept = await hot.schedule.syncJob(APP, 1, PLAN, base + 99_999, true, { params: 'new' });
    expect(kept).to.equal(base);
    // Job 2: plan changed → new next, the claim is stale.
    const otherPlan = planJson({ schedule: { type: 'FIXED_RATE', everyMs: 5000 }, misfire: { policy: 'SKIP', thresholdMs: 10_000 } });
    expect(await hot.schedule.syncJob(APP, 2, otherPlan, base + 5000, true, {})).to.equal(base + 5000);
    const res = await commitAll(hot, c.fires, base);
    const byJob = new Map(c.fires.map((f, i) => [f.jobId, res.statuses[i]]));
    expect(byJob.get(1)).to.equal('OK');
    expect(byJob.get(2)).to.equal('STALE');
    const task = await t.redis.hgetall(t.keys.app(APP).task((await t.redis.lrange(t.keys.app(APP).sharedQueue, 0, -1))[0] ?? ''));
    expect(task.params).to.equal('new');
  });

  it('a stopped job leaves the schedule and is not claimed', async () => {
    const hot = createHotStore(t.redis, t.keys);
    const base = 1_700_000_000_000;
    await addJobs(hot, 1, base);
    expect(await hot.schedule.syncJob(APP, 1, PLAN, null, false, {})).to.equal(null);
    expect((await hot.schedule.claimDue(APP, base, base + 1000, 5000, 10, CLAIMER)).fires).to.have.length(0);
  });
});
