import type { Namespace, Server, Socket } from 'socket.io';
import { z } from 'zod';
import type { Logger } from '../domain/logger.js';
import { Access, canAccessApp, isAdmin, type Principal } from '../domain/roles.js';
import { jobIdOfTask } from '../domain/ids.js';
import type { LogItem, TaskStatus, WorkerInfo } from '../domain/types.js';
import type { Services } from '../services/index.js';

/** Namespace of the dashboard's live channel. */
export const UI_NAMESPACE = '/ui';
/** The dashboard's session cookie (same as the REST API's). */
const SESSION_COOKIE = 'oasis_session';

/** One task state change as pushed to the dashboard. Times are epoch ms. */
export interface UiTaskChange {
  id: string;
  jobId: number;
  status: TaskStatus;
  workerId?: string | null;
  startedAt?: number | null;
  finishedAt?: number | null;
}

/**
 * Events the admin pushes on `/ui`:
 * - `tasks {app, changes, more}`: task state changes of an app (QUEUED: `changes` may be empty,
 *   "something was queued"; RUNNING when pulled; final states once written), batched every
 *   `flushMs`; `more` when changes were dropped past the batch cap (reload the list);
 * - `workers {app, workers}`: the app's workers when they changed (connected, slots, heartbeat);
 * - `log {taskId, seq, lines}`: live log lines of a task the socket subscribed to.
 */
export interface UiServerEvents {
  tasks: (msg: { app: string; changes: UiTaskChange[]; more: boolean }) => void;
  workers: (msg: { app: string; workers: WorkerInfo[] }) => void;
  log: (msg: { taskId: string; seq: number; lines: string[] }) => void;
}

/** Acks of the client's requests: `{ok:true}` or `{ok:false, code, message}` (codes of the REST catalogue). */
export type UiAck = { ok: true } | { ok: false; code: string; message: string };

/**
 * Requests the dashboard sends on `/ui`: `subscribe-log {taskId}` (joins the task's log room when
 * the user may read its app) and `unsubscribe-log {taskId}`.
 */
export interface UiClientEvents {
  'subscribe-log': (msg: { taskId: string }, ack: (r: UiAck) => void) => void;
  'unsubscribe-log': (msg: { taskId: string }, ack?: (r: UiAck) => void) => void;
}

export interface UiGatewayDeps {
  io: Server;
  services: Pick<Services, 'auth' | 'logs' | 'jobs' | 'workers'>;
  logger: Logger;
  /** Batch interval of `tasks` pushes (ms, default 300). */
  flushMs?: number;
  /** Interval of the worker presence check (ms, default 2000). */
  workersMs?: number;
}

const taskIdSchema = z.strictObject({ taskId: z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/) });
/** Most changes of one app per `tasks` push; past it `more` is set. */
const MAX_CHANGES = 200;
/** Most log rooms one socket may be in. */
const MAX_LOG_ROOMS = 20;
/** A watched task stays watched (log lines are published) this long after its last subscribe. */
const WATCH_TTL_MS = 30 * 60_000;

interface SocketData {
  user: Principal;
  logs: Set<string>;
}

const appRoom = (app: string) => `ui:app:${app}`;
const ALL_ROOM = 'ui:all';
const logRoom = (taskId: string) => `ui:log:${taskId}`;

function cookieValue(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return null;
      }
    }
  }
  return null;
}

/**
 * The dashboard's live channel, `/ui`: authenticated by the session cookie (same-origin only) or
 * a token in the handshake's `auth.token`. Each socket joins the rooms of the apps its user may
 * read (`ui:all` for an ADMIN), so every push respects app permissions. With several admins the
 * Redis adapter carries task and log pushes to sockets on any admin; worker presence is checked
 * by every admin for its own sockets.
 */
export class UiGateway {
  private readonly nsp: Namespace<UiClientEvents, UiServerEvents>;
  private readonly pending = new Map<string, { changes: Map<string, UiTaskChange>; more: boolean }>();
  /** Task ids some dashboard (on any admin) watches → until when. */
  private readonly watched = new Map<string, number>();
  private readonly lastWorkers = new Map<string, string>();
  private flushTimer: NodeJS.Timeout | null = null;
  private readonly workersTimer: NodeJS.Timeout;
  private polling = false;

