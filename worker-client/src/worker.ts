/**
 * `OasisWorker`: connects to an admin, pulls as many tasks as it has free slots, runs their
 * handlers, streams their logs and reports their results.
 *
 * Lifecycle (`worker.state`): `idle → connecting → running → draining → stopped`.
 * - `connecting`: `start()` was called; waiting for the first `welcome`.
 * - `running`: welcomed once. A dropped connection does not leave this state: the worker
 *   reconnects (see `worker.connected`), tasks keep running and their results wait.
 * - `draining`: `stop()` was called: no more pulls; running tasks get until the deadline.
 * - `stopped`: final.
 */
import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import {
  PROTOCOL_VERSION,
  WorkerResultStatus,
  type TaskPayload,
  type TaskResult,
  type WorkerHandshake,
} from './protocol.js';
import { resolveOptions, type ResolvedWorkerOptions, type WorkerOptions } from './options.js';
import { AdminConnection, type KillMessage, type WelcomeMessage } from './connection.js';
import { LogShipper } from './log-buffer.js';
import { ProgressReporter } from './progress.js';
import { ResultOutbox } from './result-outbox.js';
import { RunningTask, isTaskPayload, resultWithoutRun } from './running-task.js';
import { AbortKind, OasisWorkerError, WorkerClientErrorCode } from './errors.js';
import type { Handler } from './context.js';
import { className, decoratedHandlers, HANDLER_NAME_PATTERN } from './decorator.js';
import { SDK_VERSION } from './version.js';
import { scriptHandler, scriptProblem } from './script-runner.js';

/** Lifecycle states, in order. */
export const WorkerState = {
  IDLE: 'idle',
  CONNECTING: 'connecting',
  RUNNING: 'running',
  DRAINING: 'draining',
  STOPPED: 'stopped',
} as const;
export type WorkerState = (typeof WorkerState)[keyof typeof WorkerState];

/** Events of {@link OasisWorker}. */
export interface WorkerEvents {
  state: [state: WorkerState, previous: WorkerState];
  /** Connection problems and refusals. Without an `error` listener they go to the logger instead (never thrown). */
  error: [error: Error];
  /** Connected and welcomed by an admin (also after every reconnect). */
  connected: [info: { url: string; adminId: string }];
  /** The connection dropped; the worker reconnects by itself. */
  disconnected: [reason: string];
  'task:start': [task: TaskPayload];
  'task:end': [result: TaskResult, task: TaskPayload];
}

/** Options of {@link OasisWorker.stop}. */
export interface StopOptions {
  /** How long running tasks may take to finish before they are aborted (ms). Default 30000. */
  timeoutMs?: number;
}

/** Options of {@link OasisWorker.installSignalHandlers}. */
export interface SignalOptions extends StopOptions {
  /** Call `process.exit()` once stopped (0, or 1 if stopping failed). Default true. */
  exit?: boolean;
}

const DEFAULT_STOP_TIMEOUT_MS = 30_000;
const HANDLER_NAME = HANDLER_NAME_PATTERN;
const MAX_HANDLERS = 1000;

export class OasisWorker extends EventEmitter<WorkerEvents> {
  /** The validated, frozen options. */
  readonly options: ResolvedWorkerOptions;
  private currentState: WorkerState = WorkerState.IDLE;
  private readonly handlers = new Map<string, Handler>();
  private readonly connection: AdminConnection;
  private readonly logs: LogShipper;
  private readonly progress: ProgressReporter;
  private readonly outbox: ResultOutbox;
  private readonly running = new Map<string, RunningTask>();
  /** Tasks received beyond our free slots (an admin bug): they start as slots free up. */
  private backlog: TaskPayload[] = [];
  private pulling: Promise<void> | undefined;
  private pullAgain = false;
  private drainedByAdmin = false;
  private heartbeatInFlight = false;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private startWaiter: { resolve: () => void; reject: (err: Error) => void } | undefined;
  private startPromise: Promise<void> | undefined;
  private stopPromise: Promise<void> | undefined;
  private idleWaiters: Array<() => void> = [];

