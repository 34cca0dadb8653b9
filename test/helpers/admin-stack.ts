import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApi } from '../../server/src/api/index.js';
import { loadConfig } from '../../server/src/config/load.js';
import type { OasisConfig } from '../../server/src/config/schema.js';
import { HotRuntime } from '../../server/src/dispatch/runtime.js';
import { silentLogger, type Logger } from '../../server/src/domain/logger.js';
import type { Principal } from '../../server/src/domain/roles.js';
import { EffectsBus } from '../../server/src/events/effects-bus.js';
import { WorkerRegistry } from '../../server/src/registry/worker-registry.js';
import { ADMIN_USERNAME, principalOf } from '../../server/src/services/auth-service.js';
import { ChildJobFirer } from '../../server/src/results/child-jobs.js';
import { createHotStore, type HotStore } from '../../server/src/store/redis/hot-store.js';
import { createRepositories, openDatabase, type Database, type Repositories } from '../../server/src/store/db/index.js';
import { createServices, type Services } from '../../server/src/services/index.js';
import { ApiClient } from './api-client.js';
import type { TestDatabase } from './db.js';
import type { TestRedis } from './redis.js';
import { createTestStores, TEST_ADMIN_PASSWORD } from './stores.js';

export { TEST_ADMIN_PASSWORD };

/** The admin minus its loops: a fresh MariaDB database, a fresh Redis prefix, services and the API on port 0. */
export interface AdminStack {
  config: OasisConfig;
  testDb: TestDatabase;
  db: Database;
  repos: Repositories;
  redis: TestRedis;
  /** The Redis stores on the stack's prefix (tests set up and look at hot state through them). */
  store: HotStore;
  hot: HotRuntime;
  /** The stack's effects bus: what triggers and kills ask for afterwards (tests may subscribe). */
  effects: EffectsBus;
  services: Services;
  server: Server;
  /** `http://127.0.0.1:<port>` */
  baseUrl: string;
  /**
   * Registers a worker of `app` that counts as online for an hour without heartbeats, so fires
   * and triggers are queued for it instead of ending NO_WORKER. Nothing pulls for it.
   */
  onlineWorker(app: string, workerId?: string): Promise<void>;
  /** The built-in `admin` user as the services see a caller (ADMIN: every app). */
  adminUser: Principal;
  /** A REST client of this stack signed in as `username` (default: the built-in admin). */
  signIn(username?: string, password?: string): Promise<ApiClient>;
  /** The child-job firer as the admin builds it (reading job definitions straight from the database). */
  childFirer(logger: Logger): ChildJobFirer;
  /** Stops the server, closes connections, drops the database and the Redis keys. */
  close(): Promise<void>;
}

/** Builds an {@link AdminStack}; `env` adds settings (as environment variables). */
export async function createAdminStack(env: Record<string, string> = {}): Promise<AdminStack> {
  const stores = await createTestStores();
  const { db: testDb, redis } = stores;
  const config = loadConfig({ ...stores.env, ...env });
  const db = await openDatabase(config.databaseUrl, { queryTimeoutMs: config.dbQueryTimeoutMs, readTimeoutMs: config.dbReadTimeoutMs, replicaUrls: config.databaseReplicaUrls });
  await db.sync();
  const repos = createRepositories(db);
  const store = createHotStore(redis.redis, redis.keys);
  const effects = new EffectsBus(silentLogger);
  const hot = new HotRuntime({ schedule: store.schedule, tasks: store.tasks, ping: () => store.ping(), config, effects });
  const workers = new WorkerRegistry({ workers: store.workers, apps: () => store.schedule.apps(), config, effects, logger: silentLogger });
  const services = createServices({ repos, hot, workers, sessions: store.sessions, limiters: store.limiter, config });
  await services.auth.ensureAdmin(config.adminPassword);
  const adminRow = await repos.users.findByUsername(ADMIN_USERNAME);
  if (!adminRow) throw new Error('the built-in admin was not created');
  const adminUser = principalOf(adminRow);
  const api = createApi({ config, services, hot, dbPing: () => db.ping(), logger: silentLogger });
  const server = createServer(api).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    config,
    testDb,
    db,
    repos,
    redis,
    store,
    hot,
    effects,
    async onlineWorker(app, workerId = 'test-worker') {
      await store.workers.register(
        app,
        { workerId, concurrency: 1, handlers: [], host: null, pid: null, adminId: 'test', conn: `c-${workerId}` },
        Date.now() + 3_600_000,
      );
    },
    adminUser,
    signIn: (username = 'admin', password = TEST_ADMIN_PASSWORD) => ApiClient.signedIn(baseUrl, username, password),
    childFirer(logger) {
      return new ChildJobFirer({
        job: (id) => repos.jobs.get(id),
        hot,
        maxParamsBytes: config.maxParamsBytes,
        grantor: (id) => services.jobs.childGrantor(id),
        audit: services.audit,
        logger,
      });
    },
    services,
    server,
    baseUrl,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await db.close();
      await stores.drop();
    },
  };
}
