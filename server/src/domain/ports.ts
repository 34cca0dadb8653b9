import type { JobRecord, LogItem, WorkerInfo } from './types.js';

/**
 * What the services (jobs, logs, workers) need from the hot side (Redis: schedule, dispatch,
 * registry). Implemented by `dispatch/runtime.ts`; the API never touches Redis directly.
 */
export interface HotPort {
  /** Writes the job's hot copy and (re)computes its next fire; null when it has none (stopped / NONE). */
  syncJob(job: JobRecord): Promise<{ nextFireAt: number | null }>;
  /** Forgets a deleted job: schedule entry and hot copy. Tasks in flight finish normally. */
  removeJob(app: string, jobId: number): Promise<void>;
  /** Next fire time of a job from its hot copy, or null. */
  nextFireAt(app: string, jobId: number): Promise<number | null>;
  /** Creates one task now (manual or API trigger); returns its id. */
  trigger(job: JobRecord, opts: { params?: string; triggerType: 'MANUAL' | 'API' }): Promise<{ taskId: string }>;
  /** Queued and running tasks, newest first. */
  listInflight(filter: { app?: string; jobId?: number; status?: string }): Promise<LogItem[]>;
  /** One queued or running task by id, or null. */
  getInflight(taskId: string): Promise<LogItem | null>;
  /** Live log lines of a running task from line `from` (0-based). Null when not in flight. */
  liveLog(taskId: string, from: number): Promise<string[] | null>;
  listWorkers(app?: string): Promise<WorkerInfo[]>;
  /** Registers an app so the scheduler and the log writer watch it. */
  registerApp(app: string): Promise<void>;
  /** True when Redis answers. */
  ping(): Promise<boolean>;
}
