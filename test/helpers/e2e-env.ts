/**
 * The shared setup of end-to-end tests: admin processes (and the worker processes a test adds)
 * on fresh stores, SDK workers in the test's process, a client signed in to an app of theirs,
 * and the waits for what the admin records.
 */
import type { RedisClient } from '../../server/src/store/redis/connection.js';
import { OasisWorker, type WorkerOptions } from '@oasis/worker-client';
import { ApiClient } from './api-client.js';
import type { TestDatabase } from './db.js';
import { startAdminProcess, type Proc } from './processes.js';
import { createTestStores, TEST_ADMIN_PASSWORD } from './stores.js';
import { waitFor } from './wait.js';

/**
 * One e2e test's world: a fresh MariaDB database, a fresh Redis prefix, the processes and SDK
 * workers it started; `cleanup()` stops them and removes both stores.
 */
export interface E2eWorld {
  db: TestDatabase;
  prefix: string;
  /** A connection to the test Redis (closed by `cleanup()`). */
  redis: RedisClient;
  /** Processes killed by `cleanup()`. */
  procs: Proc[];
  /** Environment of an admin process on this world, with short heartbeats and leases. */
  adminEnv(extra?: Record<string, string>): Record<string, string>;
  /** Starts an admin process with {@link adminEnv}`(extra)` and adds it to {@link procs}. */
  startAdmin(extra?: Record<string, string>): Promise<Proc & { url: string; port: number }>;
  /** An SDK worker in this process (not started), stopped by {@link stopWorkers} and `cleanup()`. */
  worker(options: WorkerOptions): OasisWorker;
  /** Stops every SDK worker made by {@link worker} at once (`timeoutMs: 0`). */
  stopWorkers(): Promise<void>;
  cleanup(): Promise<void>;
}

/** Creates an {@link E2eWorld} on fresh stores; nothing runs until the test starts it. */
export async function createE2eWorld(): Promise<E2eWorld> {
  const stores = await createTestStores();
  const procs: Proc[] = [];
  const workers: OasisWorker[] = [];
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
  const stopWorkers = async () => {
    await Promise.all(workers.splice(0).map((w) => w.stop({ timeoutMs: 0 })));
  };
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
    worker(options) {
      const w = new OasisWorker(options);
      workers.push(w);
      return w;
    },
    stopWorkers,
    async cleanup() {
      await stopWorkers();
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

/**
 * Starts one SDK worker per id in `ids` (made by `world.worker`, with `options` and that
 * `workerId`), lets `register` add its handlers first, and waits until the admin lists them all.
 */
export async function startWorkers(
  world: E2eWorld,
  api: ApiClient,
  options: WorkerOptions & { app: string },
  ids: readonly string[],
  register: (worker: OasisWorker, id: string) => void,
): Promise<OasisWorker[]> {
  const started: OasisWorker[] = [];
  for (const id of ids) {
    const w = world.worker({ ...options, workerId: id });
    register(w, id);
    await w.start();
    started.push(w);
  }
  const listed = async () => (await api.ok<unknown[]>('GET', `/api/v1/workers?app=${options.app}`)).length === ids.length;
  await waitFor(listed, 10_000, `${ids.length} workers listed`);
  return started;
}

/** Statuses of a task that has not ended yet. */
const IN_FLIGHT = ['QUEUED', 'RUNNING'];

/** Waits until job `jobId` has at least `n` final records (not QUEUED or RUNNING); resolves with them. */
export function finalRecordsOf<T extends { status: string }>(api: ApiClient, jobId: number, n: number, timeoutMs: number): Promise<T[]> {
  return waitFor(async () => {
    const page = await api.ok<{ items: T[] }>('GET', `/api/v1/logs?jobId=${jobId}&limit=100`);
    const done = page.items.filter((l) => !IN_FLIGHT.includes(l.status));
    return done.length >= n && done;
  }, timeoutMs, `${n} final records of job ${jobId}`);
}

