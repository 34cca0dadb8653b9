/**
 * A whole admin (`startAdmin` of `server/src/main.ts`: API, gateways, loops) started in the test's
 * own process on port 0, on fresh stores, with a REST client signed in as `admin`.
 */
import { silentLogger, type Logger } from '../../server/src/domain/logger.js';
import { startAdmin, type RunningAdmin } from '../../server/src/main.js';
import { ApiClient } from './api-client.js';
import { createTestStores, TEST_ADMIN_PASSWORD, type TestStores } from './stores.js';
import type { TestRedis } from './redis.js';

/** What {@link startInProcessAdmin} answers. */
export interface InProcessAdmin {
  admin: RunningAdmin;
  /** A client of `admin`, signed in as the built-in `admin` user. */
  api: ApiClient;
  /** The Redis prefix the admin runs on (its keys, a connection to look at them). */
  redis: TestRedis;
  stores: TestStores;
  /**
   * Starts one more admin on the same database and Redis prefix (stopped by {@link close}); `env`
   * adds settings of this admin only (e.g. `OASIS_ROLES`), over those of the first.
   */
  another(env?: Record<string, string>): Promise<RunningAdmin>;
  /** Stops every admin started here, then deletes the Redis keys and drops the database. */
  close(): Promise<void>;
}

/** Options of {@link startInProcessAdmin}. */
export interface InProcessAdminOptions {
  /** More settings, as environment variables (they win over the defaults). */
  env?: Record<string, string>;
  /** Default: silent. */
  logger?: Logger;
}

/** Starts an {@link InProcessAdmin}; if it cannot start, the stores are removed again. */
export async function startInProcessAdmin(opts: InProcessAdminOptions = {}): Promise<InProcessAdmin> {
  const stores = await createTestStores();
  const env = { OASIS_PORT: '0', OASIS_HOST: '127.0.0.1', ...stores.env, ...opts.env };
  const started: RunningAdmin[] = [];
  const another = async (own: Record<string, string> = {}) => {
    const admin = await startAdmin({ ...env, ...own }, opts.logger ?? silentLogger);
    started.push(admin);
    return admin;
  };
  const close = async () => {
    for (const admin of started.splice(0)) await admin.stop();
    await stores.drop();
  };
  try {
    const admin = await another();
    const api = new ApiClient(admin.url);
    await api.login('admin', TEST_ADMIN_PASSWORD);
    return { admin, api, redis: stores.redis, stores, another, close };
  } catch (err) {
    await close();
    throw err;
  }
}