  /**
   * @throws {WorkerOptionsError} listing every invalid option.
   */
  constructor(options: WorkerOptions) {
    super();
    this.options = resolveOptions(options);
    this.connection = new AdminConnection(this.options, () => this.handshake());
    this.logs = new LogShipper((msg) => this.connection.log(msg));
    this.progress = new ProgressReporter((msg) => this.connection.progress(msg));
    this.outbox = new ResultOutbox(
      async (results) => (await this.connection.results({ results })).verdicts,
      () => this.connection.ready,
      this.options.logger,
    );
    this.connection.on('ready', (welcome, url) => this.onReady(welcome, url));
    this.connection.on('lost', (reason) => this.onLost(reason));
    this.connection.on('failed', (error, refused) => this.onFailed(error, refused));
    this.connection.on('wake', () => this.maybePull());
    this.connection.on('kill', (msg) => this.onKill(msg));
    this.connection.on('drain', () => {
      this.options.logger.info('the admin asked to drain: no more pulls on this connection');
      this.drainedByAdmin = true;
    });
  }

  get state(): WorkerState {
    return this.currentState;
  }

  get workerId(): string {
    return this.options.workerId;
  }

  /** True while connected to and welcomed by an admin. */
  get connected(): boolean {
    return this.connection.ready;
  }

  /** Tasks running or waiting for a slot on this worker. */
  get activeTasks(): number {
    return this.running.size + this.backlog.length;
  }

  /**
   * Registers the handler for tasks whose job names `name`. Register before `start()`: the admin
   * learns the handler list in the handshake, so later ones are announced at the next reconnect.
   * @throws {TypeError} on a bad name or function; {@link Error} if `name` is taken or the worker stopped.
   */
  handle<R>(name: string, fn: Handler<R>): this {
    if (typeof name !== 'string' || !HANDLER_NAME.test(name)) {
      throw new TypeError(`handler name must be 1..128 characters without spaces (got ${JSON.stringify(name)})`);
    }
    if (typeof fn !== 'function') throw new TypeError(`handler "${name}" must be a function`);
    if (this.handlers.has(name)) throw new Error(`a handler named "${name}" is already registered`);
    if (this.handlers.size >= MAX_HANDLERS) throw new Error(`at most ${MAX_HANDLERS} handlers per worker`);
    if (this.currentState === WorkerState.STOPPED) throw new Error('the worker is stopped');
    if (this.currentState !== WorkerState.IDLE) {
      this.options.logger.warn(`handler "${name}" registered after start(): the admin learns of it at the next reconnect`);
    }
    this.handlers.set(name, fn as Handler);
    return this;
  }

  /**
   * Registers every `@OasisJob('name')` method of `instance` (along its prototype chain) as the
   * handler `name`, bound to the instance. All or nothing: nothing is registered if one fails.
   * @returns the handler names registered.
   * @throws {TypeError} when `instance` is not an object, has no `@OasisJob` methods, or two of
   * its methods claim one name; {@link Error} when a name is already registered on this worker.
   */
  register(instance: object): string[] {
    if (typeof instance !== 'object' || instance === null) {
      throw new TypeError('register(instance) takes an object whose methods carry @OasisJob(name)');
    }
    const found = decoratedHandlers(instance);
    if (found.length === 0) {
      throw new TypeError(`register(): ${className(instance)} has no @OasisJob(name) methods`);
    }
    for (const h of found) {
      if (this.handlers.has(h.name)) {
        throw new Error(`register(): @OasisJob('${h.name}') on ${className(instance)}.${h.member}: a handler named "${h.name}" is already registered`);
      }
    }
    if (this.handlers.size + found.length > MAX_HANDLERS) throw new Error(`at most ${MAX_HANDLERS} handlers per worker`);
    if (this.currentState === WorkerState.STOPPED) throw new Error('the worker is stopped');
    for (const h of found) this.handle(h.name, h.fn);
    return found.map((h) => h.name);
  }

  /**
   * Connects and starts pulling. Resolves once an admin welcomed the worker; until then it keeps
   * retrying (problems are reported as `error` events).
   * @throws {OasisWorkerError} `OASIS_ERR_UNAUTHORIZED`, `OASIS_ERR_PROTOCOL_VERSION` or
   * `OASIS_ERR_BAD_MESSAGE` when the admin refuses the handshake (the worker is then stopped),
   * `OASIS_ERR_WORKER_STOPPED` if `stop()` came first.
   */
  start(): Promise<void> {
    if (this.startPromise !== undefined) return this.startPromise;
    if (this.currentState !== WorkerState.IDLE) {
      return Promise.reject(new OasisWorkerError(WorkerClientErrorCode.STOPPED, 'the worker is stopped'));
    }
    if (this.handlers.size === 0) this.options.logger.warn('start() with no handlers registered');
    this.startPromise = new Promise<void>((resolve, reject) => {
      this.startWaiter = { resolve, reject };
    });
    this.setState(WorkerState.CONNECTING);
    this.connection.open();
    return this.startPromise;
  }

