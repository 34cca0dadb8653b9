import type { Namespace, Server, Socket } from 'socket.io';
import {
  UI_NAMESPACE,
  UiClientEvent,
  taskRefSchema,
  type UiAck,
  type UiClientEvents,
  type UiServerEvents,
  type UiTaskChange,
} from '@oasis/worker-client/contracts';
import type { ErrorCode } from '../domain/errors.js';
import { Effect, type EffectsSubscriber } from '../events/effects-bus.js';
import type { Logger } from '../domain/logger.js';
import type { AccessChange } from '../domain/ports.js';
import { Access, canAccessApp, isAdmin, type Principal } from '../domain/roles.js';
import { jobIdOfTask } from '../domain/ids.js';
import type { LogItem, WorkerInfo } from '../domain/types.js';
import { sessionIdOf } from '../services/auth-service.js';
import type { Services } from '../services/index.js';
import { shedWhenBehind } from './send-buffer.js';
import { handshakeToken } from './ui-handshake.js';

export interface UiGatewayDeps {
  io: Server;
  services: Pick<Services, 'auth' | 'logs' | 'jobs' | 'workers'>;
  /** Tells it what changed: tasks queued, pulled and written, log lines stored, access changed. */
  effects: EffectsSubscriber;
  logger: Logger;
  /** Batch interval of `tasks` pushes (ms, default 300). */
  flushMs?: number;
  /** Interval of the worker presence check (ms, default 2000). */
  workersMs?: number;
  /**
   * Every this often each socket's session is checked again (ms, default 30000): a socket whose
   * session ended or whose user's rights changed is disconnected even if no event told so (one
   * lost on the way, a session that expired).
   */
  recheckMs?: number;
  /**
   * A socket with more than this many bytes waiting to be written (a dashboard that stopped
   * reading) is disconnected rather than buffered for (`send-buffer.ts`); default 1 MiB
   * (OASIS_UI_MAX_BUFFER_BYTES).
   */
  maxBufferBytes?: number;
}

/** Default of {@link UiGatewayDeps.maxBufferBytes}, as OASIS_UI_MAX_BUFFER_BYTES's. */
const MAX_BUFFER_BYTES = 1024 * 1024;
/** Most changes of one app per `tasks` push; past it `more` is set. */
const MAX_CHANGES = 200;
/** Most log rooms one socket may be in. */
const MAX_LOG_ROOMS = 20;
/** A watched task stays watched (log lines are published) this long after its last subscribe. */
const WATCH_TTL_MS = 30 * 60_000;
/** Most `subscribe-log` checks of one socket in flight at once (each reads the session and the user). */
const MAX_PENDING = 8;
const KNOWN_EVENTS: ReadonlySet<string> = new Set(Object.values(UiClientEvent));

interface SocketData {
  /** The user as of the handshake: the rooms the socket is in follow from it (a change ends the socket). */
  user: Principal;
  /** The session's id (SHA-256 of the token): enough to check it again, useless to sign in with. */
  session: string;
  logs: Set<string>;
  /** `subscribe-log` checks in flight. */
  pending: number;
}

/** What admins tell each other on `/ui` (through the Redis adapter): a task some dashboard watches. */
interface UiPeerEvents {
  'ui-watch': (taskId: string) => void;
}

/** The `/ui` namespace and its sockets, typed by the contract's event maps. */
type UiNamespace = Namespace<UiClientEvents, UiServerEvents, UiPeerEvents, SocketData>;
type UiSocket = Socket<UiClientEvents, UiServerEvents, UiPeerEvents, SocketData>;

const appRoom = (app: string) => `ui:app:${app}`;
const ALL_ROOM = 'ui:all';
const logRoom = (taskId: string) => `ui:log:${taskId}`;
/** Every socket of a user, on any admin (role, apps, password or deletion ends them). */
const userRoom = (userId: number) => `ui:user:${userId}`;
/** Every socket of one session, on any admin (sign-out ends them). */
const sessionRoom = (sessionId: string) => `ui:session:${sessionId}`;

const refusal = (code: ErrorCode, message: string): UiAck => ({ ok: false, code, message });
/** True when two views of a user grant the same `/ui` rooms and reads. */
const sameRights = (a: Principal, b: Principal): boolean =>
  a.role === b.role && a.apps.length === b.apps.length && [...a.apps].sort().join('\n') === [...b.apps].sort().join('\n');
/** Splits a client message into its payloads and its ack (socket.io passes the ack last, when asked). */
function payloadAndAck(args: unknown[]): { payloads: unknown[]; ack: ((r: UiAck) => void) | null } {
  const last = args.at(-1);
  return typeof last === 'function' ? { payloads: args.slice(0, -1), ack: last as (r: UiAck) => void } : { payloads: args, ack: null };
}

