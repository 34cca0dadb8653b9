/**
 * One task on this worker: runs its handler with a context, enforces its timeout, honours aborts
 * (kill, shutdown, lost lease) and settles exactly one {@link TaskResult}.
 *
 * After an abort the handler gets `killGraceMs` to notice its signal; if it has not settled by
 * then the task is reported anyway (KILLED/TIMEOUT) and whatever the handler does later is ignored.
 */
import type { TaskPayload, TaskResult } from './contracts/worker.js';
import type { WorkerResultStatus } from './contracts/enums.js';
import { WorkerResultStatus as Status } from './contracts/enums.js';
import { AbortKind, NonRetryableError, TaskAbortError } from './errors.js';
import { TaskContext, type Handler } from './context.js';
import { encodeError, encodeOutput } from './encode.js';
import type { LogBuffer } from './log-buffer.js';

export interface RunningTaskOptions {
  workerId: string;
  killGraceMs: number;
  /** The task's log buffer (the owner closes it when the result is known). */
  log: LogBuffer;
  /** Records the task's progress (`ctx.progress`). */
  progress?: (percent: number) => void;
}

/**
 * A result for a task that never ran its handler (unknown handler, stopped before start);
 * `nonRetryable` when another attempt would meet the same refusal.
 */
export function resultWithoutRun(task: TaskPayload, status: WorkerResultStatus, error: string, nonRetryable = false): TaskResult {
  const now = Date.now();
  return { taskId: task.id, attempt: task.attempt, status, error, ...(nonRetryable && { nonRetryable }), startedAt: now, finishedAt: now };
}

export class RunningTask {
  readonly result: Promise<TaskResult>;
  private settle: (result: TaskResult) => void = () => {};
  private readonly controller = new AbortController();
  private startedAt = 0;
  private settled = false;
  private timeoutTimer: NodeJS.Timeout | undefined;
  private graceTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly task: TaskPayload,
    private readonly handler: Handler,
    private readonly options: RunningTaskOptions,
  ) {
    this.result = new Promise((resolve) => {
      this.settle = resolve;
    });
  }

  get id(): string {
    return this.task.id;
  }

  /** True once the result is known (the handler may still be running if it ignored an abort). */
  get isSettled(): boolean {
    return this.settled;
  }

  /** Calls the handler. Call once. */
  start(): void {
    this.startedAt = Date.now();
    if (this.task.timeoutMs > 0) {
      this.timeoutTimer = setTimeout(
        () => this.abort(AbortKind.TIMEOUT, `task timed out after ${this.task.timeoutMs} ms`),
        this.task.timeoutMs,
      );
    }
    const log = this.options.log;
    const progress = this.options.progress ?? (() => {});
    const ctx = new TaskContext(
      this.task,
      this.options.workerId,
      this.controller.signal,
      (...args) => log.log(...args),
      (percent) => {
        if (!this.settled) progress(percent);
      },
    );
    let outcome: Promise<unknown>;
    try {
      outcome = Promise.resolve(this.handler(ctx));
    } catch (err) {
      outcome = Promise.reject(err);
    }
    outcome.then(
      (value) => this.finish(this.abortedResult() ?? this.make(Status.SUCCESS, { output: encodeOutput(value) })),
      (err: unknown) =>
        this.finish(this.abortedResult() ?? this.make(Status.FAILED, { error: encodeError(err), nonRetryable: err instanceof NonRetryableError })),
    );
  }

  /** Aborts the task's signal; the task will be reported KILLED (or TIMEOUT). No-op once aborted or settled. */
  abort(kind: AbortKind, message: string): void {
    if (this.settled || this.controller.signal.aborted) return;
    this.controller.abort(new TaskAbortError(kind, message));
    this.graceTimer = setTimeout(() => {
      const result = this.abortedResult();
      if (result !== undefined) {
        result.error += ` (the handler ignored the abort for ${this.options.killGraceMs} ms; its outcome will be ignored)`;
        this.finish(result);
      }
    }, this.options.killGraceMs);
  }

  private abortedResult(): TaskResult | undefined {
    const reason: unknown = this.controller.signal.reason;
    if (!this.controller.signal.aborted || !(reason instanceof TaskAbortError)) return undefined;
    const status = reason.kind === AbortKind.TIMEOUT ? Status.TIMEOUT : Status.KILLED;
    return this.make(status, { error: reason.message });
  }

  private make(status: WorkerResultStatus, extra: { output?: string; error?: string; nonRetryable?: boolean }): TaskResult {
    const result: TaskResult = {
      taskId: this.task.id,
      attempt: this.task.attempt,
      status,
      startedAt: this.startedAt,
      finishedAt: Date.now(),
    };
    if (extra.output !== undefined) result.output = extra.output;
    if (extra.error !== undefined) result.error = extra.error;
    // Only said when true: "do not retry" is the exception, and an older admin ignores the field.
    if (extra.nonRetryable === true) result.nonRetryable = true;
    return result;
  }

  private finish(result: TaskResult): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timeoutTimer);
    clearTimeout(this.graceTimer);
    this.settle(result);
  }
}

/** Minimal shape check of a task the admin handed out (the rest has safe defaults in the context). */
export function isTaskPayload(value: unknown): value is TaskPayload {
  if (typeof value !== 'object' || value === null) return false;
  const t = value as Record<string, unknown>;
  return (
    typeof t.id === 'string' &&
    t.id.length > 0 &&
    typeof t.handler === 'string' &&
    typeof t.attempt === 'number' &&
    (t.timeoutMs === undefined || (typeof t.timeoutMs === 'number' && t.timeoutMs >= 0)) &&
    (t.params === undefined || typeof t.params === 'string')
  );
}
