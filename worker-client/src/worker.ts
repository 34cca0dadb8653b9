/**
 * `OasisWorker`: connects to an admin, pulls as many tasks as it has free slots, runs their
 * handlers, streams their logs and reports their results. Its lifecycle is documented in
 * `worker-lifecycle.ts`; running tasks are the {@link TaskRunner}'s, pulls and heartbeats the
 * {@link PullLoop}'s, the connection (and moving between admins) the {@link AdminConnection}'s.
 */
import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import { PROTOCOL_VERSION, WorkerRole, type WelcomeMessage, type WorkerHandshake } from './contracts/worker.js';
import { HANDLER_NAME_PATTERN } from './contracts/names.js';
import { resolveOptions, type ResolvedWorkerOptions, type WorkerOptions } from './options.js';
import { AdminConnection } from './connection.js';
import { LogShipper } from './log-buffer.js';
import { ProgressReporter } from './progress.js';
import { DEFAULT_OUTBOX_OPTIONS, ResultOutbox } from './result-outbox.js';
import { OasisWorkerError, WorkerClientErrorCode } from './errors.js';
import type { Handler } from './context.js';
import { className, decoratedHandlers } from './decorator.js';
import { SDK_VERSION } from './version.js';
import { TaskRunner } from './task-runner.js';
import { PullLoop } from './pull-loop.js';
import { LivenessBeacon } from './liveness.js';
import {
  DEFAULT_STOP_TIMEOUT_MS,
  WorkerState,
  onStopSignals,
  type SignalOptions,
  type StopOptions,
  type WorkerEvents,
} from './worker-lifecycle.js';

