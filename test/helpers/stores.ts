/**
 * The stores one test admin runs on: a fresh MariaDB database and a fresh Redis key prefix, made
 * once here for the in-process stack (`admin-stack.ts`), the in-process admin
 * (`in-process-admin.ts`) and admin processes (`e2e-env.ts`).
 */
import { createTestDatabase, type TestDatabase } from './db.js';
import { createTestRedis, testRedisEnv, type TestRedis } from './redis.js';

/** The password of the built-in `admin` user of every test admin. */
export const TEST_ADMIN_PASSWORD = 'correct-horse-battery';

/** A fresh database and Redis prefix, and the settings that point an admin at them. */
export interface TestStores {
  db: TestDatabase;
  redis: TestRedis;
  /** `OASIS_DATABASE_URL`, `OASIS_REDIS_URL` (or `OASIS_REDIS_CLUSTER_NODES`), `OASIS_REDIS_PREFIX` and `OASIS_ADMIN_PASSWORD`. */
  env: Record<string, string>;
  /** Deletes the prefix's keys, closes the connections made here and drops the database. */
  drop(): Promise<void>;
}

/** Creates a {@link TestStores}; every test file (or test) gets its own. */
export async function createTestStores(): Promise<TestStores> {
  const db = await createTestDatabase();
  const redis = createTestRedis();
  return {
    db,
    redis,
    env: {
      OASIS_DATABASE_URL: db.url,
      ...testRedisEnv(),
      OASIS_REDIS_PREFIX: redis.prefix,
      OASIS_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD,
    },
    async drop() {
      await redis.cleanup();
      await db.drop();
    },
  };
}
