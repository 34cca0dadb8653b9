/**
 * The reconcile after Redis lost data (issue 11 item 6), on real Redis and MariaDB: a job whose
 * hot `nextFireAt` is at or before a fire recorded in `oasis_job_log` or still waiting in the
 * finals stream moves on to the first fire after it; manual triggers do not move a schedule; a
 * ONCE job already fired leaves the schedule; claims and commits wait for the epoch; a task the
 * older data still holds in flight although its record exists is taken out of flight, and no task
 * is handed to a worker before the seal.
 */
import { expect } from 'chai';
import { silentLogger } from '../../server/src/domain/logger.js';
import { planJson } from '../../server/src/domain/schedule.js';
import type { Schedule } from '../../server/src/domain/types.js';
import { FireReconciler } from '../../server/src/scheduler/reconcile.js';
import { FireHistoryRepo, openDatabase, type Database } from '../../server/src/store/db/index.js';
import { createHotStore, type HotStore } from '../../server/src/store/redis/hot-store.js';
import { FINALS_ENTRY } from '../../server/src/store/redis/schema.js';
import { CLAIMER } from '../helpers/epoch.js';
import { addNoneJob, addWorker, enqueueManual } from '../helpers/hot-fixtures.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { createTestRedis, type TestRedis } from '../helpers/redis.js';

const APP = 'recon';
const MIN = 60_000;

