/**
 * The worker's one outbound Socket.IO connection to an admin (namespace `/worker`).
 *
 * It owns reconnection itself (socket.io-client's is off) so that it can fail over between
 * several admin URLs: a fresh socket per attempt, jittered exponential backoff, the handshake
 * built anew each time (so the handler list is current). A connection is *ready* once the admin
 * sent `welcome`. Requests are acked calls with a timeout that reject on disconnect.
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
import type { ResolvedWorkerOptions } from './options.js';
import { backoffDelay } from './backoff.js';

/** The SDK's socket, typed by the contract's event maps (what the admin sends, what the worker sends). */
type WorkerSocket = Socket<AdminToWorkerEvents, WorkerToAdminEvents>;

export type { KillMessage, WelcomeMessage } from './contracts/worker.js';

/** Events of {@link AdminConnection}. */
export interface ConnectionEvents {
  /** Connected and welcomed: the connection is ready. */
  ready: [welcome: WelcomeMessage, url: string];
  /** A ready connection was lost; a reconnect is scheduled. */
  lost: [reason: string];
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
    this.dropSocket();
    this.emit('lost', reason);
    this.scheduleRetry(true);
    return true;
  }

  heartbeat(msg: HeartbeatMessage): Promise<WorkerReply<'heartbeat'>> {
    return this.call<WorkerReply<'heartbeat'>>((s, cb) => s.emit('heartbeat', msg, cb));
  }

  pull(msg: PullMessage): Promise<WorkerReply<'pull'>> {
    return this.call<WorkerReply<'pull'>>((s, cb) => s.emit('pull', msg, cb));
  }

  /** Acknowledges the tasks of a pull reply. */
  ack(msg: AckMessage): Promise<WorkerReply<'ack'>> {
    return this.call<WorkerReply<'ack'>>((s, cb) => s.emit('ack', msg, cb));
  }

  results(msg: ResultsMessage): Promise<WorkerReply<'results'>> {
    return this.call<WorkerReply<'results'>>((s, cb) => s.emit('results', msg, cb));
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

  private call<R extends object>(
    emit: (socket: ReturnType<WorkerSocket['timeout']>, ack: (err: Error | null, reply: Ack<R>) => void) => void,
  ): Promise<R> {
    const socket = this.socket;
    if (!this.ready || socket === undefined) {
      return Promise.reject(new OasisWorkerError(WorkerClientErrorCode.CONNECT, 'not connected to an admin'));
    }
    return new Promise<R>((resolve, reject) => {
      emit(socket.timeout(this.options.ackTimeoutMs), (err, reply) => {
        if (err) return reject(err);
        if (typeof reply !== 'object' || reply === null) {
          return reject(new AdminReplyError(WorkerErrorCode.BAD_MESSAGE, 'the admin sent a reply that is not an object'));
        }
        if (reply.ok !== true) return reject(new AdminReplyError(String(reply.code), String(reply.message)));
        resolve(reply);
      });
    });
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
      timeout: Math.max(1000, this.options.ackTimeoutMs),
    });
    this.socket = socket;
    this.welcomed = false;
    const mine = (): boolean => this.socket === socket && !this.closed;

    socket.on('connect', () => {
      if (!mine()) return;
      this.welcomeTimer = setTimeout(() => {
        if (!mine() || this.welcomed) return;
        this.fail(new OasisWorkerError(WorkerClientErrorCode.CONNECT, `${url}: connected but no welcome within ${this.options.ackTimeoutMs} ms`), false);
      }, this.options.ackTimeoutMs);
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
      const wasReady = this.welcomed;
      this.dropSocket();
      if (wasReady) {
        this.emit('lost', reason);
        this.scheduleRetry(false);
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
    this.scheduleRetry(true);
  }

  private scheduleRetry(nextUrl: boolean): void {
    if (this.closed || this.retryTimer !== undefined) return;
    if (nextUrl) this.urlIndex = (this.urlIndex + 1) % this.options.urls.length;
    const delay = backoffDelay(this.failures++, this.options.reconnectMinMs, this.options.reconnectMaxMs);
    this.retryTimer = setTimeout(() => this.attempt(), delay);
  }

  private dropSocket(): void {
    clearTimeout(this.welcomeTimer);
    this.welcomeTimer = undefined;
    this.welcomed = false;
    const socket = this.socket;
    this.socket = undefined;
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
