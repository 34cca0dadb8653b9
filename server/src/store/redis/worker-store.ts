import type { RedisClient } from './connection.js';
import type { WorkerInfo } from '../../domain/types.js';
import type { Keys } from '../keys.js';
import { effectsOf, type Effects } from './effects.js';
import { reapWorkers, registerWorker, workerOffline } from './generated/index.js';
import { F, type HashOf, type WorkerField } from './schema.js';
import { leadingArgs, type ScriptRunner } from './scripts.js';

/** A retired worker's facts hash is kept this long (the dashboard lists recently gone workers). */
const GONE_WORKER_TTL_MS = 24 * 3600 * 1000;

export interface WorkerRegistration {
  workerId: string;
  concurrency: number;
  handlers: string[];
  host: string | null;
  pid: number | null;
  adminId: string;
  /** Id of the connection; a later `offline` from an older connection is ignored. */
  conn: string;
}

/** Settings a registration, a disconnect and a reap go by (the admin's config). */
export interface PresenceSettings {
  /** OASIS_WORKER_TTL_MS: workers silent longer are retired (and not routed to). */
  workerTtlMs: number;
  /** OASIS_NO_WORKER_GRACE_MS: how long a task with no live worker waits for one (recorded for the app's routing). */
  noWorkerGraceMs: number;
  /** OASIS_TASK_LEASE_MS, for a delivered task a registration acknowledges. */
  taskLeaseMs: number;
  /** OASIS_TIMEOUT_GRACE_MS, for the same. */
  timeoutGraceMs: number;
}

/** What a registration that lists the tasks the worker holds released, or a reap. */
export interface Released {
  /** Tasks ended LOST (retried per policy). */
  lost: string[];
  /** Delivered tasks never acknowledged, put back in a queue. */
  requeued: number;
  effects: Effects;
}

/**
 * The settings of a {@link WorkerStore.register} given none (a test that only needs a live
 * worker): the defaults, and the app's recorded no-worker grace is left as it is.
 */
const DEFAULT_PRESENCE: Omit<PresenceSettings, 'noWorkerGraceMs'> & { noWorkerGraceMs: number | null } = { workerTtlMs: 15_000, noWorkerGraceMs: null, taskLeaseMs: 30_000, timeoutGraceMs: 5000 };

/** A worker as stored (the app is the caller's). */
export type StoredWorker = Omit<WorkerInfo, 'app'>;

/** Worker presence in Redis: who is live, with what capacity. */
export class WorkerStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly scripts: ScriptRunner,
    private readonly keys: Keys,
  ) {}

  /**
   * Registers a worker (see `lua/register-worker.lua`): live and routed to from `now`, no longer
   * disconnected; tasks waiting for a worker stop waiting. With `holding` (the ids the worker
   * says it holds), the tasks it had here and no longer holds are released: running ones LOST,
   * delivered ones back to a queue.
   */
  async register(app: string, w: WorkerRegistration, now: number, holding?: readonly string[], settings: PresenceSettings | typeof DEFAULT_PRESENCE = DEFAULT_PRESENCE): Promise<Released> {
    const k = this.keys.app(app);
    const r = await this.scripts.call(registerWorker, { worker: k.worker(w.workerId) }, {
      ...leadingArgs(k.base, now, settings.workerTtlMs, true),
      workerId: w.workerId,
      concurrency: w.concurrency,
      handlers: JSON.stringify(w.handlers),
      host: w.host ?? '',
      pid: w.pid ?? '',
      adminId: w.adminId,
      conn: w.conn,
      noWorkerGrace: settings.noWorkerGraceMs ?? '',
      lease: settings.taskLeaseMs,
      timeoutGrace: settings.timeoutGraceMs,
      listed: holding === undefined ? '' : '1',
      holding: holding === undefined ? [] : [...holding],
    });
    return { lost: r.lost.map(String), requeued: r.requeued, effects: effectsOf(r) };
  }

  /**
   * The worker's connection `conn` closed: it is marked disconnected (not routed to, not retired)
   * and its queued tasks move to the shared queue. Returns the moved count, or -1 when a newer
   * connection holds the worker (nothing changed).
   */
  async offline(app: string, workerId: string, conn: string, now: number, settings: Pick<PresenceSettings, 'workerTtlMs' | 'noWorkerGraceMs'>): Promise<number> {
    const k = this.keys.app(app);
    const r = await this.scripts.call(
      workerOffline,
      { workers: k.workers, sharedQueue: k.sharedQueue, worker: k.worker(workerId) },
      { ...leadingArgs(k.base, now, settings.workerTtlMs), workerId, conn, noWorkerGrace: settings.noWorkerGraceMs },
    );
    return r.code === 'SUPERSEDED' ? -1 : r.moved;
  }

  /**
   * Retires the workers gone for good (`lua/include/offline.lua`: silent past the TTL, or
   * disconnected and silent past `reconnectGraceMs`): their running tasks end LOST, their
   * delivered ones go back to a queue, their queued ones to the shared queue.
   */
  async reap(app: string, now: number, ttlMs: number, reconnectGraceMs: number): Promise<Released & { retired: string[] }> {
    const k = this.keys.app(app);
    const r = await this.scripts.call(reapWorkers, { workers: k.workers }, { ...leadingArgs(k.base, now, ttlMs, true), reconnectGrace: reconnectGraceMs });
    const ids = r.retired.map(String);
    if (ids.length) {
      const p = this.redis.pipeline();
      for (const id of ids) p.pexpire(k.worker(id), GONE_WORKER_TTL_MS);
      await p.exec();
    }
    return { retired: ids, lost: r.lost.map(String), requeued: r.requeued, effects: effectsOf(r) };
  }

  /** Every worker of the app seen in the last day, live ones first. */
  async list(app: string, now: number, ttlMs: number): Promise<StoredWorker[]> {
    const k = this.keys.app(app);
    const ids = await this.redis.smembers(k.knownWorkers);
    if (ids.length === 0) return [];
    const p = this.redis.pipeline();
    for (const id of ids) p.hgetall(k.worker(id));
    const res = (await p.exec()) ?? [];
    const out: StoredWorker[] = [];
    const gone: string[] = [];
    res.forEach(([, v], i) => {
      if (!(v as HashOf<WorkerField>)?.[F.worker.workerId]) gone.push(ids[i] ?? '');
    });
    if (gone.length) await this.redis.srem(k.knownWorkers, ...gone);
    for (const [, v] of res) {
      const h = v as HashOf<WorkerField>;
      if (!h?.workerId) continue;
      const last = Number(h.lastHeartbeat ?? 0);
      out.push({
        workerId: h.workerId,
        online: h.online === '1' && !h.disconnectedAt && now - last <= ttlMs,
        concurrency: Number(h.concurrency ?? 0),
        running: Number(h.running ?? 0),
        free: Number(h.free ?? 0),
        handlers: JSON.parse(h.handlers ?? '[]') as string[],
        lastHeartbeat: last,
        connectedAt: Number(h.connectedAt ?? 0),
        host: h.host || null,
        pid: h.pid ? Number(h.pid) : null,
        clockOffsetMs: h.clockOffset ? Number(h.clockOffset) : null,
      });
    }
    return out.sort((a, b) => Number(b.online) - Number(a.online) || a.workerId.localeCompare(b.workerId));
  }
}
