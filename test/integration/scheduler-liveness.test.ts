/**
 * Admin liveness (issue 11 item 4): each admin keeps a liveness entry in every app's `claimers`
 * ZSET; the fires claimed by an admin whose entry lapsed (3 × OASIS_ADMIN_LIVENESS_MS without a
 * renewal) are taken over by another admin's loop at once, not after the claim lease. A slow admin
 * that keeps renewing keeps its claims, and exactly once holds whoever commits first.
 */
import { expect } from 'chai';
import { silentLogger } from '../../server/src/domain/logger.js';
import { newTaskId } from '../../server/src/domain/ids.js';
import { planJson } from '../../server/src/domain/schedule.js';
import { EffectsBus } from '../../server/src/events/effects-bus.js';
import { Scheduler } from '../../server/src/scheduler/scheduler.js';
import { createHotStore, type HotStore } from '../../server/src/store/redis/hot-store.js';
import { reconcilerOn, sealEpoch } from '../helpers/epoch.js';
import { createTestRedis, type TestRedis } from '../helpers/redis.js';
import { sleep, waitFor } from '../helpers/wait.js';

const APP = 'live';
/** Far longer than any wait here: a fire that runs in time was taken over, not recovered by lease. */
const LEASE = 30_000;
const LIVENESS = 100;
const EVERY = 60_000;
const SETTINGS = { workerTtlMs: 15_000, overlapBufferMax: 1000 };

describe('scheduler: admin liveness, claims of a dead admin taken over at once (real Redis)', function () {
  this.timeout(20_000);
  let t: TestRedis;
  let hot: HotStore;
  let history: Awaited<ReturnType<typeof reconcilerOn>>;
  const schedulers: Scheduler[] = [];

  beforeEach(async () => {
    t = createTestRedis();
    hot = createHotStore(t.redis, t.keys);
    history = await reconcilerOn(hot);
    await sealEpoch(hot, APP);
    // A live worker far into the future (heartbeat score): fires are queued, not NO_WORKER.
    await hot.workers.register(APP, { workerId: 'w', concurrency: 1, handlers: ['h'], host: null, pid: null, adminId: 'a', conn: 'c' }, Date.now() + 3_600_000);
  });
  afterEach(async () => {
    for (const s of schedulers.splice(0)) await s.stop();
    await history.close();
    await t.cleanup();
  });

  const start = async (adminId: string) => {
    const s = new Scheduler({
      adminId,
      store: hot.schedule,
      reconciler: history.reconciler,
      config: { lookaheadMs: 200, claimLeaseMs: LEASE, workerTtlMs: 15_000, overlapBufferMax: 1000, adminLivenessMs: LIVENESS },
      logger: silentLogger,
      effects: new EffectsBus(silentLogger),
    });
    schedulers.push(s);
    await s.start();
    return s;
  };
  const addJob = (id: number, next: number) =>
    hot.schedule.syncJob(APP, id, planJson({ schedule: { type: 'FIXED_RATE', everyMs: EVERY }, misfire: { policy: 'FIRE_ONCE', thresholdMs: 60_000 } }), next, true, {
      handler: 'h',
      params: '',
      routing: 'BUSYOVER',
      timeoutMs: 0,
    });
  const tasks = async () => {
    const ids = await t.redis.lrange(t.keys.app(APP).sharedQueue, 0, -1);
    return Promise.all(ids.map((id) => t.redis.hgetall(t.keys.app(APP).task(id))));
  };
  const claimAs = (adminId: string, horizonMs = 1000) =>
    hot.schedule.claimDue(APP, Date.now(), Date.now() + horizonMs, LEASE, 10, { adminId, livenessMs: LIVENESS });
  const commitAs = (due: number, planVersion: string) =>
    hot.schedule.commitFires(APP, Date.now(), SETTINGS, [
      { jobId: 1, scheduledAt: due, planVersion, following: due + EVERY, taskId: newTaskId(1, Date.now()), triggerType: 'FIXED' },
    ]);

  it('takes over the fires claimed by an admin that stopped renewing its liveness, long before the claim lease', async () => {
    const due = Date.now() + 300;
    await addJob(1, due);
    // The "dead" admin claims the fire, then never renews its liveness and never commits.
    const dead = await claimAs('dead');
    expect(dead.fires.map((f) => f.scheduledAt)).to.deep.equal([due]);
    await start('alive');
    await waitFor(async () => (await tasks()).length >= 1, 5000, 'the taken-over fire (the claim lease is 30 s)');
    const list = await tasks();
    expect(list.map((x) => Number(x.scheduledAt))).to.deep.equal([due]);
    expect(list[0]?.triggerType, 'a takeover is not a misfire').to.equal('FIXED');
    expect(await hot.schedule.nextFireAt(APP, 1)).to.equal(due + EVERY);
  });

  it('leaves the claims of a slow admin that keeps its liveness; its late commit is the one that counts', async () => {
    const due = Date.now() + 300;
    await addJob(1, due);
    const slow = await claimAs('slow');
    expect(slow.fires).to.have.length(1);
    const renew = setInterval(() => void hot.schedule.renewLiveness([APP], 'slow', LIVENESS), LIVENESS / 2);
    try {
      await start('other');
      // Past the fire and far past 3 × liveness: the other admin's loop ticked many times.
      await sleep(1500);
      expect(await tasks(), 'the other admin took nothing').to.have.length(0);
      const r = await commitAs(due, slow.fires[0]?.planVersion ?? '');
      expect(r.statuses).to.deep.equal(['OK']);
    } finally {
      clearInterval(renew);
    }
    await sleep(300);
    expect((await tasks()).map((x) => Number(x.scheduledAt))).to.deep.equal([due]);
  });

  it('an admin that comes back after its claims were taken over commits nothing: the fire runs once', async () => {
    const due = Date.now() + 300;
    await addJob(1, due);
    const frozen = await claimAs('frozen');
    await start('alive');
    await waitFor(async () => (await tasks()).length >= 1, 5000, 'the taken-over fire');
    // The frozen admin wakes up and commits the fire it had armed.
    const r = await commitAs(due, frozen.fires[0]?.planVersion ?? '');
    expect(r.statuses).to.deep.equal(['STALE']);
    expect((await tasks()).map((x) => Number(x.scheduledAt))).to.deep.equal([due]);
  });

  it('an admin that stops hands its claims back: another admin fires them on time', async () => {
    const due = Date.now() + 600;
    await addJob(1, due);
    const first = await start('first');
    // Wait until the first admin holds the claim (its score is a lease deadline, far past the fire).
    await waitFor(async () => Number(await t.redis.zscore(t.keys.app(APP).schedule, '1')) > due + 10_000, 5000, 'the first claim');
    await first.stop();
    schedulers.splice(schedulers.indexOf(first), 1);
    await start('second');
    await waitFor(async () => (await tasks()).length >= 1, 5000, 'the handed-back fire');
    expect((await tasks()).map((x) => Number(x.scheduledAt))).to.deep.equal([due]);
  });
});
