/**
 * The admin process: the only place that wires config, stores, scheduler, dispatch, registry,
 * results, realtime and the HTTP API together. Parts are built in order and added to one
 * {@link Lifecycle}: they start in that order and stop in reverse. What one part asks of others
 * afterwards travels on one {@link EffectsBus}, so no part holds a late-bound reference to
 * another. `startAdmin()` is also used by tests to run an admin in-process.
 *
 * OASIS_ROLES chooses the parts an admin runs (default all; `docs/deployment.md`): `scheduler`
 * (the scheduler, the fire reconciler, the maintenance sweeper), `dispatch` (the /worker channel
 * accepts workers), `writer` (the final writers, and alarms and child jobs after a write), `api`
 * (REST, the dashboard, the /ui channel accepts dashboards). Every admin keeps the stores, the
 * clock, `/healthz`, the services, and both gateways' emitting side: an effect published here
 * reaches workers and dashboards connected to any admin through the Socket.IO Redis adapter.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { hostname } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { UI_NAMESPACE, WORKER_NAMESPACE } from '@oasis/worker-client/contracts';
import { pino } from 'pino';
import { createApi } from './api/index.js';
import { ConfigError, loadConfig } from './config/load.js';
import type { AdminRole, OasisConfig } from './config/schema.js';
import { Dispatcher } from './dispatch/dispatcher.js';
import { HotRuntime } from './dispatch/runtime.js';
import type { Logger } from './domain/logger.js';
import { Effect, EffectsBus } from './events/effects-bus.js';
import { Lifecycle } from './lifecycle/lifecycle.js';
import { loopDelayMonitor } from './lifecycle/loop-delay.js';
import { Sweeper } from './maintenance/sweeper.js';
import { createIoServer, refuseConnections } from './realtime/io-server.js';
import { UiGateway } from './realtime/ui-gateway.js';
import { WorkerGateway } from './realtime/worker-gateway.js';
import { WorkerRegistry } from './registry/worker-registry.js';
import { AlarmService } from './results/alarms/alarm-service.js';
import { smtpSender } from './results/alarms/email-sender.js';
import { ChildJobFirer } from './results/child-jobs.js';
import { FinalWriterPool, rememberedAppIds } from './results/final-writers.js';
import { JobCache } from './results/job-cache.js';
import { FireReconciler } from './scheduler/reconcile.js';
import { Scheduler } from './scheduler/scheduler.js';
import { createServices, type Services } from './services/index.js';
import { createRepositories, FireHistoryRepo, openDatabase } from './store/db/index.js';
import { makeKeys } from './store/keys.js';
import { connectRedis } from './store/redis/connection.js';
import { createHotStore } from './store/redis/hot-store.js';
import { LeaderLock } from './store/redis/leader-lock.js';
import { OnceStore } from './store/redis/once-store.js';
import { RedisClock, timeSourceOf } from './store/redis/redis-clock.js';

export interface RunningAdmin {
  config: OasisConfig;
  adminId: string;
  port: number;
  url: string;
  services: Services;
  /** The admin's effects bus: what happens after a script, a result or a change (tests watch and publish on it). */
  effects: EffectsBus;
  /** Graceful stop: stop firing, tell workers to drain, flush final records, close connections. */
  stop(): Promise<void>;
}

/** How long a graceful stop gives its workers, once told to drain, to leave before it closes their sockets. */
const WORKER_DRAIN_GRACE_MS = 500;

function dashboardDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  // dist/server/src/main.js → dist/dashboard ; server/src/main.ts → dist/dashboard
  return resolve(here, here.includes(`${'/dist/'}`) ? '../../dashboard' : '../../dist/dashboard');
}

/**
 * Starts an admin from environment-style settings. A failure on the way stops what was started.
 * @throws {ConfigError} when the settings are invalid; whatever a store or the listen throws.
 */
export async function startAdmin(env: Record<string, string | undefined> = process.env, log?: Logger): Promise<RunningAdmin> {
  const config = loadConfig(env);
  const logger: Logger = log ?? pino({ level: config.logLevel, base: { svc: 'oasis-admin' } });
  const adminId = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const life = new Lifecycle(logger);
  const effects = new EffectsBus(logger);
  try {
    return await wire(config, logger, adminId, life, effects);
  } catch (err) {
    await life.stop().catch(() => undefined);
    throw err;
  }
}

/**
 * Builds every part in order and adds it to `life`, then starts them. The order of `life.add` is
 * the start order; stopping runs it backwards: stop firing (scheduler, sweeper), drain the workers,
 * close the dashboard and Socket.IO, flush and stop the final writers, alarms, HTTP, Redis, the
 * database.
 */
