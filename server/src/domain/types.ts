import type { TaskStatus, TriggerType } from '@oasis/worker-client/protocol';

export { TaskStatus, TriggerType } from '@oasis/worker-client/protocol';

/** How a job is scheduled. */
export type Schedule =
  | { type: 'CRON'; cron: string; timezone?: string }
  | { type: 'FIXED_RATE'; everyMs: number }
  | { type: 'NONE' };

export const Routing = {
  /** Any free worker of the app pulls it (the app's shared queue): the natural "least busy". */
  ANY: 'ANY',
  ROUND_ROBIN: 'ROUND_ROBIN',
} as const;
export type Routing = (typeof Routing)[keyof typeof Routing];

export const MisfirePolicy = { SKIP: 'SKIP', FIRE_ONCE: 'FIRE_ONCE' } as const;
export type MisfirePolicy = (typeof MisfirePolicy)[keyof typeof MisfirePolicy];

/** A job definition as the services see it (MySQL is its system of record). */
export interface JobRecord {
  id: number;
  app: string;
  name: string;
  handler: string;
  /** Raw params string handed to the handler ('' = none). */
  params: string;
  schedule: Schedule;
  routing: Routing;
  /** 0 = none. */
  timeoutMs: number;
  misfire: { policy: MisfirePolicy; thresholdMs: number };
  enabled: boolean;
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
}
