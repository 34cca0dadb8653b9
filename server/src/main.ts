/**
 * The admin process: the only place that wires config, stores, scheduler, dispatch, realtime and
 * the HTTP API together. `startAdmin()` is also used by tests to run an admin in-process.
 */
import { randomBytes } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createServer, type Server as HttpServer } from 'node:http';
import { hostname } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { pino } from 'pino';
import { AlarmService } from './results/alarms/alarm-service.js';
import { smtpSender } from './results/alarms/email-sender.js';
import { createApi } from './api/index.js';
import { ConfigError, loadConfig } from './config/load.js';
import type { OasisConfig } from './config/schema.js';
import { Dispatcher } from './dispatch/dispatcher.js';
import { effectsListener } from './dispatch/effects.js';
import { HotRuntime } from './dispatch/runtime.js';
import { WorkerRegistry } from './registry/worker-registry.js';
import type { Logger } from './domain/logger.js';
import { FinalWriter } from './results/final-writer.js';
import { Sweeper } from './maintenance/sweeper.js';
import { createIoServer } from './realtime/io-server.js';
import { UiGateway } from './realtime/ui-gateway.js';
import { WorkerGateway } from './realtime/worker-gateway.js';
import { Scheduler } from './scheduler/scheduler.js';
import { ChildJobFirer } from './results/child-jobs.js';
import { createServices, type Services } from './services/index.js';
import { JobCache } from './results/job-cache.js';
import { createRepositories, openDatabase } from './store/db/index.js';
import { makeKeys } from './store/keys.js';
import { connectRedis } from './store/redis/connection.js';
import { createHotStore } from './store/redis/hot-store.js';
import { LeaderLock } from './store/redis/leader-lock.js';
import { OnceStore } from './store/redis/once-store.js';