  /**
   * Stops pulling, waits for running tasks up to `timeoutMs`, then aborts the rest (reported
   * KILLED after `killGraceMs`), delivers pending results (waiting up to `ackTimeoutMs`) and
   * disconnects. Idempotent: later calls return the same promise.
   */
  stop(options: StopOptions = {}): Promise<void> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_STOP_TIMEOUT_MS;
    if (typeof timeoutMs !== 'number' || !(timeoutMs >= 0)) {
      return Promise.reject(new TypeError(`stop({ timeoutMs }) must be a number >= 0 (got ${String(timeoutMs)})`));
    }
    this.stopPromise ??= this.shutdown(timeoutMs);
    return this.stopPromise;
  }

  /**
   * Calls `stop()` on SIGTERM / SIGINT; a second signal exits at once with code 1.
   * @returns a function that removes the handlers.
   */
  installSignalHandlers(options: SignalOptions = {}): () => void {
    const exit = options.exit ?? true;
    let signalled = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (signalled) {
        this.options.logger.warn(`${signal} again: exiting without waiting`);
        process.exit(1);
      }
      signalled = true;
      this.options.logger.info(`${signal}: stopping the worker`);
      this.stop({ timeoutMs: options.timeoutMs }).then(
        () => {
          if (exit) process.exit(0);
        },
        (err: unknown) => {
          this.options.logger.error('stop failed', err);
          if (exit) process.exit(1);
        },
      );
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    return () => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    };
  }

  // ---- connection events -------------------------------------------------------------------

  private handshake(): WorkerHandshake {
    const o = this.options;
    return {
      app: o.app,
      token: o.token,
      workerId: o.workerId,
      concurrency: o.concurrency,
      handlers: [...this.handlers.keys()],
      protocol: PROTOCOL_VERSION,
      meta: { host: hostname(), pid: process.pid, sdkVersion: SDK_VERSION },
    };
  }

  private onReady(welcome: WelcomeMessage, url: string): void {
    if (welcome.protocol !== PROTOCOL_VERSION) {
      this.options.logger.warn(`admin ${welcome.adminId} welcomed us with protocol ${welcome.protocol}, we speak ${PROTOCOL_VERSION}`);
    }
    this.drainedByAdmin = false;
    this.options.logger.info(`connected to ${url} (admin ${welcome.adminId})`);
    const heartbeatMs = this.options.heartbeatMs ?? welcome.heartbeatMs;
    clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = setInterval(() => this.beat(), heartbeatMs);
    this.pollTimer ??= setInterval(() => this.maybePull(), this.options.pollMs);
    if (this.currentState === WorkerState.CONNECTING) {
      this.setState(WorkerState.RUNNING);
      this.startWaiter?.resolve();
      this.startWaiter = undefined;
    }
    this.safeEmit('connected', { url, adminId: String(welcome.adminId) });
    this.logs.flushAll();
    this.progress.flush();
    this.outbox.onConnected();
    this.beat(); // renew our leases at once after a reconnect
    this.maybePull();
  }

  private onLost(reason: string): void {
    clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
    this.options.logger.warn(`disconnected from the admin (${reason}); reconnecting`);
    this.safeEmit('disconnected', reason);
  }

  private onFailed(error: OasisWorkerError, refused: boolean): void {
    if (refused && this.startWaiter !== undefined) {
      // A refusal before the first welcome is a configuration error: give up and say so.
      const waiter = this.startWaiter;
      this.startWaiter = undefined;
      this.connection.close();
      this.setState(WorkerState.STOPPED);
      waiter.reject(error);
      return;
    }
    this.reportError(error, refused);
  }

  private onKill(msg: KillMessage): void {
    const reason = typeof msg.reason === 'string' && msg.reason !== '' ? msg.reason : 'no reason given';
    const task = this.running.get(msg.taskId);
    if (task !== undefined) {
      task.abort(AbortKind.KILLED, `killed by the admin: ${reason}`);
      return;
    }
    const queued = this.backlog.find((t) => t.id === msg.taskId);
    if (queued !== undefined) {
      this.backlog = this.backlog.filter((t) => t !== queued);
      this.finishWithoutRun(queued, WorkerResultStatus.KILLED, `killed by the admin before it started: ${reason}`);
    }
  }

  // ---- pulling and running -----------------------------------------------------------------

  private freeSlots(): number {
    return this.options.concurrency - this.running.size - this.backlog.length;
  }

  /** Pulls if we may: running, connected, not drained, free slots, no pull in flight. */
  private maybePull(): void {
    if (this.pulling !== undefined) {
      this.pullAgain = true;
      return;
    }
    if (this.currentState !== WorkerState.RUNNING || this.drainedByAdmin || !this.connection.ready) return;
    const max = this.freeSlots();
    if (max <= 0) return;
    this.pullAgain = false;
    this.pulling = this.connection
      .pull({ max })
      .then(
        ({ tasks }) => {
          if (!Array.isArray(tasks)) throw new Error('pull reply has no tasks array');
          this.accept(tasks, max);
          if (tasks.length >= max) this.pullAgain = true;
        },
        (err: unknown) => this.options.logger.debug(`pull failed: ${err instanceof Error ? err.message : String(err)}`),
      )
      .catch((err: unknown) => this.options.logger.error('bad pull reply', err))
      .finally(() => {
        this.pulling = undefined;
        if (this.pullAgain) this.maybePull();
      });
  }

  private accept(tasks: readonly unknown[], max: number): void {
    if (this.currentState === WorkerState.STOPPED) return; // cannot happen: closing the socket rejects the pull
    if (tasks.length > max) this.options.logger.error(`the admin sent ${tasks.length} tasks for max ${max}; extra ones wait for a slot`);
    for (const task of tasks) {
      if (!isTaskPayload(task)) {
        this.options.logger.error('the admin sent a malformed task; ignored', task);
        continue;
      }
      if (this.running.has(task.id) || this.backlog.some((t) => t.id === task.id)) {
        this.options.logger.warn(`task ${task.id} was handed out twice; ignoring the copy`);
        continue;
      }
      if (this.running.size < this.options.concurrency) this.startTask(task);
      else this.backlog.push(task);
    }
  }

  private startTask(task: TaskPayload): void {
    let handler: Handler | undefined;
    let killGraceMs = this.options.killGraceMs;
    if (task.script !== undefined) {
      const problem = this.options.allowScripts
        ? scriptProblem(task.script)
        : 'script jobs are disabled on this worker (start it with allowScripts: true)';
      if (problem !== undefined) {
        this.finishWithoutRun(task, WorkerResultStatus.FAILED, `NonRetryableError: ${problem}`);
        return;
      }
      handler = scriptHandler(task.script, {
        killGraceMs: this.options.scriptKillGraceMs,
        env: this.options.scriptEnv,
        token: this.options.token,
      });
      // Report an aborted script only once its process had its SIGTERM → SIGKILL grace.
      killGraceMs = Math.max(killGraceMs, this.options.scriptKillGraceMs + 1000);
    } else {
      handler = this.handlers.get(task.handler);
    }
    if (handler === undefined) {
      this.finishWithoutRun(task, WorkerResultStatus.FAILED, `no handler named ${task.handler} on this worker`);
      return;
    }
    const run = new RunningTask(task, handler, {
      workerId: this.options.workerId,
      killGraceMs,
      log: this.logs.open(task.id),
      progress: (percent) => this.progress.set(task.id, percent),
    });
    this.running.set(task.id, run);
    this.safeEmit('task:start', task);
    run.start();
    void run.result.then((result) => this.onTaskEnd(run, result));
  }

  private onTaskEnd(run: RunningTask, result: TaskResult): void {
    this.running.delete(run.id);
    this.progress.forget(run.id);
    this.logs.close(run.id); // log lines go out before the result
    this.outbox.add(result);
    this.safeEmit('task:end', result, run.task);
    this.afterSlotFreed();
  }

  private finishWithoutRun(task: TaskPayload, status: WorkerResultStatus, error: string): void {
    const result = resultWithoutRun(task, status, error);
    this.outbox.add(result);
    this.safeEmit('task:end', result, task);
    this.afterSlotFreed();
  }

  private afterSlotFreed(): void {
    while (this.backlog.length > 0 && this.running.size < this.options.concurrency && this.currentState !== WorkerState.STOPPED) {
      const next = this.backlog.shift();
      if (next !== undefined) this.startTask(next);
    }
    if (this.activeTasks === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      waiters.forEach((w) => w());
    }
    this.maybePull();
  }

  private beat(): void {
    if (this.heartbeatInFlight || !this.connection.ready) return;
    this.heartbeatInFlight = true;
    const pulling = this.currentState === WorkerState.RUNNING && !this.drainedByAdmin;
    const ids = [...this.running.keys(), ...this.backlog.map((t) => t.id)];
    this.connection
      .heartbeat({ running: ids, free: pulling ? Math.max(0, this.freeSlots()) : 0 })
      .then(({ abort }) => {
        if (!Array.isArray(abort)) return;
        for (const id of abort) {
          this.running.get(id)?.abort(AbortKind.LEASE_LOST, 'the admin no longer considers this task this worker\'s');
          this.backlog = this.backlog.filter((t) => t.id !== id);
        }
      })
      .catch((err: unknown) => this.options.logger.debug(`heartbeat failed: ${err instanceof Error ? err.message : String(err)}`))
      .finally(() => {
        this.heartbeatInFlight = false;
      });
  }

  // ---- shutdown ----------------------------------------------------------------------------

  private async shutdown(timeoutMs: number): Promise<void> {
    const previous = this.currentState;
    if (previous === WorkerState.STOPPED) return;
    if (previous === WorkerState.IDLE || previous === WorkerState.CONNECTING) {
      this.startWaiter?.reject(new OasisWorkerError(WorkerClientErrorCode.STOPPED, 'stop() was called before the worker connected'));
      this.startWaiter = undefined;
      this.dispose();
      return;
    }
    this.setState(WorkerState.DRAINING);
    const deadline = Date.now() + timeoutMs;
    // Tasks of a pull still in flight are already leased to us: take them into the drain.
    if (this.pulling !== undefined) await this.pulling;
    if (!(await this.whenIdle(Math.max(0, deadline - Date.now())))) {
      for (const task of this.backlog.splice(0)) {
        this.finishWithoutRun(task, WorkerResultStatus.KILLED, 'the worker stopped before the task started');
      }
      for (const run of this.running.values()) {
        run.abort(AbortKind.SHUTDOWN, `the worker is stopping and the task did not finish within ${timeoutMs} ms`);
      }
      const scripts = [...this.running.values()].some((r) => r.task.script !== undefined);
      const graceMs = Math.max(this.options.killGraceMs, scripts ? this.options.scriptKillGraceMs + 1000 : 0);
      await this.whenIdle(graceMs + 1000);
    }
    this.logs.flushAll();
    if (!(await this.outbox.whenEmpty(this.options.ackTimeoutMs))) {
      this.options.logger.warn(`${this.outbox.size} result(s) could not be delivered before stopping; the admin will time them out`);
    }
    this.dispose();
  }

  private whenIdle(timeoutMs: number): Promise<boolean> {
    if (this.activeTasks === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.idleWaiters = this.idleWaiters.filter((w) => w !== done);
        resolve(false);
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      this.idleWaiters.push(done);
    });
  }

  private dispose(): void {
    clearInterval(this.heartbeatTimer);
    clearInterval(this.pollTimer);
    this.heartbeatTimer = undefined;
    this.pollTimer = undefined;
    this.connection.close();
    this.logs.dispose();
    this.progress.dispose();
    this.outbox.dispose();
    this.setState(WorkerState.STOPPED);
  }

  // ---- helpers -----------------------------------------------------------------------------

  private setState(next: WorkerState): void {
    const previous = this.currentState;
    if (previous === next) return;
    this.currentState = next;
    this.safeEmit('state', next, previous);
  }

  /** Emits to user listeners; a throwing listener is logged, never allowed to break the worker. */
  private safeEmit<E extends keyof WorkerEvents>(event: E, ...args: WorkerEvents[E]): void {
    try {
      // EventEmitter's typed emit cannot see through the generic; the tuple type is checked above.
      (this.emit as (e: E, ...a: WorkerEvents[E]) => boolean)(event, ...args);
    } catch (err) {
      this.options.logger.error(`a "${String(event)}" listener threw`, err);
    }
  }

  private reportError(error: Error, serious: boolean): void {
    if (this.listenerCount('error') > 0) this.safeEmit('error', error);
    else if (serious) this.options.logger.error(error.message);
    else this.options.logger.warn(error.message);
  }
}
