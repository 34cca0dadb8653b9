import type { Redis } from 'ioredis';
import type { WorkerInfo } from '../../domain/types.js';
import type { Keys } from '../keys.js';
import { reapWorkers, workerOffline } from './generated/index.js';
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

/** A worker as stored (the app is the caller's). */
export type StoredWorker = Omit<WorkerInfo, 'app'>;

/** Worker presence in Redis: who is live, with what capacity. */
export class WorkerStore {
  constructor(
    private readonly redis: Redis,
    private readonly scripts: ScriptRunner,
    private readonly keys: Keys,
  ) {}

  async register(app: string, w: WorkerRegistration, now: number): Promise<void> {
    const k = this.keys.app(app);
    const running = await this.redis.scard(k.workerRunning(w.workerId));
    await this.redis
      .multi()
      .hset(k.worker(w.workerId), {
        workerId: w.workerId,
        concurrency: w.concurrency,
        handlers: JSON.stringify(w.handlers),
        host: w.host ?? '',
        pid: w.pid ?? '',
        adminId: w.adminId,
        conn: w.conn,
        online: '1',
        connectedAt: now,
        lastHeartbeat: now,
        running,
        free: Math.max(0, w.concurrency - running),
      } satisfies Record<WorkerField, string | number>)
      .persist(k.worker(w.workerId))
      .zadd(k.workers, now, w.workerId)
      .sadd(k.knownWorkers, w.workerId)
      .exec();
  }

  /**
   * The worker went away: re-route its queued tasks. Returns the moved count, or -1 when a newer
   * connection holds the worker (nothing changed).
   */
  async offline(app: string, workerId: string, conn: string, now = Date.now()): Promise<number> {
    const k = this.keys.app(app);
    const r = await this.scripts.call(
      workerOffline,
      { workers: k.workers, sharedQueue: k.sharedQueue, worker: k.worker(workerId) },
      { ...leadingArgs(k.base, now), workerId, conn },
    );
    if (r.code === 'SUPERSEDED') return -1;
    await this.redis.pexpire(k.worker(workerId), GONE_WORKER_TTL_MS);
    return r.moved;
  }

  /** Retires workers silent for longer than the TTL; returns their ids. */
  async reap(app: string, now: number, ttlMs: number): Promise<string[]> {
    const k = this.keys.app(app);
    const r = await this.scripts.call(reapWorkers, { workers: k.workers, sharedQueue: k.sharedQueue }, leadingArgs(k.base, now, ttlMs));
    const ids = r.retired.map(String);
    if (ids.length) {
      const p = this.redis.pipeline();
      for (const id of ids) p.pexpire(k.worker(id), GONE_WORKER_TTL_MS);
      await p.exec();
    }
    return ids;
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
        online: h.online === '1' && now - last <= ttlMs,
        concurrency: Number(h.concurrency ?? 0),
        running: Number(h.running ?? 0),
        free: Number(h.free ?? 0),
        handlers: JSON.parse(h.handlers ?? '[]') as string[],
        lastHeartbeat: last,
        connectedAt: Number(h.connectedAt ?? 0),
        host: h.host || null,
        pid: h.pid ? Number(h.pid) : null,
      });
    }
    return out.sort((a, b) => Number(b.online) - Number(a.online) || a.workerId.localeCompare(b.workerId));
  }
}
