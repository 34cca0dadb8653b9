/**
 * The tasks this worker holds: runs each handler (or script) in a {@link RunningTask}, keeps the
 * tasks received beyond the free slots in a backlog, and hands every result to the outbox. A task
 * never starts twice; a task the admin kills or disowns is aborted.
 */
import { WorkerResultStatus } from './contracts/enums.js';
import type { TaskPayload, TaskResult } from './contracts/worker.js';
import type { Handler } from './context.js';
import { AbortKind } from './errors.js';
import { FireMemory, fireKeyOf } from './fire-memory.js';
import type { LogShipper } from './log-buffer.js';
import type { ResolvedWorkerOptions } from './options.js';
import type { ProgressReporter } from './progress.js';
import { RunningTask, isTaskPayload, resultWithoutRun } from './running-task.js';
import { scriptHandler, scriptProblem } from './script-runner.js';
import { Waiters } from './waiters.js';

/** What the runner needs from its worker. */
export interface TaskRunnerDeps {
  options: ResolvedWorkerOptions;
  /** The registered handler of that name. */
  handler: (name: string) => Handler | undefined;
  logs: LogShipper;
  progress: ProgressReporter;
  /** A task's result is known: deliver it to the admin. */
  report: (result: TaskResult) => void;
  /**
   * Tasks were taken (once per pull reply, before any of them starts): the ids of the new ones. A
   * handler that blocks this thread from its first line blocks after this was told. With
   * `ackWithinMs` they start before the admin has their acknowledgement: it must have it by then.
   */
  held: (taskIds: string[], ackWithinMs?: number) => void;
  /** A handler starts / a task ended (the worker's `task:start` / `task:end` events). */
  started: (task: TaskPayload) => void;
  ended: (result: TaskResult, task: TaskPayload) => void;
  /** A slot became free: the worker may pull. */
  slotFreed: () => void;
}

/** The tasks held by one worker: at most `concurrency` running, the rest waiting in order. */
export class TaskRunner {
  private readonly running = new Map<string, RunningTask>();
  /** Tasks received beyond our free slots (an admin bug): they start as slots free up. */
  private backlog: TaskPayload[] = [];
  private readonly idle = new Waiters();
  private closed = false;
  /** The fires run lately: one handed out again under a new task is reported, not run again. */
  private readonly memory: FireMemory;
  /** Fire → the task of it this worker holds now (running or waiting for a slot). */
  private readonly byFire = new Map<string, string>();
  /** Task id → copies of its fire handed out meanwhile under other ids: they get its result. */
  private readonly copies = new Map<string, TaskPayload[]>();

  constructor(private readonly deps: TaskRunnerDeps) {
    this.memory = new FireMemory(deps.options.rememberFiresMs, deps.options.rememberFiresMax);
  }

  /** Tasks running, waiting for a slot, or waiting for the run of their fire under another id. */
  get active(): number {
    let copies = 0;
    for (const list of this.copies.values()) copies += list.length;
    return this.running.size + this.backlog.length + copies;
  }

  /** Slots a pull may fill. */
  get freeSlots(): number {
    return this.deps.options.concurrency - this.active;
  }

  /** Ids of the tasks held (running or waiting), as a heartbeat reports them. */
  ids(): string[] {
    return [...this.running.keys(), ...this.backlog.map((t) => t.id), ...[...this.copies.values()].flat().map((t) => t.id)];
  }

  /** True when a script (GLUE) task is running (its abort takes the script's kill grace). */
  get runsScripts(): boolean {
    return [...this.running.values()].some((r) => r.task.script !== undefined);
  }