/**
 * The dashboard's live channel, `/ui`: authenticated by the session cookie (same-origin only) or
 * a token in the handshake's `auth.token`. Each socket joins the rooms of the apps its user may
 * read (`ui:all` for an ADMIN), so every push respects app permissions. With several admins the
 * Redis adapter carries task and log pushes to sockets on any admin; worker presence is checked
 * by every admin for its own sockets.
 *
 * Rights do not outlive a change: each socket is also in a room of its user and of its session,
 * and {@link accessChanged} disconnects those rooms on every admin (through the adapter);
 * `subscribe-log` checks the session again before joining a log room, and every `recheckMs`
 * each admin checks its own sockets, so a lost event or an expired session ends them too.
 *
 * A socket that falls behind by more than `maxBufferBytes` is shed (its connection ended, one
 * warning logged): the dashboard reconnects and reads what it missed over REST.
 */
export class UiGateway {
  private readonly nsp: UiNamespace;
  private readonly pending = new Map<string, { changes: Map<string, UiTaskChange>; more: boolean }>();
  /** Task ids some dashboard (on any admin) watches → until when. */
  private readonly watched = new Map<string, number>();
  private readonly lastWorkers = new Map<string, string>();
  private flushTimer: NodeJS.Timeout | null = null;
  private readonly workersTimer: NodeJS.Timeout;
  private readonly recheckTimer: NodeJS.Timeout;
  private polling = false;
  private rechecking = false;

  constructor(private readonly deps: UiGatewayDeps) {
    this.nsp = deps.io.of(UI_NAMESPACE);
    this.nsp.use((socket, next) => {
      this.authenticate(socket).then(
        (code) => next(code ? new Error(code) : undefined),
        (err: unknown) => {
          // The session store or the database failed: say so, without its details.
          deps.logger.warn({ err }, 'ui: handshake check failed');
          next(new Error('OASIS_ERR_UNAVAILABLE'));
        },
      );
    });
    this.nsp.on('connection', (socket) => this.onConnection(socket));
    // Another admin's dashboard watches a task: publish its lines from here too.
    this.nsp.on('ui-watch', (taskId: unknown) => {
      if (typeof taskId === 'string') this.watched.set(taskId, Date.now() + WATCH_TTL_MS);
    });
    this.workersTimer = setInterval(() => void this.pollWorkers(), deps.workersMs ?? 2000);
    this.workersTimer.unref();
    this.recheckTimer = setInterval(() => void this.recheckAll(), deps.recheckMs ?? 30_000);
    this.recheckTimer.unref();
    deps.effects.on(Effect.QUEUED, (e) => this.queued(e.app));
    deps.effects.on(Effect.PULLED, (e) => this.pulled(e.app, e.workerId, e.tasks));
    deps.effects.on(Effect.WRITTEN, (e) => this.written(e.app, e.records));
    deps.effects.on(Effect.LOGGED, (e) => this.log(e.app, e.msg));
    deps.effects.on(Effect.ACCESS_CHANGED, (change) => this.accessChanged(change));
  }

  /**
   * A user's rights or sessions changed: their sockets (or the session's) end on every admin;
   * the dashboard connects again with what the user has now. Never throws.
   */
  accessChanged(change: AccessChange): void {
    const room = change.reason === 'signed-out' ? sessionRoom(change.sessionId) : userRoom(change.userId);
    try {
      this.nsp.in(room).disconnectSockets(true);
    } catch (err) {
      this.deps.logger.warn({ err, reason: change.reason }, 'ui: disconnecting sockets failed');
    }
  }

  /** Tasks of `app` were queued (the scheduler or a trigger). */
  queued(app: string): void {
    this.bucket(app);
  }

  /** A task changed state (pulled → RUNNING, or a final record written). */
  taskChanged(app: string, change: UiTaskChange): void {
    const b = this.bucket(app);
    if (b.changes.size >= MAX_CHANGES && !b.changes.has(change.id)) b.more = true;
    else b.changes.set(change.id, change);
  }

  /** A worker pulled tasks: they run now. */
  pulled(app: string, workerId: string, tasks: readonly { id: string; jobId: number }[]): void {
    const startedAt = Date.now();
    for (const t of tasks) this.taskChanged(app, { id: t.id, jobId: t.jobId, status: 'RUNNING', workerId, startedAt, finishedAt: null });
  }

  /** Final records reached the database. */
  written(app: string, records: readonly Pick<LogItem, 'id' | 'jobId' | 'status' | 'workerId' | 'startedAt' | 'finishedAt'>[]): void {
    for (const r of records) {
      this.taskChanged(app, { id: r.id, jobId: r.jobId, status: r.status, workerId: r.workerId, startedAt: r.startedAt, finishedAt: r.finishedAt });
    }
  }

