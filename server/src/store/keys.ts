/**
 * The one place Redis key names are built. Every per-app key carries the app as a hash tag
 * (`oasis:{billing}:schedule`) so each Lua script touches a single cluster slot.
 */
export interface AppKeys {
  /** Prefix of every key of the app, e.g. `oasis:{billing}:` (passed to scripts to build task keys). */
  base: string;
  /** ZSET jobId → due time (or claim lease deadline while claimed). */
  schedule: string;
  /** HASH hot copy of a job. */
  job(jobId: number | string): string;
  /** LIST of task ids any worker of the app may pull. */
  sharedQueue: string;
  /** LIST of task ids targeted at one worker. */
  workerQueue(workerId: string): string;
  /** ZSET taskId → lease deadline of running tasks. */
  running: string;
  /** SET of task ids a worker is running. */
  workerRunning(workerId: string): string;
  /** ZSET taskId → scheduledAt of every queued or running task of the app. */
  inflight: string;
  /** SET of queued, running or retry-waiting task ids of one job (buffered fires excluded). */
  active(jobId: number | string): string;
  /** LIST of task ids of fires buffered by the job's overlap policy (BUFFER_ONE / BUFFER_ALL). */
  buffer(jobId: number | string): string;
  /** ZSET taskId → due time of retries waiting for their delay. */
  delayed: string;
  /** ZSET taskId → watchdog deadline (timeout + grace) of running tasks with a timeout. */
  deadlines: string;
  /** HASH workerId → uses of one job (LEAST_FREQUENTLY_USED), expires after a day unused. */
  lfu(jobId: number | string): string;
  /** ZSET workerId → last use by one job (LEAST_RECENTLY_USED), expires after a day unused. */
  lru(jobId: number | string): string;
  /** STRING marking a trigger dedupe key as used (24 h). */
  dedupe(key: string): string;
  /** HASH of one queued or running task. */
  task(taskId: string): string;
  /** LIST of execution log lines of one task, kept until its final record is written. */
  log(taskId: string): string;
  /** STREAM of final records waiting to be written to the database. */
  finals: string;
  /** ZSET workerId → last heartbeat (epoch ms). */
  workers: string;
  /** SET of worker ids whose facts hash may still exist (online or recently gone). */
  knownWorkers: string;
  /** HASH facts about one worker. */
  worker(workerId: string): string;
}

export interface Keys {
  prefix: string;
  /** SET of app names that have a schedule (the scheduler loops over them). */
  apps: string;
  /** HASH jobId → app name (finds a task's app from its id). */
  jobApps: string;
  /** Pub/sub channel: a job of the named app changed; wake the scheduler. */
  scheduleChannel: string;
  /** Pub/sub channel for in-process cache invalidation and cross-admin commands. */
  eventsChannel: string;
  /** STRING session token hash → user JSON. */
  session(tokenHash: string): string;
  /**
   * Key prefix of one attempt budget (rate-limiter-flexible appends `:<key>`), e.g.
   * `oasis:limit:login-user` → STRING `oasis:limit:login-user:user:7`, a count expiring with its window.
   */
  limit(name: string): string;
  /** Redlock resource name of the maintenance leader. */
  maintenanceLock: string;
  /** STRING marker that a once-only action (an alarm, …) was claimed, e.g. `oasis:once:alarm:<taskId>`. */
  once(name: string): string;
  app(app: string): AppKeys;
}

export function makeKeys(prefix: string): Keys {
  const cache = new Map<string, AppKeys>();
  return {
    prefix,
    apps: `${prefix}apps`,
    jobApps: `${prefix}job-apps`,
    scheduleChannel: `${prefix}ch:schedule`,
    eventsChannel: `${prefix}ch:events`,
    session: (h) => `${prefix}session:${h}`,
    limit: (name) => `${prefix}limit:${name}`,
    maintenanceLock: `${prefix}lock:maintenance`,
    once: (name) => `${prefix}once:${name}`,
    app(app) {
      let k = cache.get(app);
      if (k) return k;
      const base = `${prefix}{${app}}:`;
      k = {
        base,
        schedule: `${base}schedule`,
        job: (id) => `${base}job:${id}`,
        sharedQueue: `${base}q:shared`,
        workerQueue: (w) => `${base}q:w:${w}`,
        running: `${base}running`,
        workerRunning: (w) => `${base}w:${w}:running`,
        inflight: `${base}inflight`,
        active: (id) => `${base}active:${id}`,
        buffer: (id) => `${base}buf:${id}`,
        delayed: `${base}delayed`,
        deadlines: `${base}deadlines`,
        lfu: (id) => `${base}lfu:${id}`,
        lru: (id) => `${base}lru:${id}`,
        dedupe: (key) => `${base}dedupe:${key}`,
        task: (id) => `${base}task:${id}`,
        log: (id) => `${base}log:${id}`,
        finals: `${base}finals`,
        workers: `${base}workers`,
        knownWorkers: `${base}known-workers`,
        worker: (w) => `${base}worker:${w}`,
      };
      cache.set(app, k);
      return k;
    },
  };
}
