/**
 * A real Socket.IO server on port 0 that plays the admin's side of the worker protocol, just
 * enough for the SDK tests: checks the handshake, welcomes, hands out queued tasks on `pull`,
 * records heartbeats, logs and results, and can misbehave on purpose (drop, withhold acks).
 */
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server, type Socket } from 'socket.io';
import {
  PROTOCOL_VERSION,
  WORKER_NAMESPACE,
  WorkerErrorCode,
  TriggerType,
  type AdminToWorkerEvents,
  type HeartbeatMessage,
  type LogMessage,
  type ProgressMessage,
  type PullMessage,
  type TaskPayload,
  type TaskResult,
  type WorkerHandshake,
  type WorkerToAdminEvents,
} from '@oasis/worker-client/protocol';
import type { AckMessage } from '@oasis/worker-client/contracts';

type AdminSocket = Socket<WorkerToAdminEvents, AdminToWorkerEvents>;

/** How a {@link FakeAdmin} behaves; every field has a default. */
export interface FakeAdminOptions {
  token?: string;
  heartbeatMs?: number;
  /** Delay before answering a pull (to catch overlapping pulls). */
  pullDelayMs?: number;
  /** Misbehave: hand out this many tasks per pull whatever `max` says. */
  ignoreMaxWith?: number;
  /** Refuse every handshake with this connect_error message. */
  refuseWith?: string;
  /** Accept liveness connections (the welcome lists the `liveness` role, as a real admin's does). */
  liveness?: boolean;
}

let taskSeq = 0;

/** A task payload with sensible defaults. */
export function makeTask(handler: string, over: Partial<TaskPayload> = {}): TaskPayload {
  taskSeq++;
  return {
    id: `t-${taskSeq}`,
    jobId: 1,
    handler,
    params: '',
    scheduledAt: Date.now(),
    attempt: 1,
    triggerType: TriggerType.MANUAL,
    shard: { index: 0, total: 1 },
    timeoutMs: 0,
    ...over,
  };
}

/** The fake admin: what it received is public for assertions; {@link FakeAdmin.start} listens on port 0. */
export class FakeAdmin {
  readonly url: string;
  readonly handshakes: WorkerHandshake[] = [];
  readonly pulls: PullMessage[] = [];
  readonly heartbeats: HeartbeatMessage[] = [];
  /** Heartbeats that came over liveness connections (not in {@link heartbeats}), with their arrival time. */
  readonly livenessHeartbeats: (HeartbeatMessage & { at: number })[] = [];
  /** Frozen on purpose: nothing is answered (acks withheld), though sockets stay open. */
  silent = false;
  readonly logs: LogMessage[] = [];
  /** Every progress message received, with its arrival time. */
  readonly progress: (ProgressMessage & { at: number })[] = [];
  /** Every results batch received, acked or not. */
  readonly resultBatches: TaskResult[][] = [];
  /** Results acked as accepted, once per task id. */
  readonly accepted = new Map<string, TaskResult>();
  /** Tasks handed out on the next pulls. */
  queue: TaskPayload[] = [];
  /** Pulls answered so far. */
  pullsAnswered = 0;
  /** Most pulls seen in flight at once. */
  maxPullsInFlight = 0;
  /** Ids returned in the next heartbeat ack's `abort`. */
  abortOnHeartbeat: string[] = [];
  /** When set, called for each results batch; return false to withhold the ack. */
  onResults: ((batch: TaskResult[], socket: AdminSocket) => boolean) | undefined;
  /** When set, called for each pull before it is answered. */
  onPull: ((msg: PullMessage) => void) | undefined;
  /** Every `ack` received. */
  readonly acks: AckMessage[] = [];
  /** When set, the `ackMs` pull replies carry (the admin's acknowledgement window). */
  pullAckMs: number | undefined;
  /** When set, the ids an `ack` answers as still the worker's (default: all of them). */
  ackFilter: ((taskIds: string[]) => string[]) | undefined;
  private pullsInFlight = 0;

