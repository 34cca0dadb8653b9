import { Redis } from 'ioredis';
import { ApiClient } from './api-client.js';
import { createTestDatabase, type TestDatabase } from './db.js';
import type { Proc } from './processes.js';
import { deleteByPrefix, TEST_REDIS_URL, testPrefix } from './redis.js';

/** The admin password of e2e admin processes. */
export const E2E_PASSWORD = 'e2e-admin-password';

/**
 * One e2e test's world: a fresh MariaDB database, a fresh Redis prefix, and the processes it
 * started; `cleanup()` kills them and removes both.
 */
export interface E2eWorld {
  db: TestDatabase;
  prefix: string;
  redis: Redis;
  procs: Proc[];
  /** Environment of an admin process on this world, with short heartbeats and leases. */
  adminEnv(extra?: Record<string, string>): Record<string, string>;
  cleanup(): Promise<void>;
}

export async function createE2eWorld(): Promise<E2eWorld> {
  const db = await createTestDatabase();
  const prefix = testPrefix();
  const redis = new Redis(TEST_REDIS_URL);
  const procs: Proc[] = [];
  return {
    db,
    prefix,
    redis,
    procs,
    adminEnv: (extra = {}) => ({
      OASIS_REDIS_URL: TEST_REDIS_URL,
      OASIS_REDIS_PREFIX: prefix,
      OASIS_DATABASE_URL: db.url,
      OASIS_ADMIN_PASSWORD: E2E_PASSWORD,
      OASIS_HEARTBEAT_MS: '500',
      OASIS_TASK_LEASE_MS: '4000',
      OASIS_WORKER_TTL_MS: '3000',
      OASIS_CLAIM_LEASE_MS: '2000',
      OASIS_WRITER_TAKEOVER_MS: '2000',
      OASIS_SWEEP_MS: '250',
      ...extra,
    }),
    async cleanup() {
      await Promise.all(procs.splice(0).map((p) => p.kill('SIGKILL')));
      await deleteByPrefix(redis, prefix);
      redis.disconnect();
      await db.drop();
    },
  };
}

/** Logs in as admin and creates an app; returns the client and the app's worker token. */
export async function createAppOn(url: string, app: string): Promise<{ api: ApiClient; token: string }> {
  const api = new ApiClient(url);
  await api.login('admin', E2E_PASSWORD);
  const { token } = await api.ok<{ token: string }>('POST', '/api/v1/apps', { name: app, title: app });
  return { api, token };
}