  /** A batch of live log lines arrived: pushed to the task's room when someone watches it. */
  log(_app: string, msg: { taskId: string; seq: number; lines: string[] }): void {
    const until = this.watched.get(msg.taskId);
    if (until === undefined) return;
    if (until < Date.now()) {
      this.watched.delete(msg.taskId);
      return;
    }
    this.nsp.to(logRoom(msg.taskId)).emit('log', { taskId: msg.taskId, seq: msg.seq, lines: msg.lines });
  }

  /** Stops the timers (the Socket.IO server is closed by its owner). */
  close(): void {
    clearInterval(this.workersTimer);
    clearInterval(this.recheckTimer);
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
  }

  private bucket(app: string) {
    let b = this.pending.get(app);
    if (!b) {
      b = { changes: new Map(), more: false };
      this.pending.set(app, b);
    }
    this.flushTimer ??= setTimeout(() => this.flush(), this.deps.flushMs ?? 300);
    return b;
  }

  private flush(): void {
    this.flushTimer = null;
    const batches = [...this.pending];
    this.pending.clear();
    for (const [app, b] of batches) {
      this.nsp.to([ALL_ROOM, appRoom(app)]).emit('tasks', { app, changes: [...b.changes.values()], more: b.more });
    }
  }

  /** Checks a handshake; resolves with the refusal's code, or null when the socket may connect. */
  private async authenticate(socket: UiSocket): Promise<ErrorCode | null> {
    const found = handshakeToken({ auth: socket.handshake.auth, headers: socket.handshake.headers });
    if (!found.ok) return found.code;
    const session = sessionIdOf(found.token);
    const user = session ? await this.deps.services.auth.authenticateSession(session) : null;
    if (!session || !user) return 'OASIS_ERR_UNAUTHORIZED';
    const data: SocketData = { user, session, logs: new Set(), pending: 0 };
    socket.data = data;
    return null;
  }

  private onConnection(socket: UiSocket): void {
    const data = socket.data;
    const rooms = isAdmin(data.user) ? [ALL_ROOM] : data.user.apps.map(appRoom);
    void socket.join([...rooms, userRoom(data.user.id), sessionRoom(data.session)]);
    const maxBytes = this.deps.maxBufferBytes ?? MAX_BUFFER_BYTES;
    const unwatch = shedWhenBehind(socket, maxBytes, (backlog) => {
      this.deps.logger.warn({ userId: data.user.id, username: data.user.username, ...backlog, maxBytes }, 'ui: slow consumer disconnected (send buffer over OASIS_UI_MAX_BUFFER_BYTES)');
    });
    socket.once('disconnect', unwatch);
    // Presence as it is now, then changes.
    void this.sendWorkersTo(socket);

    // Handlers take raw arguments: a client decides how many it sends and whether the last is an ack.
    const on = (event: string, fn: (...args: unknown[]) => void) => (socket as unknown as Socket).on(event, fn);
    on(UiClientEvent.SUBSCRIBE_LOG, (...args) => {
      const { payloads, ack } = payloadAndAck(args);
      const reply = ack ?? (() => undefined);
      const parsed = payloads.length === 1 ? taskRefSchema.safeParse(payloads[0]) : null;
      if (!parsed?.success) return reply(refusal('OASIS_ERR_VALIDATION', 'Send one {taskId} (a task id)'));
      const { taskId } = parsed.data;
      if (data.logs.size >= MAX_LOG_ROOMS && !data.logs.has(taskId)) {
        return reply(refusal('OASIS_ERR_RATE_LIMITED', `At most ${MAX_LOG_ROOMS} logs at once`));
      }
      if (data.pending >= MAX_PENDING) return reply(refusal('OASIS_ERR_RATE_LIMITED', 'Too many subscriptions at once; wait for their answers'));
      data.pending++;
      this.subscribe(socket, data, taskId).then(
        ({ ack: answer, end }) => {
          reply(answer);
          // After the answer, so the client reads why (packets leave in order).
          if (end) socket.disconnect(true);
        },
        (err: unknown) => {
          this.deps.logger.warn({ err, taskId }, 'ui: subscribe-log failed');
          reply(refusal('OASIS_ERR_UNAVAILABLE', 'The admin could not check this now; retry'));
        },
      ).finally(() => data.pending--);
    });
    on(UiClientEvent.UNSUBSCRIBE_LOG, (...args) => {
      const { payloads, ack } = payloadAndAck(args);
      const parsed = payloads.length === 1 ? taskRefSchema.safeParse(payloads[0]) : null;
      if (!parsed?.success) return ack?.(refusal('OASIS_ERR_VALIDATION', 'Send one {taskId} (a task id)'));
      data.logs.delete(parsed.data.taskId);
      void socket.leave(logRoom(parsed.data.taskId));
      ack?.({ ok: true });
    });
    // Anything else asked with an ack gets a clear no, rather than a client left waiting.
    socket.onAny((event: unknown, ...args: unknown[]) => {
      if (typeof event === 'string' && KNOWN_EVENTS.has(event)) return;
      payloadAndAck(args).ack?.(refusal('OASIS_ERR_VALIDATION', 'Unknown event; send subscribe-log or unsubscribe-log'));
    });
  }