  private constructor(
    private readonly http: HttpServer,
    private readonly io: Server<WorkerToAdminEvents, AdminToWorkerEvents>,
    private readonly options: Required<FakeAdminOptions>,
  ) {
    this.url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    const nsp = io.of(WORKER_NAMESPACE);
    nsp.use((socket, next) => {
      const auth = socket.handshake.auth as WorkerHandshake;
      this.handshakes.push(auth);
      if (this.options.refuseWith !== '') return next(new Error(this.options.refuseWith));
      if (auth.token !== this.options.token) return next(new Error(WorkerErrorCode.UNAUTHORIZED));
      next();
    });
    nsp.on('connection', (socket) => this.onConnection(socket));
  }

  static async start(options: FakeAdminOptions = {}): Promise<FakeAdmin> {
    const http = createServer();
    const io = new Server<WorkerToAdminEvents, AdminToWorkerEvents>(http);
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    return new FakeAdmin(http, io, { token: 'secret', heartbeatMs: 5000, pullDelayMs: 0, ignoreMaxWith: 0, refuseWith: '', liveness: false, ...options });
  }

  get sockets(): AdminSocket[] {
    return [...this.io.of(WORKER_NAMESPACE).sockets.values()];
  }

  /** Every result received (including re-sent duplicates). */
  get allResults(): TaskResult[] {
    return this.resultBatches.flat();
  }

  enqueue(...tasks: TaskPayload[]): void {
    this.queue.push(...tasks);
  }

  wake(): void {
    this.io.of(WORKER_NAMESPACE).emit('wake');
  }

  kill(taskId: string, reason = 'test'): void {
    this.io.of(WORKER_NAMESPACE).emit('kill', { taskId, reason });
  }

  drain(): void {
    this.io.of(WORKER_NAMESPACE).emit('drain');
  }

  /** Server-side disconnect of every worker. */
  dropAll(): void {
    for (const s of this.sockets) s.disconnect(true);
  }

  async close(): Promise<void> {
    this.io.close();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  private onConnection(socket: AdminSocket): void {
    const roles = this.options.liveness ? { roles: ['main' as const, 'liveness' as const] } : {};
    socket.emit('welcome', { adminId: 'fake-admin', protocol: PROTOCOL_VERSION, heartbeatMs: this.options.heartbeatMs, leaseMs: 30_000, ...roles });
    if ((socket.handshake.auth as WorkerHandshake).role === 'liveness') {
      socket.on('heartbeat', (msg, ack) => {
        this.livenessHeartbeats.push({ ...msg, at: Date.now() });
        if (!this.silent) ack({ ok: true, abort: [] });
      });
      return;
    }
    socket.on('heartbeat', (msg, ack) => {
      if (this.silent) return;
      this.heartbeats.push(msg);
      const abort = this.abortOnHeartbeat;
      this.abortOnHeartbeat = [];
      ack({ ok: true, abort });
    });
    socket.on('pull', (msg, ack) => {
      if (this.silent) return;
      this.pulls.push(msg);
      this.onPull?.(msg);
      this.pullsInFlight++;
      this.maxPullsInFlight = Math.max(this.maxPullsInFlight, this.pullsInFlight);
      setTimeout(() => {
        this.pullsInFlight--;
        this.pullsAnswered++;
        const tasks = this.queue.splice(0, this.options.ignoreMaxWith || msg.max);
        ack({ ok: true, tasks, ...(this.pullAckMs === undefined ? {} : { ackMs: this.pullAckMs }) });
      }, this.options.pullDelayMs);
    });
    // Every delivered task is still the worker's here unless `ackFilter` says otherwise.
    socket.on('ack', (msg, ack) => {
      if (this.silent) return;
      this.acks.push(msg);
      ack({ ok: true, acked: this.ackFilter?.(msg.taskIds) ?? msg.taskIds });
    });
    socket.on('log', (msg, ack) => {
      this.logs.push(msg);
      ack({ ok: true, verdict: 'accepted' });
    });
    socket.on('progress', (msg, ack) => {
      this.progress.push({ ...msg, at: Date.now() });
      ack({ ok: true, stored: true, verdict: 'accepted' });
    });
    socket.on('results', (msg, ack) => {
      if (this.silent) return;
      this.resultBatches.push(msg.results);
      if (this.onResults !== undefined && !this.onResults(msg.results, socket)) return;
      const verdicts = msg.results.map((r) => {
        if (this.accepted.has(r.taskId)) return 'duplicate' as const;
        this.accepted.set(r.taskId, r);
        return 'accepted' as const;
      });
      ack({ ok: true, verdicts });
    });
  }
}

