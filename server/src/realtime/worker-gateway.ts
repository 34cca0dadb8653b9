import type { Namespace, Server, Socket } from 'socket.io';
import type { z } from 'zod';
import {
  PROTOCOL_VERSION,
  WORKER_EVENTS,
  WORKER_NAMESPACE,
  WorkerErrorCode,
  WorkerRole,
  handshakeSchema,
  workerMessageSchemas,
  type AckError,
  type AdminToWorkerEvents,
  type WelcomeMessage,
  type WorkerEvent,
  type WorkerReply,
  type WorkerToAdminEvents,
} from '@oasis/worker-client/contracts';
import type { OasisConfig } from '../config/schema.js';
import type { Logger } from '../domain/logger.js';
import type { Dispatcher } from '../dispatch/dispatcher.js';
import { Effect, SHARED_QUEUE, type EffectsSubscriber } from '../events/effects-bus.js';
import type { WorkerRegistry } from '../registry/worker-registry.js';

export interface WorkerGatewayDeps {
  io: Server;
  dispatcher: Dispatcher;
  /** Where a worker's handshake registers it and its disconnect retires it. */
  registry: Pick<WorkerRegistry, 'register' | 'offline'>;
  /** Tells it whom to wake (queued, rerouted) and what to abort. */
  effects: EffectsSubscriber;
  /** True when `token` is the app's worker token (constant-time compare inside). */
  verifyToken: (app: string, token: string) => Promise<boolean>;
  config: Pick<OasisConfig, 'heartbeatMs' | 'taskLeaseMs' | 'deliveryAckMs'>;
  adminId: string;
  logger: Logger;
  /** The cluster's clock (epoch ms), sent with every heartbeat answer; default `Date.now`. */
  now?: () => number;
}

interface SocketData {
  app: string;
  workerId: string;
  /** `liveness`: the worker's heartbeat-only second connection (see {@link WorkerRole}). */
  role: WorkerRole;
  /** The cluster's clock minus the worker's (ms), from its last heartbeat that said; applied to its results' times. */
  clockOffsetMs?: number;
}

/** The `/worker` namespace and its sockets, typed by the contract's event maps. */
type WorkerNamespace = Namespace<WorkerToAdminEvents, AdminToWorkerEvents, Record<never, never>, SocketData>;
type WorkerSocket = Socket<WorkerToAdminEvents, AdminToWorkerEvents, Record<never, never>, SocketData>;

type Ack = (reply: object) => void;
/** A message of event `E` as its schema parsed it. */
type WorkerMessage<E extends WorkerEvent> = z.output<(typeof workerMessageSchemas)[E]>;

/** Socket.IO passes the ack, when the sender asked for one, as the last argument. */
function splitArgs(args: readonly unknown[]): { reply: Ack; payload: unknown[] } {
  const last = args.at(-1);
  if (typeof last !== 'function') return { reply: () => undefined, payload: [...args] };
  return { reply: last as Ack, payload: args.slice(0, -1) };
}

const badArguments = (event: string, n: number): AckError => ({
  ok: false,
  code: WorkerErrorCode.BAD_MESSAGE,
  message: `${event}: one message object expected, got ${n} arguments`,
});

const badMessage = (err: z.ZodError): AckError => ({
  ok: false,
  code: WorkerErrorCode.BAD_MESSAGE,
  message: err.issues.map((i) => `${i.path.join('.') || 'message'}: ${i.message}`).join('; '),
});

/**
 * The `/worker` Socket.IO namespace: authenticates workers by app token in the handshake,
 * registers them with the registry, validates every message with the contract's schemas and
 * hands it to the {@link Dispatcher}. A worker's second connection of role `liveness` (its SDK's
 * liveness thread) is authenticated the same way and may only heartbeat.
 * Emits `wake` (queued and rerouted effects) and `kill` (abort effects), and `drain` when this
 * admin stops. It is built on every admin: one without the `dispatch` role (OASIS_ROLES) refuses
 * every handshake (`refuseConnections` of `io-server.ts`, set up by `main.ts` before this) and
 * only emits, through the Redis adapter, to workers connected to other admins.
 */