  /** Takes the tasks of a pull asked for `max`: starts them, or backlogs those beyond the slots. */
  accept(tasks: readonly unknown[], max: number, ackWithinMs?: number): void {
    const { logger, concurrency } = this.deps.options;
    if (this.closed) return; // cannot happen: closing the socket rejects the pull
    if (tasks.length > max) logger.error(`the admin sent ${tasks.length} tasks for max ${max}; extra ones wait for a slot`);
    const fresh: TaskPayload[] = [];
    const seen = new Set<string>();
    for (const task of tasks) {
      if (!isTaskPayload(task)) {
        logger.error('the admin sent a malformed task; ignored', task);
        continue;
      }
      if (seen.has(task.id) || this.running.has(task.id) || this.backlog.some((t) => t.id === task.id) || this.isCopy(task.id)) {
        logger.warn(`task ${task.id} was handed out twice; ignoring the copy`);
        continue;
      }
      seen.add(task.id);
      const ran = this.memory.recall(task);
      if (ran !== undefined) {
        logger.warn(`task ${task.id} is a fire this worker ran lately as task ${ran.taskId} (job ${task.jobId}, ${new Date(task.scheduledAt).toISOString()}, attempt ${task.attempt}): not run again, its result is reported`);
        this.deps.report(ran.result);
        continue;
      }
      // The same fire is running (or waiting) here under another task id right now: the admin
      // handed it out again (Redis lost the second it was committed in, and came back before the
      // run ended). It waits for that run and gets its result; it never runs twice.
      const key = this.deps.options.rememberFiresMs > 0 ? fireKeyOf(task) : undefined;
      const holder = key === undefined ? undefined : this.byFire.get(key);
      if (holder !== undefined) {
        logger.warn(`task ${task.id} is a fire this worker is running now as task ${holder} (job ${task.jobId}, ${new Date(task.scheduledAt).toISOString()}, attempt ${task.attempt}): not run again, it gets that run's result`);
        this.copies.set(holder, [...(this.copies.get(holder) ?? []), task]);
        fresh.push(task);
        continue;
      }
      if (key !== undefined) this.byFire.set(key, task.id);
      fresh.push(task);
    }
    if (fresh.length === 0) return;
    this.deps.held(fresh.map((t) => t.id), ackWithinMs);
    const waiting = new Set([...this.copies.values()].flat());
    for (const task of fresh) {
      if (waiting.has(task)) continue;
      if (this.running.size < concurrency) this.start(task);
      else this.backlog.push(task);
    }
  }

  private isCopy(taskId: string): boolean {
    for (const list of this.copies.values()) if (list.some((t) => t.id === taskId)) return true;
    return false;
  }

  /**
   * `task` ended (`ran`: its handler ran, with `result`): copies of its fire get the same result;
   * if it never ran (killed or refused before its start), the first copy runs in its place.
   */
  private settle(task: TaskPayload, result: TaskResult, ran: boolean): void {
    const key = fireKeyOf(task);
    if (key !== undefined && this.byFire.get(key) === task.id) this.byFire.delete(key);
    const copies = this.copies.get(task.id);
    if (copies === undefined) return;
    this.copies.delete(task.id);
    if (!ran) {
      const [next, ...rest] = copies;
      if (next === undefined) return;
      if (key !== undefined) this.byFire.set(key, next.id);
      if (rest.length) this.copies.set(next.id, rest);
      if (this.running.size < this.deps.options.concurrency && !this.closed) this.start(next);
      else this.backlog.push(next);
      return;
    }
    for (const copy of copies) {
      const same = { ...result, taskId: copy.id, attempt: copy.attempt };
      this.deps.report(same);
      this.deps.ended(same, copy);
    }
  }

  /** Removes a copy waiting for its fire's run and returns it (undefined: `taskId` is none). */
  private dropCopy(taskId: string): TaskPayload | undefined {
    for (const [holder, list] of this.copies) {
      const copy = list.find((t) => t.id === taskId);
      if (copy === undefined) continue;
      const rest = list.filter((t) => t !== copy);
      if (rest.length) this.copies.set(holder, rest);
      else this.copies.delete(holder);
      return copy;
    }
    return undefined;
  }

  /** The admin killed a task: a running one is aborted, a waiting one ends KILLED without running. */
  kill(taskId: string, reason: string): void {
    const task = this.running.get(taskId);
    if (task !== undefined) {
      task.abort(AbortKind.KILLED, `killed by the admin: ${reason}`);
      return;
    }
    const queued = this.backlog.find((t) => t.id === taskId) ?? this.dropCopy(taskId);
    if (queued !== undefined) {
      this.backlog = this.backlog.filter((t) => t !== queued);
      this.finishWithoutRun(queued, WorkerResultStatus.KILLED, `killed by the admin before it started: ${reason}`);
    }
  }

