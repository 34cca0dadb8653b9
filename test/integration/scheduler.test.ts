import { expect } from 'chai';
import { silentLogger } from '../../server/src/domain/logger.js';
import { planJson } from '../../server/src/domain/schedule.js';
import type { MisfirePolicy, Schedule } from '../../server/src/domain/types.js';
import { Effect, EffectsBus, type MisfireCapEvent } from '../../server/src/events/effects-bus.js';
import { Scheduler, type SchedulerDeps } from '../../server/src/scheduler/scheduler.js';
import { createHotStore, type HotStore } from '../../server/src/store/redis/hot-store.js';
import { waitFor } from '../helpers/wait.js';
import { reconcilerOn } from '../helpers/epoch.js';
import { createTestRedis, type TestRedis } from '../helpers/redis.js';

const APP = 'sched';

describe('scheduler: misfires and recovered claims (real Redis)', function () {
  this.timeout(20_000);
  let t: TestRedis;
  let hot: HotStore;
  let scheduler: Scheduler | null = null;
  let history: Awaited<ReturnType<typeof reconcilerOn>>;
  const queued: string[] = [];

  beforeEach(async () => {
    t = createTestRedis();
    hot = createHotStore(t.redis, t.keys);
    history = await reconcilerOn(hot);
    queued.length = 0;
    // A live worker far into the future (heartbeat score): fires are queued, not NO_WORKER.
    await hot.workers.register(APP, { workerId: 'w', concurrency: 1, handlers: ['h'], host: null, pid: null, adminId: 'a', conn: 'c' }, Date.now() + 3_600_000);
  });
  afterEach(async () => {
    await scheduler?.stop();
    scheduler = null;
    await history.close();
    await t.cleanup();
  });

  const start = async (
    claimLeaseMs = 5000,
    more: Partial<SchedulerDeps> & { misfireCatchupMax?: number; onMisfireCap?: (e: MisfireCapEvent) => void } = {},
  ) => {
    const effects = new EffectsBus(silentLogger);
    effects.on(Effect.QUEUED, (e) => void queued.push(e.app));
    if (more.onMisfireCap) effects.on(Effect.MISFIRE_CAPPED, more.onMisfireCap);
    const { onMisfireCap: _cap, misfireCatchupMax, ...deps } = more;
    scheduler = new Scheduler({
      adminId: 'admin',
      ...deps,
      store: hot.schedule,
      reconciler: history.reconciler,
      config: { lookaheadMs: 200, claimLeaseMs, workerTtlMs: 15_000, overlapBufferMax: 1000, adminLivenessMs: 500, misfireCatchupMax: misfireCatchupMax ?? 100 },
      logger: silentLogger,
      effects,
    });
    await scheduler.start();
  };
  const addJob = (id: number, next: number, policy: MisfirePolicy, thresholdMs: number, schedule: Schedule = { type: 'FIXED_RATE', everyMs: 1000 }) =>
    hot.schedule.syncJob(APP, id, planJson({ schedule, misfire: { policy, thresholdMs } }), next, true, {
      handler: 'h',
      params: '',
      routing: 'BUSYOVER',
      timeoutMs: 0,
    });
  const tasks = async () => {
    const ids = await t.redis.lrange(t.keys.app(APP).sharedQueue, 0, -1);
    return Promise.all(ids.map((id) => t.redis.hgetall(t.keys.app(APP).task(id))));
  };

  it('SKIP: a fire found later than the threshold creates no task and the job moves on in phase', async () => {
    const late = Date.now() - 30_500;
    await addJob(1, late, 'SKIP', 10_000);
    await start();
    const next = await waitFor(async () => {
      const n = await hot.schedule.nextFireAt(APP, 1);
      return n !== null && n !== late && n;
    }, 5000, 'the job to move on');
    expect(next).to.be.above(Date.now() - 1000);
    expect((next - late) % 1000).to.equal(0);
    expect(await tasks()).to.have.length(0);
  });

  it('FIRE_ONCE: a late fire runs once, recorded as MISFIRE, then the job moves on', async () => {
    const late = Date.now() - 30_500;
    await addJob(1, late, 'FIRE_ONCE', 10_000);
    await start();
    await waitFor(async () => (await tasks()).length >= 1, 5000, 'a misfire task');
    await new Promise((r) => setTimeout(r, 300));
    const list = (await tasks()).filter((x) => Number(x.scheduledAt) === late);
    expect(list).to.have.length(1);
    expect(list[0]?.triggerType).to.equal('MISFIRE');
    expect(queued).to.include(APP);
  });

  it('a fire recovered from a dead claimer is not a misfire, however long the claim lease', async () => {
    const due = Date.now() + 100;
    // Threshold 50 ms: the recovery (after a 600 ms lease) is far later than that.
    await addJob(1, due, 'SKIP', 50);
    // A "dead admin" claims the fire and never commits it (its liveness lasts longer than the lease).
    await history.reconciler.reconcile(APP);
    const dead = await hot.schedule.claimDue(APP, Date.now(), Date.now() + 1000, 600, 10, { adminId: 'dead', livenessMs: 60_000 });
    expect(dead.fires).to.have.length(1);
    await start(600);
    await waitFor(async () => (await tasks()).length >= 1, 5000, 'the recovered fire');
    const [task] = await tasks();
    expect(Number(task?.scheduledAt)).to.equal(due);
    expect(task?.triggerType).to.equal('FIXED');
  });

  describe('FIRE_ALL', () => {
    const MIN = 60_000;

    it('catches up every missed fire, one MISFIRE task each, then keeps its phase', async () => {
      // Six fires missed (late, late + 1 min, …, late + 5 min); the next one is 30 s ahead.
      const late = Date.now() - 5 * MIN - 30_000;
      await addJob(1, late, 'FIRE_ALL', 1000, { type: 'FIXED_RATE', everyMs: MIN });
      await start();
      await waitFor(async () => (await hot.schedule.nextFireAt(APP, 1)) === late + 6 * MIN, 10_000, 'the catch-up to end');
      const list = await tasks();
      expect(list.map((x) => Number(x.scheduledAt)).sort((a, b) => a - b)).to.deep.equal([0, 1, 2, 3, 4, 5].map((k) => late + k * MIN));
      expect(new Set(list.map((x) => x.triggerType))).to.deep.equal(new Set(['MISFIRE']));
    });

    it('past the cap, refuses the catch-up: no task, the first fire after now, the misfire-cap hook told', async () => {
      const late = Date.now() - 10 * MIN - 30_000;
      await addJob(7, late, 'FIRE_ALL', 1000, { type: 'FIXED_RATE', everyMs: MIN });
      const capped: MisfireCapEvent[] = [];
      await start(5000, { misfireCatchupMax: 5, onMisfireCap: (e) => capped.push(e) });
      await waitFor(async () => (await hot.schedule.nextFireAt(APP, 7)) === late + 11 * MIN, 10_000, 'the job to skip ahead');
      expect(capped).to.deep.equal([{ app: APP, jobId: 7, scheduledAt: late, missed: 11 }]);
      expect(await tasks()).to.have.length(0);
    });

    it('a late ONCE fire runs once and the job leaves the schedule', async () => {
      const late = Date.now() - 5 * MIN;
      await addJob(3, late, 'FIRE_ALL', 1000, { type: 'ONCE', at: late });
      await start();
      await waitFor(async () => (await tasks()).length >= 1, 10_000, 'the misfire task');
      expect(await hot.schedule.nextFireAt(APP, 3)).to.equal(null);
      const [task] = await tasks();
      expect(Number(task?.scheduledAt)).to.equal(late);
      expect(task?.triggerType).to.equal('MISFIRE');
    });
  });
});
