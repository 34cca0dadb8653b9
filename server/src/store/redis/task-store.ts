import type { Redis } from 'ioredis';
import type { TaskPayload, TaskResult, TriggerType } from '@oasis/worker-client/protocol';
import type { Keys } from '../keys.js';
import { ScriptName, type LuaReply, type ScriptRunner } from './scripts.js';

/** A queued or running task as stored in its hash. */
export interface InflightTask {
  id: string;
  jobId: number;
  handler: string;
  params: string;
  scheduledAt: number;
  attempt: number;
  triggerType: TriggerType;
  shardIndex: number;
  shardTotal: number;
  timeoutMs: number;
  status: 'QUEUED' | 'RUNNING';
  workerId: string | null;
  createdAt: number;
  startedAt: number | null;
  /** Latest progress (0..100) the worker reported, null when none. */
  progress: number | null;
}

export const ResultCode = { REJECTED: -1, DUPLICATE: 0, ACCEPTED: 1 } as const;

function toInflight(h: Record<string, string>): InflightTask {
  return {
    id: h.id ?? '',
    jobId: Number(h.jobId),
    handler: h.handler ?? '',
    params: h.params ?? '',
    scheduledAt: Number(h.scheduledAt),
    attempt: Number(h.attempt ?? 1),
    triggerType: (h.trigger ?? 'MANUAL') as TriggerType,
    shardIndex: Number(h.shardIndex ?? 0),
    shardTotal: Number(h.shardTotal ?? 1),
    timeoutMs: Number(h.timeoutMs ?? 0),
    status: h.status === 'RUNNING' ? 'RUNNING' : 'QUEUED',
    workerId: h.worker || h.target || null,
    createdAt: Number(h.createdAt ?? 0),
    startedAt: h.startedAt ? Number(h.startedAt) : null,
    progress: h.progress ? Number(h.progress) : null,
  };
}

/** Task side of Redis: queues, leases, results, live logs. */
export class TaskStore {
  constructor(
    private readonly redis: Redis,
    private readonly scripts: ScriptRunner,
    private readonly keys: Keys,
  ) {}

  /** Creates one task outside the schedule; returns the target worker ("" = shared) or null when the job has no hot copy. */
  async enqueue(
    app: string,
    t: { jobId: number; taskId: string; triggerType: string; scheduledAt: number; attempt: number; params?: string },
    now: number,
    workerTtlMs: number,
  ): Promise<string | null> {
    const k = this.keys.app(app);
    const r = await this.scripts.run(
      ScriptName.enqueueTask,
      [k.sharedQueue, k.workers, k.inflight],
      [now, k.base, workerTtlMs, t.jobId, t.taskId, t.triggerType, t.scheduledAt, t.attempt, t.params === undefined ? '0' : '1', t.params ?? ''],
    );
    return r === -1 ? null : String(r ?? '');
  }

  /** Hands up to `max` tasks to a worker; null when the worker is not registered. */
  async pull(app: string, workerId: string, max: number, now: number, leaseMs: number): Promise<TaskPayload[] | null> {
    const k = this.keys.app(app);
    const r = await this.scripts.run(
      ScriptName.pullTasks,
      [k.workerQueue(workerId), k.sharedQueue, k.running, k.workerRunning(workerId), k.worker(workerId)],
      [workerId, max, now, leaseMs, k.base],
    );
    if (r === -1) return null;
    const rows = JSON.parse(String(r)) as (string | false)[][];
    return rows.map((t) => ({
      id: String(t[0]),
      jobId: Number(t[1]),
      handler: String(t[2] || ''),
      params: String(t[3] || ''),
      scheduledAt: Number(t[4]),
      attempt: Number(t[5] || 1),
      triggerType: String(t[6] || 'MANUAL') as TriggerType,
      shard: { index: Number(t[7] || 0), total: Number(t[8] || 1) },
      timeoutMs: Number(t[9] || 0),
    }));
  }

  /** Records results of one worker; one {@link ResultCode} per result. */
  async complete(app: string, workerId: string, results: TaskResult[]): Promise<number[]> {
    const k = this.keys.app(app);
    const args: (string | number)[] = [k.base, workerId, results.length];
    for (const r of results) {
      args.push(r.taskId, r.attempt, r.status, r.output ?? '', r.error ?? '', r.startedAt, r.finishedAt);
    }
    const out = (await this.scripts.run(ScriptName.completeTasks, [k.running, k.finals, k.inflight], args)) as LuaReply[];
    return out.map(Number);
  }

  /** Heartbeat: renews the leases of the tasks the worker runs; returns ids to abort, or null when unregistered. */
  async renew(app: string, workerId: string, now: number, leaseMs: number, free: number, running: string[]) {
    const k = this.keys.app(app);
    const r = await this.scripts.run(
      ScriptName.renewLeases,
      [k.running, k.workerRunning(workerId), k.workers, k.worker(workerId)],
      [workerId, now, leaseMs, free, ...running],
    );
    if (r === -1) return null;
    return (r as LuaReply[]).map(String);
  }

  /** Marks tasks whose lease ran out as LOST; returns their ids. */
  async reapExpired(app: string, now: number, limit = 500): Promise<string[]> {
    const k = this.keys.app(app);
    const r = (await this.scripts.run(ScriptName.reapExpired, [k.running, k.finals, k.inflight], [now, k.base, limit])) as LuaReply[];
    return r.map(String);
  }

  /**
   * Appends live log lines of an in-flight task, keeping at most `cap` lines (one note line marks
   * the cap). Returns the lines stored, or -1 when the task is not in flight (lines dropped).
   */
  async appendLog(app: string, taskId: string, lines: string[], cap: number): Promise<number> {
    if (lines.length === 0) return 0;
    const k = this.keys.app(app);
    const r = await this.scripts.run(ScriptName.appendLog, [k.log(taskId), k.task(taskId)], [cap, 7 * 24 * 3600 * 1000, ...lines]);
    return Number(r);
  }

  /**
   * Stores a running task's progress (0..100) if `workerId` still holds it; false otherwise
   * (the task ended or is another worker's): nothing changes.
   */
  async setProgress(app: string, workerId: string, taskId: string, value: number): Promise<boolean> {
    const r = await this.scripts.run(ScriptName.setProgress, [this.keys.app(app).task(taskId)], [workerId, value]);
    return r === 1;
  }

  /** Live log lines from index `from`, or null when the task has no live log. */
  async readLog(app: string, taskId: string, from: number): Promise<string[]> {
    return this.redis.lrange(this.keys.app(app).log(taskId), from, -1);
  }

  async get(app: string, taskId: string): Promise<InflightTask | null> {
    const h = await this.redis.hgetall(this.keys.app(app).task(taskId));
    return h.id ? toInflight(h) : null;
  }

  /** Queued and running tasks of an app (optionally one job), newest scheduled first. */
  async inflight(app: string, jobId?: number, limit = 1000): Promise<InflightTask[]> {
    const k = this.keys.app(app);
    const ids =
      jobId === undefined
        ? await this.redis.zrevrange(k.inflight, 0, limit - 1)
        : (await this.redis.smembers(k.active(jobId))).slice(0, limit);
    if (ids.length === 0) return [];
    const p = this.redis.pipeline();
    for (const id of ids) p.hgetall(k.task(id));
    const res = (await p.exec()) ?? [];
    const out: InflightTask[] = [];
    for (const [, h] of res) {
      const rec = h as Record<string, string>;
      if (rec?.id) out.push(toInflight(rec));
    }
    return out.sort((a, b) => b.scheduledAt - a.scheduledAt);
  }
}