export { WorkerState, type WorkerEvents, type StopOptions, type SignalOptions } from './worker-lifecycle.js';

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
  private readonly runner: TaskRunner;
  private readonly puller: PullLoop;
  /** The liveness thread (option `livenessThread`): heartbeats while a handler blocks this thread. */
  private readonly liveness: LivenessBeacon | undefined;
  /** The admin of this connection sent `drain`: pull nothing more from it. */
  private drainedByAdmin = false;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private startWaiter: { resolve: () => void; reject: (err: Error) => void } | undefined;
  private startPromise: Promise<void> | undefined;
  private stopPromise: Promise<void> | undefined;

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
      DEFAULT_OUTBOX_OPTIONS,
      () => this.puller.reported(),
    );
    this.runner = new TaskRunner({
      options: this.options,
      handler: (name) => this.handlers.get(name),
      logs: this.logs,
      progress: this.progress,
      report: (result) => this.outbox.add(result),
      held: (taskIds, ackWithinMs) => this.liveness?.held(taskIds, this.reportedFree(), ackWithinMs),
      started: (task) => this.safeEmit('task:start', task),
      ended: (result, task) => {
        this.liveness?.endedTask(task.id, this.reportedFree());
        this.safeEmit('task:end', result, task);
      },
      slotFreed: () => this.puller.maybePull(),
    });
    this.puller = new PullLoop(
      this.connection,
      this.runner,
      this.options.logger,
      () => this.currentState === WorkerState.RUNNING && !this.drainedByAdmin,
      (taskIds) => this.liveness?.acked(taskIds),
      () => this.outbox.size,
    );
    this.connection.on('ready', (welcome, url) => this.onReady(welcome, url));
    this.connection.on('lost', (reason) => this.onLost(reason));
    this.connection.on('failed', (error, refused) => this.onFailed(error, refused));
    this.connection.on('wake', () => this.puller.maybePull());
    this.connection.on('kill', (msg) => this.runner.kill(msg.taskId, typeof msg.reason === 'string' && msg.reason !== '' ? msg.reason : 'no reason given'));
    this.connection.on('drain', () => this.onDrain());
    // An unanswered heartbeat or pull: ask again at once, so a frozen admin is given up within
    // about two answer timeouts.
    this.connection.on('missed', () => setImmediate(() => this.probe()));
    this.connection.on('heartbeat', () => this.liveness?.beaten());
    this.liveness = this.options.livenessThread ? new LivenessBeacon(this.options, () => this.livenessHandshake()) : undefined;
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
    return this.runner.active;
  }

  /**
   * Registers the handler for tasks whose job names `name`. Register before `start()`: the admin
   * learns the handler list in the handshake, so later ones are announced at the next reconnect.
   * @throws {TypeError} on a bad name or function; {@link Error} if `name` is taken or the worker stopped.
   */
  handle<R>(name: string, fn: Handler<R>): this {
    if (typeof name !== 'string' || !HANDLER_NAME_PATTERN.test(name)) {
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
    return onStopSignals((o) => this.stop(o), this.options.logger, options);
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
      // What we hold: the admin ends LOST what it had under our id that we no longer hold. A task
      // whose result waits in the outbox is still ours: the result follows the welcome.
      holding: [...this.runner.ids(), ...this.outbox.taskIds()],
      meta: { host: hostname(), pid: process.pid, sdkVersion: SDK_VERSION },
    };
  }

  /** The liveness connection's handshake: who we are, nothing a main connection's admin acts on. */
  private livenessHandshake(): Omit<WorkerHandshake, 'role'> {
    const { app, token, workerId, concurrency } = this.options;
    return { app, token, workerId, concurrency, handlers: [], protocol: PROTOCOL_VERSION, meta: { host: hostname(), pid: process.pid, sdkVersion: SDK_VERSION } };
  }

  /** Tells the liveness thread which tasks we hold and the free slots we report (as a heartbeat does). */
  private postTasks(): void {
    this.liveness?.tasks(this.runner.ids(), this.reportedFree());
  }

  /** The free slots a heartbeat reports: none while we must not take work. */
  private reportedFree(): number {
    const mayPull = this.currentState === WorkerState.RUNNING && !this.drainedByAdmin;
    return mayPull ? Math.max(0, this.runner.freeSlots) : 0;
  }

  private probe(): void {
    this.puller.beat();
    this.puller.maybePull();
  }

  private onReady(welcome: WelcomeMessage, url: string): void {
    if (welcome.protocol !== PROTOCOL_VERSION) {
      this.options.logger.warn(`admin ${welcome.adminId} welcomed us with protocol ${welcome.protocol}, we speak ${PROTOCOL_VERSION}`);
    }
    this.drainedByAdmin = false;
    this.options.logger.info(`connected to ${url} (admin ${welcome.adminId})`);
    const heartbeatMs = this.options.heartbeatMs ?? welcome.heartbeatMs;
    clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = setInterval(() => {
      this.postTasks();
      this.puller.beat();
    }, heartbeatMs);
    this.pollTimer ??= setInterval(() => this.puller.maybePull(), this.options.pollMs);
    if (this.currentState === WorkerState.CONNECTING) {
      this.setState(WorkerState.RUNNING);
      this.startWaiter?.resolve();
      this.startWaiter = undefined;
    }
    this.postTasks();
    // At once: leases renewed on this admin, and a first clock sample before any result.
    this.puller.beat();
    if (welcome.roles?.includes(WorkerRole.LIVENESS) === true) this.liveness?.follow(url, heartbeatMs);
    else this.liveness?.pause();
    this.safeEmit('connected', { url, adminId: String(welcome.adminId) });
    this.logs.flushAll();
    this.progress.flush();
    this.outbox.onConnected();
    this.puller.beat(); // renew our leases at once after a reconnect
    this.puller.maybePull();
  }

  /**
   * The admin is stopping: pull nothing more from it. With several admin URLs the worker moves
   * to the next one now; with one, it stays (heartbeats and results still go through) until the
   * admin closes the connection, then reconnects as after any drop. Running tasks go on.
   */
  private onDrain(): void {
    this.drainedByAdmin = true;
    const moving = this.connection.moveOn('the admin asked to drain');
    this.options.logger.info(`the admin asked to drain: no more pulls on this connection${moving ? '; moving to the next admin' : ''}`);
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
    await this.puller.settled();
    if (!(await this.runner.whenIdle(Math.max(0, deadline - Date.now())))) {
      this.runner.abortAll(`the worker is stopping and the task did not finish within ${timeoutMs} ms`);
      const graceMs = Math.max(this.options.killGraceMs, this.runner.runsScripts ? this.options.scriptKillGraceMs + 1000 : 0);
      await this.runner.whenIdle(graceMs + 1000);
    }
    this.logs.flushAll();
    if (!(await this.outbox.whenEmpty(this.options.ackTimeoutMs))) {
      this.options.logger.warn(`${this.outbox.size} result(s) could not be delivered before stopping; the admin will time them out`);
    }
    this.dispose();
  }

  private dispose(): void {
    clearInterval(this.heartbeatTimer);
    clearInterval(this.pollTimer);
    this.heartbeatTimer = undefined;
    this.pollTimer = undefined;
    this.runner.close();
    this.connection.close();
    void this.liveness?.stop();
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
