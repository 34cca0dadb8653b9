import type { JobRecord, LogItem, WorkerInfo } from './types.js';

/**
 * What the services (jobs, logs) need from the hot side (Redis: schedule, dispatch). Implemented
 * by `dispatch/runtime.ts`; the API never touches Redis directly.
 */
/** A place in the logs list's order (scheduledAt descending, task id descending): after this task. */
export interface ListPosition {
  scheduledAt: number;
  id: string;
}

/** Which in-flight tasks {@link HotPort.listInflight} lists. */
export interface InflightFilter {
  app?: string;
  jobId?: number;
  status?: 'QUEUED' | 'RUNNING';
}

export interface HotPort {
  /** Writes the job's hot copy and (re)computes its next fire; null when it has none (stopped / NONE). */
  syncJob(job: JobRecord): Promise<{ nextFireAt: number | null }>;
  /** Ids of the given jobs that have no hot copy in Redis, or one of an older layout (both get rewritten). */
  missingJobs(jobs: readonly { id: number; app: string }[]): Promise<number[]>;
  /** Forgets a deleted job: schedule entry and hot copy. Tasks in flight finish normally. */
  removeJob(app: string, jobId: number): Promise<void>;
  /** Next fire time of a job from its hot copy, or null. */
  nextFireAt(app: string, jobId: number): Promise<number | null>;
  /** A job's hot state: next fire (or null), fires still to skip, scheduled runs so far. */
  jobState(app: string, jobId: number): Promise<{ nextFireAt: number | null; skipNext: number; runs: number }>;
  /** Adds `count` to the scheduled fires a job skips. */
  addSkips(app: string, jobId: number, count: number): Promise<void>;
  /**
   * Creates one task now (manual, API or child trigger) routed by the job's routing (one per
   * live worker for sharding broadcast); returns the first task id and all of them. With
   * `dedupeKey`, a second trigger with the same key within 24 h does nothing and returns
   * `taskId: null`.
   */
  trigger(
    job: JobRecord,
    opts: { params?: string; triggerType: 'MANUAL' | 'API' | 'CHILD'; dedupeKey?: string },
  ): Promise<{ taskId: string | null; taskIds: string[] }>;
  /**
   * Kills a queued or running task: it ends KILLED at once (never retried) and the worker holding
   * it is told to abort. Returns false when the task is not in flight.
   */
  kill(taskId: string, reason: string): Promise<boolean>;
  /**
   * One page of queued and running tasks (of every app unless `filter.app` or `filter.jobId`
   * says), newest scheduled first, ties by task id descending: `page.limit` of them after
   * `page.after`. `next`: where the following page starts (null when nothing follows); a page
   * filtered by status may be short with a `next` (a bounded number of tasks is looked at).
   */
  listInflight(
    filter: InflightFilter,
    page: { limit: number; after?: ListPosition },
  ): Promise<{ items: LogItem[]; next: ListPosition | null }>;
  /** How many queued and running tasks match (every app unless the filter names one). */
  countInflight(filter: InflightFilter): Promise<number>;
  /** One queued or running task by id, or null. */
  getInflight(taskId: string): Promise<LogItem | null>;
  /** Up to `count` live log lines of a running task from line `from` (0-based). Null when not in flight. */
  liveLog(taskId: string, from: number, count: number): Promise<string[] | null>;
  /** Registers an app so the scheduler and the log writer watch it. */
  registerApp(app: string): Promise<void>;
  /** True when Redis answers. */
  ping(): Promise<boolean>;
}

/** The workers as the registry knows them (`registry/worker-registry.ts`). */
export interface WorkerDirectory {
  /** Known workers, of one app or of all (by app, live ones first). */
  list(app?: string): Promise<WorkerInfo[]>;
}

/** Why a user's live access must end: what changed about the user or the session. */
export const AccessChangeReason = {
  /** Role, permitted apps or script grants changed (`PUT /users/:id`). */
  USER_CHANGED: 'user-changed',
  USER_DELETED: 'user-deleted',
  /** A new password ends every session of the user. */
  PASSWORD_CHANGED: 'password-changed',
  /** One session ended (`POST /auth/logout`). */
  SIGNED_OUT: 'signed-out',
} as const;
export type AccessChangeReason = (typeof AccessChangeReason)[keyof typeof AccessChangeReason];

/**
 * A change that ends live connections opened before it: every connection of a user, or those of
 * one session (`sessionId` is the SHA-256 hex of its token, as the session store keys it).
 */
export type AccessChange =
  | { reason: Exclude<AccessChangeReason, 'signed-out'>; userId: number }
  | { reason: 'signed-out'; sessionId: string };

/**
 * What the services tell once a change of users or sessions is stored, so long-lived connections
 * (the dashboard's `/ui` sockets, on every admin) do not keep rights from before. `main.ts` wires
 * it to the UI gateway. Must not throw; the services do not wait for it.
 */
export interface AccessEvents {
  accessChanged(change: AccessChange): void;
}
