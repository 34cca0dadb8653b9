import type { Redis } from 'ioredis';
import type { TaskPayload, TaskResult, TriggerType } from '@oasis/worker-client/protocol';
import type { Keys } from '../keys.js';
import { parseEffects, randomSeed, type Effects } from './effects.js';
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
  /** A retry waiting for its delay: when it will be routed (epoch ms). */
  retryAt: number | null;
  /** A fire held back by the overlap policy until the running one ends. */
  buffered: boolean;
}

/** What complete-tasks.lua and set-progress.lua answer per task (see their headers). */
export const ResultCode = { REJECTED: -1, DUPLICATE: 0, ACCEPTED: 1 } as const;
export type ResultCode = (typeof ResultCode)[keyof typeof ResultCode];

/**
 * Negative answers of {@link TaskStore.appendLog} (append-log.lua): the task is not in flight
 * (final, or never existed), or it is not running under the sending worker.
 */
export const LogRefusal = { NOT_IN_FLIGHT: -1, NOT_HELD: -2 } as const;

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
    retryAt: h.retryAt ? Number(h.retryAt) : null,
    buffered: h.buffered === '1',
  };
}

/** Task side of Redis: queues, leases, results, live logs. */
export class TaskStore {
  constructor(
    private readonly redis: Redis,
    private readonly scripts: ScriptRunner,
    private readonly keys: Keys,
  ) {}

  /**
   * Creates one task outside the schedule (manual, API, child trigger), routed by the job's
   * routing. `r`: 1 created (`ids`: the task, or one per shard), -1 the job has no hot copy, -2
   * duplicate of an earlier trigger with the same dedupe key.
   */
  async enqueue(
    app: string,
    t: {
      jobId: number;
      taskId: string;
      triggerType: string;
      scheduledAt: number;
      params?: string;
      dedupeKey?: string;
    },
    now: number,
    workerTtlMs: number,
  ): Promise<{ r: 1 | -1 | -2; ids: string[]; effects: Effects }> {
    const k = this.keys.app(app);
    const { r, effects } = parseEffects<number | string[]>(
      await this.scripts.run(ScriptName.enqueueTask, [], [
        now,
        k.base,
        workerTtlMs,
        randomSeed(),
        t.jobId,
        t.taskId,
        t.triggerType,
        t.scheduledAt,
        t.params === undefined ? '0' : '1',
        t.params ?? '',
        t.dedupeKey ?? '',
      ]),
    );
    if (typeof r === 'number') return { r: r as -1 | -2, ids: [], effects };
    return { r: 1, ids: Array.isArray(r) ? r.map(String) : [], effects };
  }

  /** Kills a task (see `lua/kill-task.lua`); `killed` false when it was not in flight. */
  async kill(app: string, taskId: string, reason: string, now: number, workerTtlMs: number) {
    const k = this.keys.app(app);
    const { r, effects } = parseEffects<number>(
      await this.scripts.run(ScriptName.killTask, [], [now, k.base, workerTtlMs, taskId, reason]),
    );
    return { killed: Number(r) === 1, effects };
  }

  /** Hands up to `max` tasks to a worker; null when the worker is not registered. */
  async pull(
    app: string,
    workerId: string,
    max: number,
    now: number,
    leaseMs: number,
    timeoutGraceMs: number,
  ): Promise<TaskPayload[] | null> {
    const k = this.keys.app(app);
    const r = await this.scripts.run(
      ScriptName.pullTasks,
      [k.workerQueue(workerId), k.sharedQueue, k.running, k.workerRunning(workerId), k.worker(workerId), k.deadlines],
      [workerId, max, now, leaseMs, k.base, timeoutGraceMs],
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
      ...(t[10] ? { script: JSON.parse(String(t[10])) as NonNullable<TaskPayload['script']> } : {}),
    }));
  }

  /** Records results of one worker; one {@link ResultCode} per result, plus the effects. */
  async complete(
    app: string,
    workerId: string,
    results: TaskResult[],
    now: number,
    workerTtlMs: number,
  ): Promise<{ codes: number[]; effects: Effects }> {
    const k = this.keys.app(app);
    const args: (string | number)[] = [k.base, workerId, now, workerTtlMs, randomSeed(), results.length];
    for (const r of results) {
      args.push(r.taskId, r.attempt, r.status, r.output ?? '', r.error ?? '', r.startedAt, r.finishedAt);
    }
    const { r, effects } = parseEffects<number[]>(await this.scripts.run(ScriptName.completeTasks, [], args));
    return { codes: (Array.isArray(r) ? r : []).map(Number), effects };
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

  /** Ends tasks whose lease ran out (LOST) or whose watchdog deadline passed (TIMEOUT). */
  async reapExpired(app: string, now: number, workerTtlMs: number, limit = 500) {
    const k = this.keys.app(app);
    const { r, effects } = parseEffects<[unknown, unknown]>(
      await this.scripts.run(ScriptName.reapExpired, [], [now, k.base, limit, workerTtlMs, randomSeed()]),
    );
    const ids = (v: unknown) => (Array.isArray(v) ? v.map(String) : []);
    return { lost: ids(r[0]), timedOut: ids(r[1]), effects };
  }

  /**
   * Appends live log lines of a task `workerId` holds (RUNNING under it), keeping at most `cap`
   * lines (one note line marks the cap). Returns the lines stored, or a {@link LogRefusal}:
   * NOT_IN_FLIGHT when the task is not in flight, NOT_HELD when another worker holds it or it is
   * still queued; lines are dropped in both cases.
   */
  async appendLog(app: string, workerId: string, taskId: string, lines: string[], cap: number): Promise<number> {
    const k = this.keys.app(app);
    // An empty batch still asks the script: the answer says whether the worker holds the task.
    const r = await this.scripts.run(ScriptName.appendLog, [k.log(taskId), k.task(taskId)], [cap, 7 * 24 * 3600 * 1000, workerId, ...lines]);
    return Number(r);
  }

  /**
   * Stores a running task's progress (0..100) if `workerId` holds it. Returns a
   * {@link ResultCode}: ACCEPTED stored, DUPLICATE the task is not in flight, REJECTED another
   * worker holds it or it is still queued (nothing changes).
   */
  async setProgress(app: string, workerId: string, taskId: string, value: number): Promise<ResultCode> {
    const r = Number(await this.scripts.run(ScriptName.setProgress, [this.keys.app(app).task(taskId)], [workerId, value]));
    return r === ResultCode.ACCEPTED || r === ResultCode.DUPLICATE ? r : ResultCode.REJECTED;
  }

  /**
   * The app of each job id (null when the job is unknown), in order: one HMGET of the job → app
   * map for the whole batch. Finds out whether a task id a worker names belongs to another app.
   */
  async appsOfJobs(jobIds: readonly number[]): Promise<(string | null)[]> {
    if (jobIds.length === 0) return [];
    return this.redis.hmget(this.keys.jobApps, ...jobIds.map(String));
  }

  /** Live log lines from index `from`, up to `count` of them (default all); none when the task has no live log. */
  async readLog(app: string, taskId: string, from: number, count?: number): Promise<string[]> {
    return this.redis.lrange(this.keys.app(app).log(taskId), from, count === undefined ? -1 : from + count - 1);
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
        : [...(await this.redis.smembers(k.active(jobId))), ...(await this.redis.lrange(k.buffer(jobId), 0, -1))].slice(0, limit);
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