export interface RunningAdmin {
  config: OasisConfig;
  adminId: string;
  port: number;
  url: string;
  services: Services;
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

/** Starts an admin from environment-style settings. */
export async function startAdmin(env: Record<string, string | undefined> = process.env, log?: Logger): Promise<RunningAdmin> {
  const config = loadConfig(env);
  const logger: Logger = log ?? pino({ level: config.logLevel, base: { svc: 'oasis-admin' } });
  const adminId = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;

  const redis = await connectRedis(config.redisUrl, { dataDir: 'data/redis', logger });
  const keys = makeKeys(config.redisPrefix);
  const db = await openDatabase(config.databaseUrl);
  await db.sync();
  const repos = createRepositories(db);

  let gateway: WorkerGateway | null = null;
  let ui: UiGateway | null = null;
  // What task scripts ask for afterwards: wake workers, abort tasks, wake every admin's scheduler.
  const onEffects = effectsListener(() =>
    gateway
      ? {
          wake: (app, targets) => {
            gateway?.wake(app, targets);
            ui?.queued(app);
          },
          kill: (app, workerId, taskId, reason) => gateway?.kill(app, workerId, taskId, reason),
          rescheduled: (app) => void store.schedule.notifyChange(app).catch(() => undefined),
        }
      : null,
  );
  const store = createHotStore(redis.client, keys);
  const runtime = new HotRuntime({ schedule: store.schedule, tasks: store.tasks, ping: () => store.ping(), config, onEffects });
  const registry = new WorkerRegistry({ workers: store.workers, apps: () => store.schedule.apps(), config, logger });
  const services = createServices({
    repos,
    hot: runtime,
    workers: registry,
    sessions: store.sessions,
    limiters: store.limiter,
    config,
    // A user's role, apps, password or session changed: their dashboard sockets end, on every admin.
    access: { accessChanged: (change) => ui?.accessChanged(change) },
  });

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

  // After a final record: alarms and child jobs, from job definitions a few seconds old at most.
  const jobCache = new JobCache({ load: (id) => repos.jobs.get(id) });
  const alarms = new AlarmService({
    job: (id) => jobCache.get(id),
    once: new OnceStore(redis.client, keys),
    email: config.smtpUrl && config.smtpFrom ? smtpSender(config.smtpUrl, config.smtpFrom) : null,
    delivery: { timeoutMs: config.alarmWebhookTimeoutMs, attempts: config.alarmAttempts, retryMs: config.alarmRetryMs, allow: config.webhookAllow },
    logger,
  });
  const children = new ChildJobFirer({
    job: (id) => jobCache.get(id),
    hot: runtime,
    maxParamsBytes: config.maxParamsBytes,
    grantor: (id) => services.jobs.childGrantor(id),
    audit: services.audit,
    logger,
  });

  store.finals.takeoverMs = config.writerTakeoverMs;
  const appIds = new Map<string, number>();
  // Several writer loops share the stream through the consumer group: batches go to MySQL in parallel.
  const finalWriters = Array.from({ length: config.writers }, (_, i) => new FinalWriter({
    finals: store.finals,
    apps: () => store.schedule.apps(),
    appId: async (name) => {
      let id = appIds.get(name);
      if (id === undefined) {
        const found = await repos.apps.idOf(name);
        if (found === null) return null;
        id = found;
        appIds.set(name, id);
      }
      return id;
    },
    write: (records, texts) => repos.logs.writeFinals(records, texts),
    consumer: `${adminId}#${i}`,
    logger,
    onWritten: [alarms.onWritten, children.onWritten, (app, records) => ui?.written(app, records)],
  }));
  const finalWriter = {
    start: () => finalWriters.forEach((w) => w.start()),
    nudge: () => finalWriters.forEach((w) => w.nudge()),
    drain: () => Promise.all(finalWriters.map((w) => w.drain())),
    stop: () => Promise.all(finalWriters.map((w) => w.stop())),
  };
  const dispatcher = new Dispatcher({
    tasks: store.tasks,
    registry,
    config,
    logger,
    onFinal: () => finalWriter.nudge(),
    onLog: (app, msg) => ui?.log(app, msg),
    onPulled: (app, workerId, tasks) => ui?.pulled(app, workerId, tasks),
    onEffects,
  });
  const scheduler = new Scheduler({ store: store.schedule, config, logger, onEffects, onMisfireCap: alarms.onMisfireCap });
  const sweeper = new Sweeper({
    apps: () => store.schedule.apps(),
    tasks: store.tasks,
    registry,
    lock: new LeaderLock(redis.client, keys.maintenanceLock, Math.max(3 * config.sweepMs, 3000)),
    config,
    logger,
    onEffects,
    onChange: (app, what) => {
      if (what === 'rerouted') gateway?.wake(app, ['']);
      else finalWriter.nudge();
    },
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

  const api = createApi({
    config,
    services,
    hot: runtime,
    dbPing: () => db.ping(),
    logger,
    dashboardDir: dashboardDir(),
  });
  const http: HttpServer = createServer(api);
  const io = createIoServer(http, redis.duplicate(), redis.duplicate());
  gateway = new WorkerGateway({
    io,
    dispatcher,
    registry,
    verifyToken: (app, token) => services.apps.verifyWorkerToken(app, token),
    config,
    adminId,
    logger,
  });

  ui = new UiGateway({ io, services, logger });

  await new Promise<void>((res, rej) => {
    http.once('error', rej);
    http.listen(config.port, config.host, () => res());
  });
  const addr = http.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.port;
  finalWriter.start();
  await scheduler.start();
  sweeper.start();
  logger.info({ port, adminId, redis: redis.url, database: db.dialect }, 'oasis admin started');

  // Event-loop delay is what makes fires late first: report it (debug level) every 10 s.
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const loopTimer = setInterval(() => {
    // The histogram holds whole sampling intervals (10 ms): subtract it to get the delay itself.
    const ms = (ns: number) => Math.max(0, ns / 1e6 - 10);
    logger.debug({ p50: ms(loopDelay.percentile(50)), p99: ms(loopDelay.percentile(99)), max: ms(loopDelay.max) }, 'event loop delay (ms)');
    loopDelay.reset();
  }, 10_000);
  loopTimer.unref();

  let stopping: Promise<void> | null = null;
  return {
    config,
    adminId,
    port,
    url: `http://127.0.0.1:${port}`,
    services,
    stop() {
      stopping ??= (async () => {
        clearInterval(loopTimer);
        loopDelay.disable();
        await scheduler.stop();
        await sweeper.stop();
        // Workers stop pulling from this admin and move to another; results still come in meanwhile.
        await gateway?.drain(WORKER_DRAIN_GRACE_MS);
        ui?.close();
        await new Promise<void>((res) => io.close(() => res()));
        await finalWriter.drain().catch(() => []);
        await finalWriter.stop();
        await alarms.stop();
        await new Promise<void>((res) => http.close(() => res()));
        await redis.close();
        await db.close();
        logger.info({ adminId }, 'oasis admin stopped');
      })();
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
