/**
 * The small worlds the Lua tests build in Redis through the hot store: a job's hot copy, a
 * registered worker, a queued task. One copy of each shape; each test passes what it is about.
 */
import { planJson } from '../../server/src/domain/schedule.js';
import { createHotStore, type HotStore } from '../../server/src/store/redis/hot-store.js';
import { createTestRedis, type TestRedis } from './redis.js';

/** The plan of an API/manual-only job (no schedule), misfires skipped past 10 s. */
export const NONE_PLAN = planJson({ schedule: { type: 'NONE' }, misfire: { policy: 'SKIP', thresholdMs: 10_000 } });

/** Writes the hot copy of job `jobId` of `app`: enabled, plan {@link NONE_PLAN}, handler `h`, no timeout. */
export async function addNoneJob(hot: HotStore, app: string, jobId: number, routing = 'BUSYOVER', params = ''): Promise<void> {
  await hot.schedule.syncJob(app, jobId, NONE_PLAN, null, true, { handler: 'h', params, routing, timeoutMs: 0 });
}

/** Registers worker `workerId` of `app` (handler `h`, `concurrency` slots), last seen at `seenAt`. */
export async function addWorker(hot: HotStore, app: string, workerId: string, concurrency: number, seenAt: number): Promise<void> {
  await hot.workers.register(app, { workerId, concurrency, handlers: ['h'], host: null, pid: null, adminId: 'a', conn: `c-${workerId}` }, seenAt);
}

/** Queues a MANUAL task `taskId` of job `jobId` at `now` (worker TTL 15 s). */
export async function enqueueManual(hot: HotStore, app: string, jobId: number, taskId: string, now: number, scheduledAt = now): Promise<void> {
  await hot.tasks.enqueue(app, { jobId, taskId, triggerType: 'MANUAL', scheduledAt }, now, 15_000);
}

/**
 * Gives each test of the enclosing `describe` a fresh {@link jobWithTwoWorkers} (handed to `use`,
 * e.g. `(f) => ({ t, hot } = f)`) and deletes its keys after the test.
 */
export function jobWithTwoWorkersEach(app: string, routing: string, now: number, use: (f: { t: TestRedis; hot: HotStore }) => void): void {
  let current: TestRedis | undefined;
  beforeEach(async () => {
    const f = await jobWithTwoWorkers(app, routing, now);
    current = f.t;
    use(f);
  });
  afterEach(async () => {
    await current?.cleanup();
    current = undefined;
  });
}

/** A fresh Redis prefix holding job 1 of `app` ({@link addNoneJob} with `routing`) and workers `w1`, `w2` (2 slots each) seen at `now`. */
export async function jobWithTwoWorkers(app: string, routing: string, now: number): Promise<{ t: TestRedis; hot: HotStore }> {
  const t = createTestRedis();
  const hot = createHotStore(t.redis, t.keys);
  await addNoneJob(hot, app, 1, routing);
  for (const w of ['w1', 'w2']) await addWorker(hot, app, w, 2, now);
  return { t, hot };
}