  /**
   * `subscribe-log` after the checks of its message: the session must still be live and its user
   * (as now) may read the task's app. A socket whose user's rights changed since it joined its
   * rooms is disconnected after the answer: its rooms are stale, the dashboard reconnects.
   */
  private async subscribe(socket: UiSocket, data: SocketData, taskId: string): Promise<{ ack: UiAck; end: boolean }> {
    const user = await this.deps.services.auth.authenticateSession(data.session);
    if (!user) return { ack: refusal('OASIS_ERR_UNAUTHORIZED', 'The session has ended; sign in again'), end: true };
    const end = !sameRights(user, data.user);
    const app = await this.appOfTask(taskId);
    if (app === null) return { ack: refusal('OASIS_ERR_NOT_FOUND', `No task has id "${taskId}"`), end };
    // A task of an app the user may not read does not exist for them: the same answer as an unknown id.
    if (!canAccessApp(user, app, Access.READ)) return { ack: refusal('OASIS_ERR_NOT_FOUND', `No task has id "${taskId}"`), end };
    // Readable, but the socket's rooms are from older rights: it must reconnect first.
    if (end) return { ack: refusal('OASIS_ERR_UNAUTHORIZED', 'Your rights changed; connect again'), end };
    data.logs.add(taskId);
    await socket.join(logRoom(taskId));
    this.watched.set(taskId, Date.now() + WATCH_TTL_MS);
    this.nsp.serverSideEmit('ui-watch', taskId);
    return { ack: { ok: true }, end: false };
  }

  /** Every `recheckMs`: this admin's sockets whose session ended or whose user's rights changed are disconnected. */
  private async recheckAll(): Promise<void> {
    if (this.rechecking || this.nsp.sockets.size === 0) return;
    this.rechecking = true;
    try {
      // One at a time: a few reads per socket, spread out rather than a burst on the database.
      for (const socket of [...this.nsp.sockets.values()]) {
        const data = socket.data as Partial<SocketData>;
        if (!socket.connected || !data.session || !data.user) continue;
        const user = await this.deps.services.auth.authenticateSession(data.session);
        if (!user || !sameRights(user, data.user)) socket.disconnect(true);
      }
    } catch (err) {
      // A store outage ends nobody's socket; the next round checks again.
      this.deps.logger.warn({ err }, 'ui: session re-check failed');
    } finally {
      this.rechecking = false;
    }
  }

  private async appOfTask(taskId: string): Promise<string | null> {
    const { logs, jobs } = this.deps.services;
    const item = await logs.get(taskId).catch(() => null);
    if (item) return item.app;
    const jobId = jobIdOfTask(taskId);
    if (jobId === null) return null;
    return (await jobs.get(jobId).catch(() => null))?.app ?? null;
  }

  private async sendWorkersTo(socket: UiSocket): Promise<void> {
    try {
      const user = socket.data.user;
      const byApp = group(await this.deps.services.workers.list());
      const apps = isAdmin(user) ? [...byApp.keys()] : user.apps;
      for (const app of apps) socket.emit('workers', { app, workers: byApp.get(app) ?? [] });
    } catch (err) {
      this.deps.logger.warn({ err }, 'ui: workers list failed');
    }
  }

  /** Every few seconds, when this admin has dashboard sockets: push the apps whose workers changed. */
  private async pollWorkers(): Promise<void> {
    if (this.polling || this.nsp.sockets.size === 0) return;
    this.polling = true;
    try {
      const byApp = group(await this.deps.services.workers.list());
      const apps = new Set([...byApp.keys(), ...this.lastWorkers.keys()]);
      for (const app of apps) {
        const workers = byApp.get(app) ?? [];
        const text = JSON.stringify(workers);
        if (this.lastWorkers.get(app) === text) continue;
        if (workers.length) this.lastWorkers.set(app, text);
        else this.lastWorkers.delete(app);
        this.nsp.local.to([ALL_ROOM, appRoom(app)]).emit('workers', { app, workers });
      }
      const now = Date.now();
      for (const [taskId, until] of this.watched) if (until < now) this.watched.delete(taskId);
    } catch (err) {
      this.deps.logger.warn({ err }, 'ui: workers poll failed');
    } finally {
      this.polling = false;
    }
  }
}

function group(workers: readonly WorkerInfo[]): Map<string, WorkerInfo[]> {
  const out = new Map<string, WorkerInfo[]>();
  for (const w of workers) {
    const list = out.get(w.app) ?? [];
    list.push(w);
    out.set(w.app, list);
  }
  return out;
}