async function wire(config: OasisConfig, logger: Logger, adminId: string, life: Lifecycle, effects: EffectsBus): Promise<RunningAdmin> {
  // Stores: opened now, closed last.
  // Every query has a deadline; a hung database answers 503 at once and is logged once (store/db/guard.ts).
  const db = await openDatabase(config.databaseUrl, { logger, queryTimeoutMs: config.dbQueryTimeoutMs, readTimeoutMs: config.dbReadTimeoutMs, replicaUrls: config.databaseReplicaUrls });
  life.add('database', { stop: () => db.close() });
  await db.sync();
  const repos = createRepositories(db);
  const redis = await connectRedis(config.redis, { dataDir: 'data/redis', logger });
  life.add('redis', { stop: () => redis.close() });
  // The cluster's one clock: the Redis server's, measured on a connection of its own (so no
  // queue of other commands delays TIME) before anything reads the time.
  const keys = makeKeys(config.redisPrefix);
  const clock = new RedisClock(timeSourceOf(redis.duplicate(), keys.clock), {
    syncMs: config.clockSyncMs,
    maxRttMs: config.clockMaxRttMs,
    staleMs: config.clockStaleMs,
    logChangeMs: config.clockLogMs,
    logger,
  });
  await clock.start();
  life.add('clock', { stop: () => clock.stop() });
  const now = clock.now;
  const store = createHotStore(redis.client, keys, { noWorkerGraceMs: config.noWorkerGraceMs });
  store.finals.takeoverMs = config.writerTakeoverMs;

  // The hot side and the services the API and the gateways call.
  const hot = new HotRuntime({ schedule: store.schedule, tasks: store.tasks, ping: () => store.ping(), config, effects, now });
  const registry = new WorkerRegistry({ workers: store.workers, apps: () => store.schedule.apps(), config, effects, logger, now });
  const services = createServices({
    repos,
    hot,
    workers: registry,
    sessions: store.sessions,
    limiters: store.limiter,
    config,
    // A user's role, apps, password or session changed: their dashboard sockets end, on every admin.
    access: { accessChanged: (change) => effects.publish(Effect.ACCESS_CHANGED, change) },
    now,
  });
  // A job got a new next fire outside the scheduler: every admin's scheduler loop of its app wakes.
  effects.on(Effect.RESCHEDULED, ({ app }) => void store.schedule.notifyChange(app).catch(() => undefined));

  const admin = await services.auth.ensureAdmin(config.adminPassword);
  if (admin.generatedPassword) {
    // Printed once, on the first start only; the hash is all that is kept.
    process.stdout.write(
      `\n  Oasis admin user created.\n  username: admin\n  password: ${admin.generatedPassword}\n  (shown once; set OASIS_ADMIN_PASSWORD to choose it)\n\n`,
    );
  }
  await services.apps.registerAll();
  // Redis may have lost the hot copies (no persistence, flushed): the database has the truth.
  const restored = await services.jobs.restoreHotCopies();
  if (restored.length) logger.warn({ jobs: restored.length }, 'hot copies of jobs were missing in Redis: restored from the database');

  // What this admin runs (OASIS_ROLES, default all): see the module's comment and docs/deployment.md.
  const has = (role: AdminRole) => config.roles.includes(role);
  const rolesText = config.roles.join(',');

  // After a result: alarms and child jobs, from job definitions a few seconds old at most.
  // Alarms on every admin: a scheduler's refused catch-up raises one too (published where it happens).
  const jobCache = new JobCache({ load: (id) => repos.jobs.get(id) });
  const alarms = new AlarmService({
    job: (id) => jobCache.get(id),
    once: new OnceStore(redis.client, keys),
    email: config.smtpUrl && config.smtpFrom ? smtpSender(config.smtpUrl, config.smtpFrom) : null,
    delivery: { timeoutMs: config.alarmWebhookTimeoutMs, attempts: config.alarmAttempts, retryMs: config.alarmRetryMs, allow: config.webhookAllow },
    logger,
    now,
  });
  effects.on(Effect.MISFIRE_CAPPED, alarms.onMisfireCap);
  // writer: the finals streams → MySQL, then alarms and child jobs. Without it the records wait in
  // Redis for the writers of another admin (one consumer group across admins).
  let writers: FinalWriterPool | null = null;
  if (has('writer')) {
    const children = new ChildJobFirer({
      job: (id) => jobCache.get(id),
      hot,
      maxParamsBytes: config.maxParamsBytes,
      grantor: (id) => services.jobs.childGrantor(id),
      audit: services.audit,
      logger,
    });
    writers = new FinalWriterPool({
      count: config.writers,
      adminId,
      finals: store.finals,
      apps: () => store.schedule.apps(),
      appId: rememberedAppIds((name) => repos.apps.idOf(name)),
      write: (records, texts) => repos.logs.writeFinals(records, texts),
      logger,
      onWritten: [alarms.onWritten, children.onWritten],
      effects,
    });
  }

  // scheduler: firing and the maintenance leader's sweeps (the worker reaper, lease and timeout
  // watchdogs, the no-worker grace, retries due, the hourly chores).
  // After Redis restarted or lost data, each app's loop waits for its schedule to be reconciled
  // with the fires MySQL (and the finals stream) recorded: a recorded fire never fires again.
  let scheduler: Scheduler | null = null;
  let sweeper: Sweeper | null = null;
  if (has('scheduler')) {
    const reconciler = new FireReconciler({
      store: store.schedule,
      history: new FireHistoryRepo(db.models),
      restore: () => services.jobs.restoreHotCopies(),
      logger,
      effects,
      workerTtlMs: config.workerTtlMs,
      now,
    });
    // Fires are claimed, committed and swept on the cluster's clock, and not at all while it is not measured.
    scheduler = new Scheduler({ adminId, store: store.schedule, reconciler, config, logger, effects, now, ready: clock.synced });
    sweeper = new Sweeper({
      apps: () => store.schedule.apps(),
      tasks: store.tasks,
      registry,
      lock: new LeaderLock(redis.client, keys.maintenanceLock, Math.max(3 * config.sweepMs, 3000)),
      config,
      logger,
      effects,
      now,
      ready: clock.synced,
      // The report is counted up by the writer; the hourly recount repairs what a rare double delivery
      // could have counted twice (today, and yesterday early in the day).
      chores: [
        { name: 'daily-report', everyMs: 3_600_000, run: () => services.reports.refresh() },
        {
          // Redis lost data while admins kept running (restart without persistence): jobs fire again.
          name: 'restore-hot-copies',
          everyMs: 60_000,
          run: async () => {
            const ids = await services.jobs.restoreHotCopies();
            if (ids.length) logger.warn({ jobs: ids.length }, 'hot copies of jobs were missing in Redis: restored from the database');
          },
        },
      ],
    });
  }

  // HTTP (/healthz always; REST and the dashboard with api) and Socket.IO; the gateways subscribe
  // to the effects they act on.
  const http = createServer(
    createApi({ config, services, hot, dbPing: () => db.ping(), clock: () => clock.reading(), logger, dashboardDir: dashboardDir(), roles: config.roles, limiters: store.limiter }),
  );
  const io = createIoServer(http, redis.duplicate(), redis.duplicate(), config.redisPrefix);
  // A namespace whose role this admin lacks accepts no socket, but its gateway still emits to its
  // rooms: a fire committed here wakes workers, a write here updates dashboards, on other admins.
  if (!has('api')) refuseConnections(io, UI_NAMESPACE, `this admin serves no dashboard (OASIS_ROLES=${rolesText}): connect to an admin with the api role`);
  if (!has('dispatch')) refuseConnections(io, WORKER_NAMESPACE, `this admin accepts no workers (OASIS_ROLES=${rolesText}): connect to an admin with the dispatch role`);
  const ui = new UiGateway({ io, services, effects, logger, maxBufferBytes: config.uiMaxBufferBytes });
  const dispatcher = new Dispatcher({ tasks: store.tasks, registry, config, logger, effects, now });
  const workers = new WorkerGateway({
    io,
    dispatcher,
    registry,
    effects,
    verifyToken: (app, token) => services.apps.verifyWorkerToken(app, token),
    config,
    adminId,
    logger,
    now,
  });

  life.add('http', {
    start: () =>
      new Promise<void>((res, rej) => {
        http.once('error', rej);
        http.listen(config.port, config.host, () => res());
      }),
    stop: () => new Promise<void>((res) => http.close(() => res())),
  });
  life.add('alarms', { stop: () => alarms.stop() });
  if (writers) {
    const pool = writers;
    life.add('final writers', {
      start: () => pool.start(),
      stop: async () => {
        await pool.drain().catch(() => false);
        await pool.stop();
      },
    });
  }
  life.add('dashboard and socket.io', {
    stop: async () => {
      ui.close();
      await new Promise<void>((res) => io.close(() => res()));
    },
  });
  // Workers stop pulling from this admin and move to another; results still come in meanwhile.
  life.add('workers', { stop: () => workers.drain(WORKER_DRAIN_GRACE_MS) });
  if (sweeper) {
    const s = sweeper;
    life.add('sweeper', { start: () => s.start(), stop: () => s.stop() });
  }
  if (scheduler) {
    const s = scheduler;
    life.add('scheduler', { start: () => s.start(), stop: () => s.stop() });
  }
  life.add('event-loop monitor', loopDelayMonitor(logger, { roles: config.roles }));
  await life.start();

  const addr = http.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.port;
  logger.info({ port, adminId, roles: rolesText, redis: redis.url, database: db.dialect }, 'oasis admin started');
  let stopping: Promise<void> | null = null;
  return {
    config,
    adminId,
    port,
    url: `http://127.0.0.1:${port}`,
    services,
    effects,
    stop() {
      stopping ??= life.stop().then(() => logger.info({ adminId }, 'oasis admin stopped'));
      return stopping;
    },
  };
}

async function cli(): Promise<void> {
  try {
    const admin = await startAdmin();
    let signals = 0;
    const shutdown = () => {
      if (++signals > 1) process.exit(1);
      admin.stop().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.on('SIGTERM', shutdown);
    process.on('SIGINT', shutdown);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`oasis admin failed to start: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) void cli();
