import type { RedisClient } from './connection.js';
import type { Keys } from '../keys.js';
import { attemptLimiters, type AttemptBudget, type RedisAttemptLimiter } from './attempt-limiter.js';
import { FinalsStore } from './finals-store.js';
import { ScheduleStore } from './schedule-store.js';
import { ScriptRunner } from './scripts.js';
import { RedisSessionStore } from './session-store.js';
import { TaskStore } from './task-store.js';
import { WorkerStore } from './worker-store.js';

/** Every Redis-backed store of the admin, sharing one connection and one script runner. */
export interface HotStore {
  keys: Keys;
  schedule: ScheduleStore;
  tasks: TaskStore;
  workers: WorkerStore;
  finals: FinalsStore;
  sessions: RedisSessionStore;
  /** Makes an attempt budget (rate limit) on this connection. */
  limiter: (name: string, budget: AttemptBudget) => RedisAttemptLimiter;
  ping(): Promise<boolean>;
}

export interface HotStoreOptions {
  /**
   * OASIS_NO_WORKER_GRACE_MS: written for an app when its first job is saved (unless an admin
   * already wrote one), so a fire routed before the first sweep waits for a worker too.
   */
  noWorkerGraceMs?: number;
}

export function createHotStore(redis: RedisClient, keys: Keys, options: HotStoreOptions = {}): HotStore {
  const scripts = new ScriptRunner(redis);
  return {
    keys,
    schedule: new ScheduleStore(redis, scripts, keys, options.noWorkerGraceMs),
    tasks: new TaskStore(redis, scripts, keys),
    workers: new WorkerStore(redis, scripts, keys),
    finals: new FinalsStore(redis, keys),
    sessions: new RedisSessionStore(redis, keys),
    limiter: attemptLimiters(redis, keys),
    async ping() {
      try {
        return (await redis.ping()) === 'PONG';
      } catch {
        return false;
      }
    },
  };
}
