/**
 * The main thread's side of the liveness thread (`liveness-thread.ts`): starts it on the first
 * admin that accepts liveness connections, tells it where the main connection is and which
 * tasks the worker holds (posted on every change: while the main thread is blocked by a handler
 * the set does not change, and the thread keeps heartbeating the last one), and stops it.
 */
import { Worker } from 'node:worker_threads';
import type { WorkerHandshake } from './contracts/worker.js';
import type { FromLivenessThread, LivenessThreadData, ToLivenessThread } from './liveness-thread.js';
import type { ResolvedWorkerOptions } from './options.js';
import { siblingModule, threadEntry } from './thread-entry.js';

/** How long the ends of tasks wait to be posted together to the thread (ms). */
const ENDED_FLUSH_MS = 50;

/** `liveness-thread.js` next to this module (`.ts` when run from source through a TypeScript loader). */
const THREAD_URL = siblingModule(import.meta.url, 'liveness-thread');

/** The liveness thread of one worker, started lazily; a thread that dies is started again at the next {@link follow}. */
export class LivenessBeacon {
  private thread: Worker | undefined;
  private stopped = false;
  /** The last `tasks` message (the whole held list), sent again to a restarted thread. */
  private tasksMessage: ToLivenessThread = { type: 'tasks', running: [], free: 0 };
  /** Ends not posted yet: they go out together, a little later (over-reporting an ended task is harmless). */
  private ended: string[] = [];
  private endedTimer: NodeJS.Timeout | undefined;
  /** The free slots last reported, sent with the batched ends. */
  private free = 0;

  constructor(
    private readonly options: ResolvedWorkerOptions,
    /** The liveness connection's handshake (the worker's own, without the main-only fields). */
    private readonly handshake: () => Omit<WorkerHandshake, 'role'>,
  ) {}

  /** The main connection is ready on `url`, whose admin accepts liveness connections: heartbeat there. */
  follow(url: string, heartbeatMs: number): void {
    this.post({ type: 'follow', url, heartbeatMs }, true);
  }

  /** The main connection's admin takes no liveness connection: close the thread's until the next {@link follow}. */
  pause(): void {
    this.post({ type: 'pause' }, false);
  }

  /** All the tasks the worker holds now and the free slots it reports (once per heartbeat, and on connect). */
  tasks(running: string[], free: number): void {
    this.flushEnded();
    this.free = free;
    this.tasksMessage = { type: 'tasks', running, free };
    this.post(this.tasksMessage, false);
  }

  /**
   * Tasks were taken: posted at once, before any of their handlers runs (a handler that blocks
   * this thread from its first line is still in the thread's heartbeats). One message per pull
   * reply with its new ids, not the whole list per task.
   */
  held(taskIds: string[], free: number, ackWithinMs?: number): void {
    this.free = free;
    this.post({ type: 'held', ids: taskIds, free, ...(ackWithinMs !== undefined && { ackWithinMs }) }, false);
  }

  /** The admin answered the ack of these started tasks: the thread need not acknowledge them. */
  acked(taskIds: string[]): void {
    this.post({ type: 'acked', ids: taskIds }, false);
  }

  /** A task ended: batched, posted within {@link ENDED_FLUSH_MS}. */
  endedTask(taskId: string, free: number): void {
    this.free = free;
    this.ended.push(taskId);
    this.endedTimer ??= setTimeout(() => this.flushEnded(), ENDED_FLUSH_MS);
  }

  private flushEnded(): void {
    if (this.endedTimer !== undefined) clearTimeout(this.endedTimer);
    this.endedTimer = undefined;
    if (this.ended.length === 0) return;
    const ids = this.ended;
    this.ended = [];
    this.post({ type: 'ended', ids, free: this.free }, false);
  }

  /** The main connection's heartbeat was answered: the thread skips its own for this interval. */
  beaten(): void {
    this.post({ type: 'beaten' }, false);
  }

  /** Stops the thread (its connection closes with it). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.endedTimer !== undefined) clearTimeout(this.endedTimer);
    const thread = this.thread;
    this.thread = undefined;
    if (thread === undefined) return;
    thread.postMessage({ type: 'stop' } satisfies ToLivenessThread);
    await thread.terminate();
  }

  private post(msg: ToLivenessThread, start: boolean): void {
    if (this.stopped) return;
    if (this.thread === undefined && start) this.start();
    this.thread?.postMessage(msg);
  }

  private start(): void {
    const o = this.options;
    const data: LivenessThreadData = {
      urls: o.urls,
      handshake: this.handshake(),
      answerTimeoutMs: o.answerTimeoutMs,
      connectTimeoutMs: o.connectTimeoutMs,
      ackTimeoutMs: o.ackTimeoutMs,
      reconnectMinMs: o.reconnectMinMs,
      reconnectMaxMs: o.reconnectMaxMs,
    };
    let thread: Worker;
    try {
      const { entry, eval: isCode } = threadEntry(THREAD_URL);
      thread = new Worker(entry, { eval: isCode, workerData: data, name: `oasis-liveness-${o.workerId}` });
    } catch (err) {
      this.stopped = true;
      o.logger.warn(`cannot start the liveness thread (${err instanceof Error ? err.message : String(err)}); heartbeats depend on the main thread`);
      return;
    }
    // Never what keeps the process alive: the worker's own connection and tasks do that.
    thread.unref();
    this.thread = thread;
    thread.on('message', (m: FromLivenessThread) => {
      if (m?.type === 'log' && typeof o.logger[m.level] === 'function') o.logger[m.level](m.message);
    });
    thread.on('error', (err) => o.logger.warn(`the liveness thread failed (${err.message}); heartbeats depend on the main thread until it is started again`));
    thread.on('exit', () => {
      if (this.thread === thread) this.thread = undefined;
    });
    thread.postMessage(this.tasksMessage);
  }
}