describe('scheduler: reconcile with the recorded fires after Redis lost data (real Redis, MariaDB)', function () {
  this.timeout(30_000);
  let t: TestRedis;
  let hot: HotStore;
  let tdb: TestDatabase;
  let db: Database;
  let reconciler: FireReconciler;
  let appId: number;
  const T0 = Date.now() - 10 * MIN;

  beforeEach(async () => {
    t = createTestRedis();
    hot = createHotStore(t.redis, t.keys);
    tdb = await createTestDatabase();
    db = await openDatabase(tdb.url);
    await db.sync();
    const app = await db.models.App.create({ name: APP, title: APP, tokenHash: 'x'.repeat(64) });
    appId = app.get('id') as number;
    reconciler = new FireReconciler({ store: hot.schedule, history: new FireHistoryRepo(db.models), logger: silentLogger });
  });
  afterEach(async () => {
    await db.close();
    await tdb.drop();
    await t.cleanup();
  });

  const addJob = (id: number, next: number, schedule: Schedule = { type: 'FIXED_RATE', everyMs: MIN }) =>
    hot.schedule.syncJob(APP, id, planJson({ schedule, misfire: { policy: 'FIRE_ALL', thresholdMs: 3_600_000 } }), next, true, {
      handler: 'h',
      params: '',
      routing: 'BUSYOVER',
      timeoutMs: 0,
    });
  const record = (jobId: number, scheduledAt: number, triggerType = 'FIXED') =>
    db.models.JobLog.create({
      id: `${jobId}-${scheduledAt}-${triggerType}`,
      jobId,
      appId,
      handler: 'h',
      scheduledAt,
      status: 'SUCCESS',
      triggerType,
      shardIndex: 0,
      shardTotal: 1,
      attempt: 1,
      params: '',
    });
  const streamed = (jobId: number, scheduledAt: number) =>
    t.redis.xadd(t.keys.app(APP).finals, '*', FINALS_ENTRY.record, JSON.stringify({ id: `${jobId}-s`, jobId: String(jobId), scheduledAt: String(scheduledAt), triggerType: 'FIXED', status: 'SUCCESS' }));

  it('moves each job past its newest recorded fire (MySQL or finals stream) and only those, then claims again', async () => {
    await addJob(1, T0);
    await addJob(2, T0);
    await addJob(3, T0);
    await addJob(4, T0, { type: 'ONCE', at: T0 });
    await addJob(5, T0 + 2 * MIN);
    // Redis forgot that these ran: two fires of job 1 in MySQL, one of job 2 still in the stream.
    await record(1, T0);
    await record(1, T0 + MIN);
    await streamed(2, T0);
    // A manual trigger of job 3 is no scheduled fire; job 5's record is older than its pointer.
    await record(3, T0 + 1000, 'MANUAL');
    await record(4, T0);
    await record(5, T0 + MIN);

    // No epoch yet (as after a total loss): nothing is claimed or committed until the reconcile.
    const refused = await hot.schedule.claimDue(APP, Date.now(), Date.now() + 1000, 5000, 100, CLAIMER);
    expect(refused.epochChanged).to.be.a('string').and.not.equal('');
    expect(refused.fires).to.deep.equal([]);
    const commit = await hot.schedule.commitFires(APP, Date.now(), { workerTtlMs: 15_000, overlapBufferMax: 10 }, [
      { jobId: 3, scheduledAt: T0, planVersion: '1', following: T0 + MIN, taskId: '3-x', triggerType: 'FIXED' },
    ]);
    expect(commit.epochChanged).to.equal(true);
    expect(await hot.schedule.nextFireAt(APP, 3)).to.equal(T0);

    await reconciler.reconcile(APP);
    expect(await hot.schedule.nextFireAt(APP, 1)).to.equal(T0 + 2 * MIN);
    expect((await hot.schedule.jobState(APP, 1)).runs, 'the forgotten runs are counted').to.equal(2);
    expect(await hot.schedule.nextFireAt(APP, 2)).to.equal(T0 + MIN);
    expect(await hot.schedule.nextFireAt(APP, 3)).to.equal(T0);
    expect(await hot.schedule.nextFireAt(APP, 4)).to.equal(null);
    expect(await hot.schedule.nextFireAt(APP, 5)).to.equal(T0 + 2 * MIN);

    const claimed = await hot.schedule.claimDue(APP, Date.now(), Date.now() + 1000, 5000, 100, CLAIMER);
    expect(claimed.epochChanged).to.equal(null);
    expect(claimed.fires.map((f) => [f.jobId, f.scheduledAt]).sort((a, b) => a[0]! - b[0]!)).to.deep.equal([
      [1, T0 + 2 * MIN],
      [2, T0 + MIN],
      [3, T0],
      [5, T0 + 2 * MIN],
    ]);
  });

  it('hands back the claims made before the restart, and reconciles again after another restart', async () => {
    await addJob(1, T0);
    await reconciler.reconcile(APP);
    const before = await hot.schedule.claimDue(APP, Date.now(), Date.now() + 1000, 60_000, 100, CLAIMER);
    expect(before.fires).to.have.length(1);
    // As after a restart: the epoch is another server's run.
    await t.redis.set(t.keys.app(APP).epoch, 'another-run-id');
    expect((await hot.schedule.claimDue(APP, Date.now(), Date.now() + 1000, 60_000, 100, CLAIMER)).epochChanged).to.be.a('string');
    await record(1, T0);
    await reconciler.reconcile(APP);
    // The claim's lease (60 s) is gone: the moved fire is due again at once.
    expect(Number(await t.redis.zscore(t.keys.app(APP).schedule, '1'))).to.equal(T0 + MIN);
    const after = await hot.schedule.claimDue(APP, Date.now(), Date.now() + 1000, 60_000, 100, CLAIMER);
    expect(after.fires.map((f) => f.scheduledAt)).to.deep.equal([T0 + MIN]);
  });

  it('a reconcile begun under another server run seals nothing', async () => {
    await addJob(1, T0);
    await record(1, T0);
    const r = await hot.schedule.reconcileFires(APP, 'not-this-run', [{ jobId: 1, seen: T0, following: T0 + MIN, lost: 1 }], true);
    expect(r.epochChanged).to.equal(true);
    expect(await hot.schedule.nextFireAt(APP, 1)).to.equal(T0);
    expect(await t.redis.get(t.keys.app(APP).epoch)).to.equal(null);
  });

  it('takes the tasks that already ended (recorded in MySQL or the stream) out of flight, keeps the others, and hands nothing out before the seal', async () => {
    const now = Date.now();
    for (const id of [1, 2, 3]) await addNoneJob(hot, APP, id);
    await addWorker(hot, APP, 'w', 10, now);
    // Still running on the worker when Redis restarts: no record yet, it will still be completed.
    await enqueueManual(hot, APP, 3, '3-running', now);
    expect((await hot.tasks.pull(APP, 'w', 1, now, 3000))?.map((x) => x.id)).to.deep.equal(['3-running']);
    // Queued in the older data, but they ran and were recorded before the crash.
    await enqueueManual(hot, APP, 1, '1-in-mysql', now);
    await enqueueManual(hot, APP, 2, '2-in-stream', now);
    await db.models.JobLog.create({ id: '1-in-mysql', jobId: 1, appId, handler: 'h', scheduledAt: now, status: 'SUCCESS', triggerType: 'MANUAL', shardIndex: 0, shardTotal: 1, attempt: 1, params: '' });
    await t.redis.xadd(t.keys.app(APP).finals, '*', FINALS_ENTRY.record, JSON.stringify({ id: '2-in-stream', jobId: '2', scheduledAt: String(now), triggerType: 'MANUAL', status: 'SUCCESS' }));
    // As after a restart from older data: until the reconcile, no worker gets a task.
    await t.redis.set(t.keys.app(APP).epoch, 'another-run-id');
    expect(await hot.tasks.pull(APP, 'w', 10, now + 1, 3000)).to.deep.equal([]);

    await reconciler.reconcile(APP);
    expect(await hot.schedule.inflightTaskIds(APP)).to.deep.equal(['3-running']);
    expect(await hot.tasks.pull(APP, 'w', 10, now + 2, 3000), 'the recorded tasks left the queue').to.deep.equal([]);
    await enqueueManual(hot, APP, 1, '1-new', now + 3);
    expect((await hot.tasks.pull(APP, 'w', 10, now + 4, 3000))?.map((x) => x.id), 'sealed: tasks are handed out again').to.deep.equal(['1-new']);
  });
});