  constructor(private readonly deps: UiGatewayDeps) {
    this.nsp = deps.io.of(UI_NAMESPACE);
    this.nsp.use((socket, next) => {
      this.authenticate(socket).then(
        () => next(),
        (err: Error) => next(err),
      );
    });
    this.nsp.on('connection', (socket) => this.onConnection(socket));
    // Another admin's dashboard watches a task: publish its lines from here too.
    this.nsp.on('ui-watch' as never, (taskId: unknown) => {
      if (typeof taskId === 'string') this.watched.set(taskId, Date.now() + WATCH_TTL_MS);
    });
    this.workersTimer = setInterval(() => void this.pollWorkers(), deps.workersMs ?? 2000);
    this.workersTimer.unref();
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

  private async authenticate(socket: Socket): Promise<void> {
    const auth = (socket.handshake.auth ?? {}) as Record<string, unknown>;
    let token = typeof auth['token'] === 'string' ? auth['token'] : null;
    if (!token) {
      token = cookieValue(socket.handshake.headers.cookie, SESSION_COOKIE);
      // A cookie only counts from the admin's own pages (no cross-site WebSocket hijacking).
      const origin = socket.handshake.headers.origin;
      const host = socket.handshake.headers.host;
      if (token && origin && host && new URL(origin).host !== host) throw new Error('OASIS_ERR_FORBIDDEN');
    }
    const user = token ? await this.deps.services.auth.authenticate(token) : null;
    if (!user) throw new Error('OASIS_ERR_UNAUTHORIZED');
    (socket.data as SocketData) = { user, logs: new Set() };
  }

  private onConnection(socket: Socket<UiClientEvents, UiServerEvents>): void {
    const data = socket.data as SocketData;
    void socket.join(isAdmin(data.user) ? [ALL_ROOM] : data.user.apps.map(appRoom));
    // Presence as it is now, then changes.
    void this.sendWorkersTo(socket);

    socket.on('subscribe-log', (raw, ack) => {
      const reply = typeof ack === 'function' ? ack : () => undefined;
      const parsed = taskIdSchema.safeParse(raw);
      if (!parsed.success) return reply({ ok: false, code: 'OASIS_ERR_VALIDATION', message: 'taskId: not a task id' });
      const { taskId } = parsed.data;
      if (data.logs.size >= MAX_LOG_ROOMS && !data.logs.has(taskId)) {
        return reply({ ok: false, code: 'OASIS_ERR_RATE_LIMITED', message: `At most ${MAX_LOG_ROOMS} logs at once` });
      }
      this.appOfTask(taskId).then(
        async (app) => {
          if (app === null) return reply({ ok: false, code: 'OASIS_ERR_NOT_FOUND', message: `No task has id "${taskId}"` });
          if (!canAccessApp(data.user, app, Access.READ)) {
            return reply({ ok: false, code: 'OASIS_ERR_FORBIDDEN', message: `You may not see the app "${app}"` });
          }
          data.logs.add(taskId);
          await socket.join(logRoom(taskId));
          this.watched.set(taskId, Date.now() + WATCH_TTL_MS);
          this.nsp.serverSideEmit('ui-watch' as never, taskId as never);
          reply({ ok: true });
        },
        (err: unknown) => {
          this.deps.logger.error({ err, taskId }, 'ui: subscribe-log failed');
          reply({ ok: false, code: 'OASIS_ERR_INTERNAL', message: 'Internal error' });
        },
      );
    });
    socket.on('unsubscribe-log', (raw, ack) => {
      const parsed = taskIdSchema.safeParse(raw);
      if (parsed.success) {
        data.logs.delete(parsed.data.taskId);
        void socket.leave(logRoom(parsed.data.taskId));
      }
      if (typeof ack === 'function') ack({ ok: true });
    });
  }

  private async appOfTask(taskId: string): Promise<string | null> {
    const { logs, jobs } = this.deps.services;
    const item = await logs.get(taskId).catch(() => null);
    if (item) return item.app;
    const jobId = jobIdOfTask(taskId);
    if (jobId === null) return null;
    return (await jobs.get(jobId).catch(() => null))?.app ?? null;
  }

  private async sendWorkersTo(socket: Socket<UiClientEvents, UiServerEvents>): Promise<void> {
    try {
      const user = (socket.data as SocketData).user;
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
