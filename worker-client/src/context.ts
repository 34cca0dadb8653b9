/** What a handler receives: the task's facts, its params, an abort signal and a logger. */
import type { TriggerType } from './contracts/enums.js';
import type { TaskPayload } from './contracts/worker.js';
import { InvalidParamsError } from './errors.js';

/** The context passed to a {@link Handler}. */
export interface JobContext {
  /** Task id (the id of its log record in the dashboard). */
  readonly taskId: string;
  readonly jobId: number;
  /** Handler name the task asked for. */
  readonly handler: string;
  /** Raw params string as stored on the job or given to the trigger; may be empty. */
  readonly params: string;
  /**
   * `params` parsed as JSON (parsed once, then cached); `undefined` when params are empty.
   * @throws {InvalidParamsError} when params are not valid JSON (reported FAILED, not retried).
   */
  readonly json: unknown;
  /** Typed variant of {@link JobContext.json}; the type is trusted, not checked. */
  paramsJson<T = unknown>(): T | undefined;
  /** 1 for the first attempt, 2 for the first retry, ... */
  readonly attempt: number;
  /** The planned fire instant (epoch ms). */
  readonly scheduledAt: number;
  readonly triggerType: TriggerType;
  /** Shard of a sharding-broadcast job; `{index: 0, total: 1}` otherwise. */
  readonly shard: Readonly<{ index: number; total: number }>;
  /** The task's timeout (0 = none); `signal` aborts when it passes. */
  readonly timeoutMs: number;
  /** Id of the worker running the task. */
  readonly workerId: string;
  /**
   * Aborted when the task is killed, times out, or the worker stops past its deadline;
   * `signal.reason` is a `TaskAbortError` whose `kind` says which. Pass it to fetch, timers, etc.
   */
  readonly signal: AbortSignal;
  /** Logs one line (formatted like `console.log`, timestamped) to the task's execution log. Never blocks. */
  log(...args: unknown[]): void;
  /**
   * Reports the task's progress in percent (clamped to 0..100). Never blocks: the latest value is
   * sent at most every 250 ms and shown on the task while it runs.
   * @throws {TypeError} when `percent` is not a finite number.
   */
  progress(percent: number): void;
}

/** A job handler: its return value becomes the task's output, a throw makes it FAILED. */
export type Handler<R = unknown> = (ctx: JobContext) => R | Promise<R>;

const NOT_PARSED: unique symbol = Symbol('not parsed');

export class TaskContext implements JobContext {
  readonly taskId: string;
  readonly jobId: number;
  readonly handler: string;
  readonly params: string;
  readonly attempt: number;
  readonly scheduledAt: number;
  readonly triggerType: TriggerType;
  readonly shard: Readonly<{ index: number; total: number }>;
  readonly timeoutMs: number;
  private parsed: unknown = NOT_PARSED;

  constructor(
    task: TaskPayload,
    readonly workerId: string,
    readonly signal: AbortSignal,
    /** Bound, so `const { log } = ctx` works. */
    readonly log: (...args: unknown[]) => void,
    /** Bound too. */
    readonly progress: (percent: number) => void = () => {},
  ) {
    this.taskId = task.id;
    this.jobId = task.jobId;
    this.handler = task.handler;
    this.params = task.params ?? '';
    this.attempt = task.attempt;
    this.scheduledAt = task.scheduledAt;
    this.triggerType = task.triggerType;
    this.shard = Object.freeze({ index: task.shard?.index ?? 0, total: task.shard?.total ?? 1 });
    this.timeoutMs = task.timeoutMs ?? 0;
  }

  get json(): unknown {
    if (this.parsed === NOT_PARSED) {
      if (this.params.trim() === '') {
        this.parsed = undefined;
      } else {
        try {
          this.parsed = JSON.parse(this.params);
        } catch (err) {
          const preview = this.params.length > 60 ? `${this.params.slice(0, 60)}…` : this.params;
          throw new InvalidParamsError(
            `params of task ${this.taskId} are not valid JSON (${err instanceof Error ? err.message : String(err)}): ${preview}`,
            { cause: err },
          );
        }
      }
    }
    return this.parsed;
  }

  paramsJson<T = unknown>(): T | undefined {
    return this.json as T | undefined;
  }
}
