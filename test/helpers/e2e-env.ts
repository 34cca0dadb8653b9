/**
 * The shared setup of end-to-end tests: admin processes (and the worker processes a test adds)
 * on fresh stores, and a client signed in to an app of theirs.
 */
import type { Redis } from 'ioredis';
import { ApiClient } from './api-client.js';
import type { TestDatabase } from './db.js';
import { startAdminProcess, type Proc } from './processes.js';
import { createTestStores, TEST_ADMIN_PASSWORD } from './stores.js';

/**
 * One e2e test's world: a fresh MariaDB database, a fresh Redis prefix, and the processes it
 * started; `cleanup()` kills them and removes both.
 */
export interface E2eWorld {
  db: TestDatabase;
  prefix: string;
  /** A connection to the test Redis (closed by `cleanup()`). */
  redis: Redis;
  /** Processes killed by `cleanup()`. */
  procs: Proc[];
  /** Environment of an admin process on this world, with short heartbeats and leases. */
  adminEnv(extra?: Record<string, string>): Record<string, string>;
  /** Starts an admin process with {@link adminEnv}`(extra)` and adds it to {@link procs}. */
  startAdmin(extra?: Record<string, string>): Promise<Proc & { url: string; port: number }>;
  cleanup(): Promise<void>;
}

export async function createE2eWorld(): Promise<E2eWorld> {
  const stores = await createTestStores();
  const procs: Proc[] = [];
  const adminEnv = (extra: Record<string, string> = {}) => ({
    ...stores.env,
    OASIS_HEARTBEAT_MS: '500',
    OASIS_TASK_LEASE_MS: '4000',
    OASIS_WORKER_TTL_MS: '3000',
    OASIS_CLAIM_LEASE_MS: '2000',
    OASIS_WRITER_TAKEOVER_MS: '2000',
    OASIS_SWEEP_MS: '250',
    ...extra,
  });
  return {
    db: stores.db,
    prefix: stores.redis.prefix,
    redis: stores.redis.redis,
    procs,
    adminEnv,
    async startAdmin(extra) {
      const admin = await startAdminProcess(adminEnv(extra));
      procs.push(admin);
      return admin;
    },
    async cleanup() {
      await Promise.all(procs.splice(0).map((p) => p.kill('SIGKILL')));
      await stores.drop();
    },
  };
}

/** Signs in as admin and creates an app; returns the client and the app's worker token. */
export async function createAppOn(url: string, app: string): Promise<{ api: ApiClient; token: string }> {
  const api = await ApiClient.signedIn(url, 'admin', TEST_ADMIN_PASSWORD);
  const { token } = await api.ok<{ token: string }>('POST', '/api/v1/apps', { name: app, title: app });
  return { api, token };
}