export class WorkerGateway {
  private readonly nsp: WorkerNamespace;

  constructor(private readonly deps: WorkerGatewayDeps) {
    this.nsp = deps.io.of(WORKER_NAMESPACE);
    this.nsp.use((socket, next) => {
      this.authenticate(socket).then(
        () => next(),
        (err: Error) => next(err),
      );
    });
    this.nsp.on('connection', (socket) => void this.onConnection(socket));
    deps.effects.on(Effect.QUEUED, (e) => this.wake(e.app, e.targets));
    deps.effects.on(Effect.REROUTED, (e) => this.wake(e.app, [SHARED_QUEUE]));
    deps.effects.on(Effect.ABORT, (e) => this.kill(e.app, e.workerId, e.taskId, e.reason));
  }

  /** Tells workers that tasks wait: '' = the app's shared queue (every worker), else one worker. */
  wake(app: string, targets: Iterable<string>): void {
    for (const t of targets) {
      this.nsp.to(t === SHARED_QUEUE ? `app:${app}` : `w:${app}:${t}`).emit('wake');
    }
  }

  kill(app: string, workerId: string, taskId: string, reason: string): void {
    this.nsp.to(`w:${app}:${workerId}`).emit('kill', { taskId, reason });
  }

  /**
   * This admin is stopping: tells the workers connected here (not those of other admins) to stop
   * pulling from it, and resolves once they all left or after `graceMs`. A worker that knows
   * several admins connects to another at once; its running tasks go on and their results are
   * reported there.
   */
  async drain(graceMs: number): Promise<void> {
    this.nsp.local.emit('drain');
    const deadline = Date.now() + graceMs;
    while (this.nsp.sockets.size > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(50, Math.max(1, deadline - Date.now()))));
    }
  }

  private async authenticate(socket: WorkerSocket): Promise<void> {
    const parsed = handshakeSchema.safeParse(socket.handshake.auth);
    if (!parsed.success) throw new Error(`${WorkerErrorCode.BAD_MESSAGE}: ${badMessage(parsed.error).message}`);
    const h = parsed.data;
    if (h.protocol !== PROTOCOL_VERSION) {
      throw new Error(`${WorkerErrorCode.PROTOCOL}: admin speaks protocol ${PROTOCOL_VERSION}, worker ${h.protocol}`);
    }
    if (!(await this.deps.verifyToken(h.app, h.token))) throw new Error(WorkerErrorCode.UNAUTHORIZED);
    if (h.role === WorkerRole.LIVENESS) {
      // Heartbeats only: the worker is registered (or not) by its main connection.
      socket.data = { app: h.app, workerId: h.workerId, role: WorkerRole.LIVENESS };
      return;
    }
    await this.deps.registry.register(h.app, {
      workerId: h.workerId,
      concurrency: h.concurrency,
      handlers: h.handlers,
      host: h.meta?.host ?? null,
      pid: h.meta?.pid ?? null,
      adminId: this.deps.adminId,
      conn: socket.id,
    }, h.holding);
    socket.data = { app: h.app, workerId: h.workerId, role: WorkerRole.MAIN };
  }

  private async onConnection(socket: WorkerSocket): Promise<void> {
    const { app, workerId } = socket.data;
    const liveness = socket.data.role === WorkerRole.LIVENESS;
    const { dispatcher, logger } = this.deps;
    // Handlers take raw arguments: a worker decides how many it sends and whether the last is an
    // ack, and everything it sends is checked against the contract before use.
    const raw = socket as unknown as Socket;
    // Listeners first, before anything awaits: a message or a disconnect arriving meanwhile is
    // not missed.
    const handle = <E extends WorkerEvent>(event: E, fn: (msg: WorkerMessage<E>) => Promise<WorkerReply<E>>) => {
      const schema: z.ZodType = workerMessageSchemas[event];
      raw.on(event as string, (...args: unknown[]) => {
        const { reply, payload } = splitArgs(args);
        if (payload.length !== 1) return reply(badArguments(event, payload.length));
        const parsed = schema.safeParse(payload[0]);
        if (!parsed.success) return reply(badMessage(parsed.error));
        // The data went through event E's own schema.
        fn(parsed.data as WorkerMessage<E>).then(
          (r) => reply({ ok: true, ...r }),
          (err: unknown) => {
            logger.error({ err, app, workerId, event }, 'worker message failed');
            reply({ ok: false, code: WorkerErrorCode.INTERNAL, message: 'The admin could not handle the message; retry' });
          },
        );
      });
    };

    const now = this.deps.now ?? Date.now;
    handle('heartbeat', async (m) => {
      if (m.clockOffsetMs !== undefined) socket.data.clockOffsetMs = m.clockOffsetMs;
      const abort = await dispatcher.heartbeat(app, workerId, m);
      return { abort, now: now() };
    });
    if (liveness) return this.welcomeLiveness(socket, raw);
    handle('pull', async (m) => ({ tasks: m.max > 0 ? await dispatcher.pull(app, workerId, m.max) : [], ackMs: this.deps.config.deliveryAckMs }));
    handle('ack', async (m) => ({ acked: await dispatcher.ack(app, workerId, m) }));
    handle('log', async (m) => ({ verdict: await dispatcher.log(app, workerId, m) }));
    handle('progress', async (m) => {
      const verdict = await dispatcher.progress(app, workerId, m);
      return { stored: verdict === 'accepted', verdict };
    });
    handle('results', async (m) => ({ verdicts: await dispatcher.results(app, workerId, m.results, socket.data.clockOffsetMs) }));
    // An event nobody handles still gets an answer when it asks for one (no silent ack timeout).
    raw.onAny((event: unknown, ...args: unknown[]) => {
      if ((WORKER_EVENTS as readonly unknown[]).includes(event)) return;
      splitArgs(args).reply({
        ok: false,
        code: WorkerErrorCode.BAD_MESSAGE,
        message: `unknown event ${JSON.stringify(String(event)).slice(0, 80)}; a worker sends ${WORKER_EVENTS.join(', ')}`,
      });
    });

    socket.on('disconnect', (reason) => {
      logger.info({ app, workerId, reason }, 'worker disconnected');
      this.deps.registry.offline(app, workerId, socket.id).catch((err: unknown) => logger.warn({ err }, 'worker offline failed'));
    });

    await socket.join([`app:${app}`, `w:${app}:${workerId}`]);
    logger.info({ app, workerId }, 'worker connected');

    socket.emit('welcome', this.welcomeMessage());
  }

  /**
   * A liveness connection: its heartbeats renew the worker's leases like any other; whatever else
   * it sends is refused, it joins no wake room and its disconnect retires nothing (the worker's
   * main connection does that).
   */
  private welcomeLiveness(socket: WorkerSocket, raw: Socket): void {
    raw.onAny((event: unknown, ...args: unknown[]) => {
      if (event === 'heartbeat') return;
      splitArgs(args).reply({
        ok: false,
        code: WorkerErrorCode.BAD_MESSAGE,
        message: `a liveness connection sends heartbeat only, not ${JSON.stringify(String(event)).slice(0, 80)}`,
      });
    });
    socket.emit('welcome', this.welcomeMessage());
  }

  private welcomeMessage(): WelcomeMessage {
    return {
      adminId: this.deps.adminId,
      protocol: PROTOCOL_VERSION,
      heartbeatMs: this.deps.config.heartbeatMs,
      leaseMs: this.deps.config.taskLeaseMs,
      roles: [WorkerRole.MAIN, WorkerRole.LIVENESS],
    };
  }
}
