/**
 * The worker's outbound Socket.IO connection to an admin (namespace `/worker`); the liveness
 * thread keeps a second one of its own with the same class.
 *
 * It owns reconnection itself (socket.io-client's is off) so that it can fail over between
 * several admin URLs: a fresh socket per attempt (`connectTimeoutMs` up to the `welcome`),
 * jittered exponential backoff, the handshake built anew each time (so the handler list is
 * current). A connection is *ready* once the admin sent `welcome`. Requests are acked calls with
 * a timeout that reject on disconnect. An admin that stops answering (frozen, partitioned) is
 * noticed without waiting for the Engine.IO ping timeout: heartbeats and pulls must be answered
 * within `answerTimeoutMs`, and after {@link MISSED_ANSWERS_LIMIT} misses in a row the
 * connection is given up like a dropped one. Every loss moves to the next URL, round-robin, so
 * the admin just left is tried last (with one URL, e.g. a load balancer: a new socket to it).
 */
import { EventEmitter } from 'node:events';
import { io, type Socket } from 'socket.io-client';
import {
  PROTOCOL_VERSION,
  WORKER_NAMESPACE,
  WorkerErrorCode,
  type AdminToWorkerEvents,
  type HeartbeatMessage,
  type KillMessage,
  type LogMessage,
  type ProgressMessage,
  type PullMessage,
  type AckMessage,
  type ResultsMessage,
  type WelcomeMessage,
  type WorkerHandshake,
  type WorkerReply,
  type WorkerToAdminEvents,
} from './contracts/worker.js';
import type { Ack } from './contracts/errors.js';
import { AdminReplyError, OasisWorkerError, WorkerClientErrorCode } from './errors.js';
import { MISSED_ANSWERS_LIMIT, type ResolvedWorkerOptions } from './options.js';
import { backoffDelay } from './backoff.js';
import { ClockOffset } from './clock-offset.js';

/** The SDK's socket, typed by the contract's event maps (what the admin sends, what the worker sends). */
type WorkerSocket = Socket<AdminToWorkerEvents, WorkerToAdminEvents>;

export type { KillMessage, WelcomeMessage } from './contracts/worker.js';

/** Events of {@link AdminConnection}. */
export interface ConnectionEvents {
  /** Connected and welcomed: the connection is ready. */
  ready: [welcome: WelcomeMessage, url: string];
  /** A ready connection was lost (dropped, given up, or left); a reconnect is scheduled. */
  lost: [reason: string];
  /** A heartbeat or pull went unanswered for `answerTimeoutMs` (`missed` in a row so far). */
  missed: [missed: number];
  /** The admin answered a heartbeat: the leases of the tasks it named are renewed. */
  heartbeat: [];
  /** An attempt failed; a retry is scheduled. `refused` is true when the admin refused the handshake. */
  failed: [error: OasisWorkerError, refused: boolean];
  wake: [];
  kill: [msg: KillMessage];
  drain: [];
}

export class AdminConnection extends EventEmitter<ConnectionEvents> {
  private socket: WorkerSocket | undefined;
  private urlIndex = 0;
  private failures = 0;
  private welcomed = false;
  private closed = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private welcomeTimer: NodeJS.Timeout | undefined;
  /** Heartbeats and pulls unanswered in a row on this socket. */
  private missed = 0;
  /** Rejecters of the requests awaiting an answer on this socket (rejected when it goes). */
  private readonly pending = new Set<(err: Error) => void>();
  /** This worker's clock against the cluster's, from heartbeat answers (kept across admins: they share one clock). */
  readonly clock = new ClockOffset();

  constructor(
    private readonly options: ResolvedWorkerOptions,
    private readonly handshake: () => WorkerHandshake,
  ) {
    super();
  }

  /** Connected and welcomed. */
  get ready(): boolean {
    return this.welcomed && this.socket?.connected === true;
  }

  /** The admin URL in use (or being tried). */
  get url(): string {
    return this.options.urls[this.urlIndex] ?? '';
  }

  /** Starts connecting; retries until {@link close}. */
  open(): void {
    if (this.closed || this.socket !== undefined || this.retryTimer !== undefined) return;
    this.attempt();
  }

