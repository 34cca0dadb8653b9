/**
 * Upgrading a running install from the previous layout of the Redis schema (field names before
 * `planVersion`, `nextFireAt`, `runs`, `hasChildren`, `triggerType`, `workerId`, `fixedDelay`):
 * job hashes are rewritten at start (found by `missingOrStale`, migrated by sync-job.lua, left
 * alone by claim-due.lua until then); tasks in flight and final records in the stream are read
 * under their old names for one version (`LEGACY_FIELDS`).
 */
import { expect } from 'chai';
import { planJson } from '../../server/src/domain/schedule.js';
import { createHotStore, type HotStore } from '../../server/src/store/redis/hot-store.js';
import { Verdict } from '../../server/src/store/redis/reply-codes.js';
import { F, JOB_LAYOUT } from '../../server/src/store/redis/schema.js';
import { CLAIMER, sealEpoch } from '../helpers/epoch.js';
import { createTestRedis, type TestRedis } from '../helpers/redis.js';

const APP = 'upg';
const NOW = 1_700_000_000_000;
const TTL = 15_000;
const PLAN = planJson({ schedule: { type: 'FIXED_RATE', everyMs: 60_000 }, misfire: { policy: 'SKIP', thresholdMs: 10_000 } });

describe('lua: upgrade from the previous layout of the Redis schema', function () {
  this.timeout(10_000);
  let t: TestRedis;
  let hot: HotStore;
  const k = () => t.keys.app(APP);
  beforeEach(async () => {
    t = createTestRedis();
    hot = createHotStore(t.redis, t.keys);
    await sealEpoch(hot, APP);
  });
  afterEach(async () => {
    await t.cleanup();
  });

  /** A job hash as the previous admin wrote it, with a pending fire at NOW. */
  async function oldJob(id: number): Promise<void> {
    await t.redis.hset(k().job(id), {
      app: APP, handler: 'h', params: 'p', routing: 'BUSYOVER', overlap: 'ALLOW', bufMax: 1000, timeoutMs: 0, maxRuns: 5,
      endAt: '', delayMs: 0, script: '', kids: '1', defVersion: 3, enabled: '1', plan: PLAN, ver: 7, next: NOW, fires: 2,
    });
    await t.redis.zadd(k().schedule, NOW, String(id));
  }

  it('a job hash of the old layout is left unclaimed, found stale, and migrated by sync-job with its pending fire and run count', async () => {
    await oldJob(1);
    expect((await hot.schedule.claimDue(APP, NOW, NOW + 1000, 5000, 10, CLAIMER)).fires, 'not claimed').to.deep.equal([]);
    expect(await t.redis.zscore(k().schedule, '1'), 'not removed').to.equal(String(NOW));
    expect(await hot.schedule.missingOrStale([{ id: 1, app: APP }, { id: 2, app: APP }])).to.deep.equal([1, 2]);

    expect(await hot.schedule.syncJob(APP, 1, PLAN, NOW + 99_000, true, { handler: 'h', params: 'p', hasChildren: '1' })).to.equal(NOW);
    const h = await t.redis.hgetall(k().job(1));
    expect(h).to.include({ [F.job.nextFireAt]: String(NOW), [F.job.planVersion]: '7', [F.job.runs]: '2', [F.job.hasChildren]: '1' });
    expect(h[F.job.layout]).to.equal(String(JOB_LAYOUT));
    for (const gone of ['next', 'ver', 'fires', 'kids', 'app', 'defVersion', 'bufMax']) expect(h, gone).to.not.have.property(gone);
    expect(await hot.schedule.missingOrStale([{ id: 1, app: APP }])).to.deep.equal([]);
    const { fires } = await hot.schedule.claimDue(APP, NOW, NOW + 1000, 5000, 10, CLAIMER);
    expect(fires.map((f) => [f.jobId, f.scheduledAt, f.planVersion])).to.deep.equal([[1, NOW, '7']]);
    expect((await hot.schedule.jobState(APP, 1)).runs).to.equal(2);
  });

  it('a task in flight with the old field names is pulled, listed and completed as before', async () => {
    await hot.schedule.syncJob(APP, 1, PLAN, null, true, { handler: 'h', params: 'p', routing: 'BUSYOVER', timeoutMs: 0 });
    await hot.workers.register(APP, { workerId: 'w', concurrency: 2, handlers: ['h'], host: null, pid: null, adminId: 'a', conn: 'c' }, NOW);
    const old = { jobId: 1, handler: 'h', params: 'p', attempt: 1, shardIndex: 0, shardTotal: 1, timeoutMs: 0, target: '', createdAt: NOW, kids: '1' };
    await t.redis.hset(k().task('1-Q'), { ...old, id: '1-Q', scheduledAt: NOW, trigger: 'CRON', status: 'QUEUED', chain: '0' });
    await t.redis.lpush(k().sharedQueue, '1-Q');
    await t.redis.sadd(k().active(1), '1-Q');
    await t.redis.zadd(k().inflight, NOW, '1-Q');
    const [pulled] = (await hot.tasks.pull(APP, 'w', 1, NOW, 30_000)) ?? [];
    expect(pulled).to.include({ id: '1-Q', triggerType: 'CRON' });

    await t.redis.hset(k().task('1-R'), { ...old, id: '1-R', scheduledAt: NOW + 1, trigger: 'FIXED', status: 'RUNNING', worker: 'w', startedAt: NOW });
    await t.redis.zadd(k().running, NOW + 30_000, '1-R');
    await t.redis.sadd(k().workerRunning('w'), '1-R');
    await t.redis.zadd(k().inflight, NOW + 1, '1-R');
    expect((await hot.tasks.get(APP, '1-R'))).to.include({ triggerType: 'FIXED', workerId: 'w', status: 'RUNNING' });
    expect(await hot.tasks.setProgress(APP, 'w', '1-R', 50)).to.equal(Verdict.ACCEPTED);
    const done = await hot.tasks.complete(APP, 'w', [{ taskId: '1-R', attempt: 1, status: 'SUCCESS', startedAt: NOW, finishedAt: NOW + 5 }], NOW + 5, TTL);
    expect(done.verdicts).to.deep.equal([Verdict.ACCEPTED]);
    const [entry] = await hot.finals.read(APP, 'test', 10);
    expect(entry?.fields).to.include({ id: '1-R', triggerType: 'FIXED', workerId: 'w', hasChildren: '1', status: 'SUCCESS' });
    expect(await t.redis.scard(k().workerRunning('w'))).to.equal(1);
  });

  it('a final record of the old layout in the stream is read in the current names', async () => {
    await t.redis.xadd(k().finals, '*', 'r', JSON.stringify({
      id: '1-X', jobId: '1', handler: 'h', params: '', scheduledAt: String(NOW), attempt: '1', trigger: 'CRON', shardIndex: '0',
      shardTotal: '1', worker: 'w1', startedAt: String(NOW), finishedAt: String(NOW + 1), status: 'FAILED', result: '', error: 'x',
      hasLog: 0, retryTaskId: '', kids: '1',
    }));
    const [entry] = await hot.finals.read(APP, 'test', 10);
    expect(entry?.fields).to.include({ triggerType: 'CRON', workerId: 'w1', hasChildren: '1' });
  });
});
