import type { MisfirePolicy, OverlapPolicy, RetryBackoff, Routing, ScriptLanguage, TaskStatus, TriggerType } from '@oasis/worker-client/contracts';

// The closed sets every wire carries are declared once, with the contracts.
export { MisfirePolicy, OverlapPolicy, RetryBackoff, Routing, ScriptLanguage, TaskStatus, TriggerType } from '@oasis/worker-client/contracts';

/** Optional window of a repeating schedule: no fire before `startAt`, none after `endAt` (epoch ms), at most `maxRuns` runs. */
export interface ScheduleWindow {
  startAt?: number;
  endAt?: number;
  maxRuns?: number;
}

/**
 * How a job is scheduled: `CRON` (seconds first, IANA `timezone`, default UTC), `FIXED_RATE`
 * (`everyMs` from the previous planned time), `FIXED_DELAY` (`delayMs` after the previous run
 * finished), `ONCE` (at one instant) or `NONE` (API / manual triggers only).
 */
export type Schedule =
  | ({ type: 'CRON'; cron: string; timezone?: string } & ScheduleWindow)
  | ({ type: 'FIXED_RATE'; everyMs: number } & ScheduleWindow)
  | ({ type: 'FIXED_DELAY'; delayMs: number } & ScheduleWindow)
  | { type: 'ONCE'; at: number }
  | { type: 'NONE' };
export type ScheduleType = Schedule['type'];

/** Retries of a failed attempt (FAILED, TIMEOUT, LOST, NO_WORKER); `count` 0 = none. */
export interface RetryPolicy {
  count: number;
  backoff: RetryBackoff;
  delayMs: number;
  /** Cap of an exponential delay; 0 = no cap. */
  maxDelayMs: number;
  /** 0..1: each delay is shortened by up to this fraction, at random. */
  jitter: number;
}

/** A job's retries when its definition names none (or names only some fields): no retries. */
export const DEFAULT_RETRY: Readonly<RetryPolicy> = { count: 0, backoff: 'FIXED', delayMs: 1000, maxDelayMs: 0, jitter: 0 };

export interface ChildOptions {
  /** Also fire the children when the parent finally failed. */
  onFailure: boolean;
  /** Hand the parent's result to the children as their params. */
  passResult: boolean;
}

export interface AlarmSettings {
  emails: string[];
  webhooks: string[];
}

/** A script (XXL-JOB GLUE) job's code; run by workers started with `allowScripts`. */
export interface ScriptSpec {
  language: ScriptLanguage;
  source: string;
}

/** A job definition as the services see it (MySQL is its system of record). */
export interface JobRecord {
  id: number;
  app: string;
  name: string;
  /** Handler name; for a script job, a label shown in logs (default `script`). */
  handler: string;
  /** Raw params string handed to the handler ('' = none). */
  params: string;
  schedule: Schedule;
  misfire: { policy: MisfirePolicy; thresholdMs: number };
  overlap: OverlapPolicy;
  routing: Routing;
  /** 0 = none. */
  timeoutMs: number;
  retry: RetryPolicy;
  childJobIds: number[];
  childOptions: ChildOptions;
  alarm: AlarmSettings;
  /** Null for a handler job. */
  script: ScriptSpec | null;
  /** Version of `script` (1, 2, …; 0 when it never had one); the last 30 are kept. */
  scriptVersion: number;
  enabled: boolean;
  /** A paused job keeps its definition and `enabled` but fires nothing on schedule. */
  paused: boolean;
  pauseNote: string;
  /** Bumped on every change; the hot copy in Redis carries it so stale claims are dropped. */
  version: number;
  createdAt: number;
  updatedAt: number;
}

export interface AppRecord {
  id: number;
  name: string;
  title: string;
  createdAt: number;
}

/** One task attempt, in flight (from Redis) or final (from the database). Times are epoch ms. */
export interface LogItem {
  id: string;
  jobId: number;
  app: string;
  handler: string;
  scheduledAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  status: TaskStatus;
  triggerType: TriggerType;
  workerId: string | null;
  attempt: number;
  shardIndex: number;
  shardTotal: number;
  params: string;
  result: string | null;
  error: string | null;
  /** Latest progress (0..100) reported by the worker while the task runs; null when none or final. */
  progress: number | null;
  /** In flight only: a retry waiting for its delay is routed at this time (epoch ms). */
  retryAt?: number | null;
  /** In flight only: a fire held back by the job's overlap policy (BUFFER_*) until the running one ends. */
  buffered?: boolean;
  /** In flight only: queued while the app had no live worker, it waits for one since this time (epoch ms). */
  waitingForWorkerSince?: number | null;
}

export interface WorkerInfo {
  workerId: string;
  app: string;
  online: boolean;
  concurrency: number;
  running: number;
  free: number;
  handlers: string[];
  lastHeartbeat: number;
  connectedAt: number;
  host: string | null;
  pid: number | null;
  /** The cluster's clock minus the worker's (ms), from its last heartbeat; null when unknown. */
  clockOffsetMs: number | null;
}