  /** Disconnects for good. */
  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.dropSocket();
  }

  /**
   * Leaves this admin for the next of the URLs (its admin asked to drain): false, and nothing
   * done, when there is no other URL or no welcomed connection.
   */
  moveOn(reason: string): boolean {
    if (this.options.urls.length < 2 || !this.welcomed || this.closed) return false;
    this.giveUp(reason);
    return true;
  }

  /**
   * Connects to `url` (one of the URLs) at once, leaving the current admin, unless already
   * connected or connecting there. The liveness thread follows the main connection with it.
   */
  prefer(url: string): void {
    const index = this.options.urls.indexOf(url);
    if (this.closed || index < 0) return;
    if (index === this.urlIndex && this.socket !== undefined) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const wasReady = this.welcomed;
    this.dropSocket();
    if (wasReady) this.emit('lost', `moving to ${url}`);
    this.urlIndex = index;
    this.failures = 0;
    this.attempt();
  }

  /** Disconnects and stays so until {@link prefer} (unlike {@link close}, not for good). */
  pause(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const wasReady = this.welcomed;
    this.dropSocket();
    if (wasReady) this.emit('lost', 'paused');
  }

  /** Sends a heartbeat with the measured clock offset, and measures it again from the answer. */
  async heartbeat(msg: HeartbeatMessage): Promise<WorkerReply<'heartbeat'>> {
    const offset = this.clock.offsetMs;
    const out: HeartbeatMessage = offset === undefined ? msg : { ...msg, clockOffsetMs: offset };
    const sentAt = Date.now();
    const reply = await this.call<WorkerReply<'heartbeat'>>('heartbeat', (s, cb) => s.emit('heartbeat', out, cb), this.options.answerTimeoutMs, true);
    this.clock.add(sentAt, Date.now(), reply.now);
    this.emit('heartbeat');
    return reply;
  }

  pull(msg: PullMessage): Promise<WorkerReply<'pull'>> {
    return this.call<WorkerReply<'pull'>>('pull', (s, cb) => s.emit('pull', msg, cb), this.options.answerTimeoutMs, true);
  }

  /** Acknowledges the tasks of a pull reply (answered like a pull). */
  ack(msg: AckMessage): Promise<WorkerReply<'ack'>> {
    return this.call<WorkerReply<'ack'>>('ack', (s, cb) => s.emit('ack', msg, cb), this.options.answerTimeoutMs, true);
  }

  /** Results may take the admin longer (a batch of final records): `ackTimeoutMs`, not counted as a miss. */
  results(msg: ResultsMessage): Promise<WorkerReply<'results'>> {
    return this.call<WorkerReply<'results'>>('results', (s, cb) => s.emit('results', msg, cb), this.options.ackTimeoutMs, false);
  }

  /** Sends a log batch without waiting for its ack; false when not connected (the caller keeps the lines). */
  log(msg: LogMessage): boolean {
    if (!this.ready || this.socket === undefined) return false;
    this.socket.emit('log', msg, () => {});
    return true;
  }

  /** Sends a progress value without waiting for its ack; false when not connected. */
  progress(msg: ProgressMessage): boolean {
    if (!this.ready || this.socket === undefined) return false;
    this.socket.emit('progress', msg, () => {});
    return true;
  }

  /**
   * One acked request. It rejects after `timeoutMs` without an answer — unless our own event loop
   * was blocked meanwhile (the timer fired late: the answer may be waiting to be read), then it
   * waits once more —, and when the socket goes. A `counted` timeout is a miss of this admin.
   */
  private call<R extends object>(
    event: string,
    emit: (socket: WorkerSocket, ack: (reply: Ack<R>) => void) => void,
    timeoutMs: number,
    counted: boolean,
  ): Promise<R> {
    const socket = this.socket;
    if (!this.ready || socket === undefined) {
      return Promise.reject(new OasisWorkerError(WorkerClientErrorCode.CONNECT, 'not connected to an admin'));
    }
    return new Promise<R>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const settle = (): boolean => {
        if (!this.pending.delete(fail)) return false;
        clearTimeout(timer);
        return true;
      };
      const fail = (err: Error): void => {
        if (settle()) reject(err);
      };
      const arm = (): void => {
        const due = Date.now() + timeoutMs;
        timer = setTimeout(() => {
          if (Date.now() - due > Math.max(250, timeoutMs / 2)) return arm();
          fail(new AdminReplyError(WorkerErrorCode.INTERNAL, `${event}: no answer from ${this.url} within ${timeoutMs} ms`));
          if (counted && this.socket === socket) this.onMissed(timeoutMs);
        }, timeoutMs);
      };
      this.pending.add(fail);
      arm();
      emit(socket, (reply) => {
        if (!settle()) return;
        if (this.socket === socket) this.missed = 0;
        if (typeof reply !== 'object' || reply === null) {
          return reject(new AdminReplyError(WorkerErrorCode.BAD_MESSAGE, 'the admin sent a reply that is not an object'));
        }
        if (reply.ok !== true) return reject(new AdminReplyError(String(reply.code), String(reply.message)));
        resolve(reply);
      });
    });
  }

  /** A heartbeat or pull went unanswered: after {@link MISSED_ANSWERS_LIMIT} in a row, give the admin up. */
  private onMissed(timeoutMs: number): void {
    this.missed++;
    this.emit('missed', this.missed);
    if (this.missed >= MISSED_ANSWERS_LIMIT && this.welcomed) {
      this.giveUp(`${this.url} did not answer ${this.missed} requests in a row within ${timeoutMs} ms`);
    }
  }

  /** Leaves a ready connection: report it lost and connect to the next URL. */
  private giveUp(reason: string): void {
    this.dropSocket();
    this.emit('lost', reason);
    this.scheduleRetry();
  }

  private attempt(): void {
    this.retryTimer = undefined;
    if (this.closed) return;
    const url = this.url;
    const socket: WorkerSocket = io(`${url}${WORKER_NAMESPACE}`, {
      auth: (cb) => cb({ ...this.handshake() }),
      reconnection: false,
      forceNew: true,
      transports: ['websocket'],
      timeout: this.options.connectTimeoutMs,
    });
    this.socket = socket;
    this.welcomed = false;
    const mine = (): boolean => this.socket === socket && !this.closed;

    socket.on('connect', () => {
      if (!mine()) return;
      this.welcomeTimer = setTimeout(() => {
        if (!mine() || this.welcomed) return;
        this.fail(new OasisWorkerError(WorkerClientErrorCode.CONNECT, `${url}: connected but no welcome within ${this.options.connectTimeoutMs} ms`), false);
      }, this.options.connectTimeoutMs);
    });
    socket.on('welcome', (msg) => {
      if (!mine() || this.welcomed) return;
      clearTimeout(this.welcomeTimer);
      if (typeof msg !== 'object' || msg === null || !(Number(msg.heartbeatMs) > 0)) {
        this.fail(new OasisWorkerError(WorkerClientErrorCode.PROTOCOL, `${url}: malformed welcome message`), false);
        return;
      }
      this.welcomed = true;
      this.failures = 0;
      this.missed = 0;
      this.emit('ready', msg, url);
    });
    socket.on('connect_error', (err) => {
      if (!mine()) return;
      const refusal = classifyRefusal(err);
      const error =
        refusal ??
        new OasisWorkerError(WorkerClientErrorCode.CONNECT, `${url}: cannot connect (${err.message})`, { cause: err });
      this.fail(error, refusal !== undefined);
    });
    socket.on('disconnect', (reason) => {
      if (!mine()) return;
      if (this.welcomed) {
        this.giveUp(reason);
      } else {
        this.fail(new OasisWorkerError(WorkerClientErrorCode.CONNECT, `${url}: disconnected before welcome (${reason})`), false);
      }
    });
    socket.on('wake', () => {
      if (mine() && this.welcomed) this.emit('wake');
    });
    socket.on('kill', (msg) => {
      if (mine() && this.welcomed && typeof msg === 'object' && msg !== null && typeof msg.taskId === 'string') {
        this.emit('kill', msg);
      }
    });
    socket.on('drain', () => {
      if (mine() && this.welcomed) this.emit('drain');
    });
  }

  /** An attempt failed: drop the socket, report, and retry on the next URL. */
  private fail(error: OasisWorkerError, refused: boolean): void {
    this.dropSocket();
    this.emit('failed', error, refused);
    this.scheduleRetry();
  }

  /** The next attempt, on the next URL (round-robin: the one just left comes last). */
  private scheduleRetry(): void {
    if (this.closed || this.retryTimer !== undefined) return;
    this.urlIndex = (this.urlIndex + 1) % this.options.urls.length;
    const delay = backoffDelay(this.failures++, this.options.reconnectMinMs, this.options.reconnectMaxMs);
    this.retryTimer = setTimeout(() => this.attempt(), delay);
  }

  private dropSocket(): void {
    clearTimeout(this.welcomeTimer);
    this.welcomeTimer = undefined;
    this.welcomed = false;
    this.missed = 0;
    const socket = this.socket;
    this.socket = undefined;
    const gone = new OasisWorkerError(WorkerClientErrorCode.CONNECT, 'the connection to the admin closed before it answered');
    for (const fail of [...this.pending]) fail(gone);
    if (socket !== undefined) {
      socket.removeAllListeners();
      socket.disconnect();
    }
  }
}

/** A handshake refusal the admin signalled in `connect_error` (message or `data.code`). */
function classifyRefusal(err: Error): OasisWorkerError | undefined {
  const data = (err as Error & { data?: { code?: unknown; message?: unknown } }).data;
  const code = typeof data?.code === 'string' ? data.code : err.message;
  const detail = typeof data?.message === 'string' ? data.message : err.message;
  if (code.startsWith(WorkerErrorCode.UNAUTHORIZED)) {
    return new OasisWorkerError(WorkerClientErrorCode.UNAUTHORIZED, `the admin refused the app name or token (${detail})`, { cause: err });
  }
  if (code.startsWith(WorkerErrorCode.BAD_MESSAGE)) {
    return new OasisWorkerError(WorkerClientErrorCode.BAD_HANDSHAKE, `the admin refused the handshake (${detail})`, { cause: err });
  }
  if (code.startsWith(WorkerErrorCode.PROTOCOL)) {
    return new OasisWorkerError(
      WorkerClientErrorCode.PROTOCOL,
      `the admin does not speak protocol version ${PROTOCOL_VERSION} (${detail})`,
      { cause: err },
    );
  }
  return undefined;
}