  /** A heartbeat ack says these tasks are no longer ours: abort the running ones, drop the waiting ones. */
  disown(ids: readonly string[]): void {
    for (const id of ids) {
      this.running.get(id)?.abort(AbortKind.LEASE_LOST, 'the admin no longer considers this task this worker\'s');
      const waiting = this.backlog.find((t) => t.id === id);
      if (waiting !== undefined) this.settle(waiting, resultWithoutRun(waiting, WorkerResultStatus.KILLED, 'disowned'), false);
      this.backlog = this.backlog.filter((t) => t.id !== id);
      this.dropCopy(id);
    }
  }

  /** Stopping past the deadline: waiting tasks end KILLED, running ones are aborted with `message`. */
  abortAll(message: string): void {
    for (const copy of [...this.copies.values()].flat()) {
      this.dropCopy(copy.id);
      this.finishWithoutRun(copy, WorkerResultStatus.KILLED, 'the worker stopped before the task started');
    }
    for (const task of this.backlog.splice(0)) {
      this.finishWithoutRun(task, WorkerResultStatus.KILLED, 'the worker stopped before the task started');
    }
    for (const run of this.running.values()) run.abort(AbortKind.SHUTDOWN, message);
  }

  /** Resolves true once no task is held, or false after `timeoutMs`. */
  whenIdle(timeoutMs: number): Promise<boolean> {
    return this.active === 0 ? Promise.resolve(true) : this.idle.wait(timeoutMs);
  }

  /** The worker stopped: nothing starts any more. */
  close(): void {
    this.closed = true;
  }

  private start(task: TaskPayload): void {
    const { options } = this.deps;
    let handler: Handler | undefined;
    let killGraceMs = options.killGraceMs;
    if (task.script !== undefined) {
      const problem = options.allowScripts ? scriptProblem(task.script) : 'script jobs are disabled on this worker (start it with allowScripts: true)';
      if (problem !== undefined) {
        // The same worker gets the same answer on every attempt: retrying cannot help.
        this.finishWithoutRun(task, WorkerResultStatus.FAILED, `NonRetryableError: ${problem}`, true);
        return;
      }
      handler = scriptHandler(task.script, { killGraceMs: options.scriptKillGraceMs, env: options.scriptEnv, token: options.token });
      // Report an aborted script only once its process had its SIGTERM → SIGKILL grace.
      killGraceMs = Math.max(killGraceMs, options.scriptKillGraceMs + 1000);
    } else {
      handler = this.deps.handler(task.handler);
    }
    if (handler === undefined) {
      this.finishWithoutRun(task, WorkerResultStatus.FAILED, `no handler named ${task.handler} on this worker`);
      return;
    }
    const run = new RunningTask(task, handler, {
      workerId: options.workerId,
      killGraceMs,
      log: this.deps.logs.open(task.id),
      progress: (percent) => this.deps.progress.set(task.id, percent),
    });
    this.running.set(task.id, run);
    this.deps.started(task);
    run.start();
    void run.result.then((result) => this.onEnd(run, result));
  }

  private onEnd(run: RunningTask, result: TaskResult): void {
    this.running.delete(run.id);
    this.memory.remember(run.task, result);
    this.deps.progress.forget(run.id);
    this.deps.logs.close(run.id); // log lines go out before the result
    this.deps.report(result);
    this.deps.ended(result, run.task);
    this.settle(run.task, result, true);
    this.afterSlotFreed();
  }

  private finishWithoutRun(task: TaskPayload, status: WorkerResultStatus, error: string, nonRetryable = false): void {
    const result = resultWithoutRun(task, status, error, nonRetryable);
    this.deps.report(result);
    this.deps.ended(result, task);
    this.settle(task, result, false);
    this.afterSlotFreed();
  }

  private afterSlotFreed(): void {
    while (this.backlog.length > 0 && this.running.size < this.deps.options.concurrency && !this.closed) {
      const next = this.backlog.shift();
      if (next !== undefined) this.start(next);
    }
    if (this.active === 0) this.idle.release();
    this.deps.slotFreed();
  }
}
