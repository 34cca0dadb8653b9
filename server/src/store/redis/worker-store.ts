import type { Redis } from 'ioredis';
import type { WorkerInfo } from '../../domain/types.js';
import type { Keys } from '../keys.js';
import { ScriptName, type LuaReply, type ScriptRunner } from './scripts.js';

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
      })
      .persist(k.worker(w.workerId))
      .zadd(k.workers, now, w.workerId)
      .sadd(k.knownWorkers, w.workerId)
      .exec();
  }

  /** The worker went away: re-route its queued tasks. Returns moved count, or -1 if a newer connection holds it. */
  async offline(app: string, workerId: string, conn: string): Promise<number> {
    const k = this.keys.app(app);
    const r = await this.scripts.run(ScriptName.workerOffline, [k.workers, k.sharedQueue, k.worker(workerId)], [k.base, workerId, conn]);
    if (Number(r) >= 0) await this.redis.pexpire(k.worker(workerId), 24 * 3600 * 1000);
    return Number(r);
  }

  /** Retires workers silent for longer than the TTL; returns their ids. */
  async reap(app: string, now: number, ttlMs: number): Promise<string[]> {
    const k = this.keys.app(app);
    const r = (await this.scripts.run(ScriptName.reapWorkers, [k.workers, k.sharedQueue], [now, ttlMs, k.base])) as LuaReply[];
    const ids: string[] = [];
    for (let i = 0; i < r.length; i += 2) ids.push(String(r[i]));
    if (ids.length) {
      const p = this.redis.pipeline();
      for (const id of ids) p.pexpire(k.worker(id), 24 * 3600 * 1000);
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
      if (!(v as Record<string, string>)?.workerId) gone.push(ids[i] ?? '');
    });
    if (gone.length) await this.redis.srem(k.knownWorkers, ...gone);
    for (const [, v] of res) {
      const h = v as Record<string, string>;
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
