import type { RedisClient } from './connection.js';
import type { TaskPayload, TriggerType, WorkerResultStatus } from '@oasis/worker-client/protocol';
import type { Keys } from '../keys.js';
import { effectsOf, type Effects } from './effects.js';
import { ackTasks, appendLog, completeTasks, enqueueTask, killTask, pullTasks, reapExpired, renewLeases, requeueUnacked, setProgress } from './generated/index.js';
import { countInflight, readInflightPage, type InflightPageQuery, type InflightPosition } from './inflight-index.js';
import { verdictOf, type Verdict } from './reply-codes.js';
import { F, LEGACY_FIELDS, withLegacyNames, type HashOf, type TaskField } from './schema.js';
import { leadingArgs, type ScriptRunner } from './scripts.js';

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
  /** Queued while the app had no live worker: waits for one since then (epoch ms); null otherwise. */
  waitingSince: number | null;
  /** Delivered to its worker, not yet acknowledged (started): back to its queue at this time; null otherwise. */
  ackBy: number | null;
}

/** A result as a worker reports it (the `/worker` contract's TaskResult). */
export interface ReportedResult {
  taskId: string;
  attempt: number;
  status: WorkerResultStatus;
  output?: string;
  error?: string;
  /** A failure retrying cannot help: the job's retries are skipped. */
  nonRetryable?: boolean;
  startedAt: number;
  finishedAt: number;
}

/** Codes of enqueue-task.lua: OK, or why nothing was made. */
export type EnqueueCode = 'OK' | 'NO_HOT_COPY' | 'DUPLICATE_TRIGGER';

/** Live log lists expire after this unless the writer deletes them first (a safety net). */
const LOG_EXPIRY_MS = 7 * 24 * 3600 * 1000;

function toInflight(stored: HashOf<TaskField>): InflightTask {
  const h = withLegacyNames(stored, LEGACY_FIELDS.task);
  return {
    id: h.id ?? '',
    jobId: Number(h.jobId),
    handler: h.handler ?? '',
    params: h.params ?? '',
    scheduledAt: Number(h.scheduledAt),
    attempt: Number(h.attempt ?? 1),
    triggerType: (h.triggerType ?? 'MANUAL') as TriggerType,
    shardIndex: Number(h.shardIndex ?? 0),
    shardTotal: Number(h.shardTotal ?? 1),
    timeoutMs: Number(h.timeoutMs ?? 0),
    status: h.status === 'RUNNING' ? 'RUNNING' : 'QUEUED',
    workerId: h.workerId || h.target || null,
    createdAt: Number(h.createdAt ?? 0),
    startedAt: h.startedAt ? Number(h.startedAt) : null,
    progress: h.progress ? Number(h.progress) : null,
    retryAt: h.retryAt ? Number(h.retryAt) : null,
    buffered: h.buffered === '1',
    waitingSince: h.waitingSince ? Number(h.waitingSince) : null,
    ackBy: h.ackBy ? Number(h.ackBy) : null,
  };
}

/** Task side of Redis: queues, leases, results, live logs. */
export class TaskStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly scripts: ScriptRunner,
    private readonly keys: Keys,
  ) {}

  /**
   * Creates one task outside the schedule (manual, API, child trigger), routed by the job's
   * routing. `code`: OK created (`ids`: the task, or one per shard), NO_HOT_COPY the job has no
   * hot copy, DUPLICATE_TRIGGER an earlier trigger had the same dedupe key.
   */
  async enqueue(
    app: string,
    t: { jobId: number; taskId: string; triggerType: string; scheduledAt: number; params?: string; dedupeKey?: string },
    now: number,
    workerTtlMs: number,
  ): Promise<{ code: EnqueueCode; ids: string[]; effects: Effects }> {
    const k = this.keys.app(app);
    const r = await this.scripts.call(enqueueTask, { job: k.job(t.jobId) }, {
      ...leadingArgs(k.base, now, workerTtlMs, true),
      jobId: t.jobId,
      taskId: t.taskId,
      triggerType: t.triggerType,
      scheduledAt: t.scheduledAt,
      useParams: t.params === undefined ? '0' : '1',
      params: t.params ?? '',
      dedupeKey: t.dedupeKey ?? '',
    });
    return { code: r.code, ids: r.ids.map(String), effects: effectsOf(r) };
  }

  /** Kills a task (see `lua/kill-task.lua`); `killed` false when it was not in flight. */
  async kill(app: string, taskId: string, reason: string, now: number, workerTtlMs: number) {
    const k = this.keys.app(app);
    const r = await this.scripts.call(killTask, { task: k.task(taskId) }, { ...leadingArgs(k.base, now, workerTtlMs, true), taskId, reason });
    return { killed: r.code === 'OK', effects: effectsOf(r) };
  }

  /**
   * Delivers up to `max` tasks to a worker (see `lua/pull-tasks.lua`): each must be acknowledged
   * ({@link ack}) within `ackMs` or it goes back to its queue. Null when the worker is not registered.
   */
  async pull(app: string, workerId: string, max: number, now: number, ackMs: number): Promise<TaskPayload[] | null> {
    const k = this.keys.app(app);
    const r = await this.scripts.call(
      pullTasks,
      {
        workerQueue: k.workerQueue(workerId),
        sharedQueue: k.sharedQueue,
        unacked: k.unacked,
        workerRunning: k.workerRunning(workerId),
        worker: k.worker(workerId),
      },
      { ...leadingArgs(k.base, now), workerId, max, ackMs },
    );
    if (r.code === 'NOT_REGISTERED') return null;
    return r.tasks.map((t) => ({
      id: t.id,
      jobId: Number(t.jobId),
      handler: t.handler ?? '',
      params: t.params ?? '',
      scheduledAt: Number(t.scheduledAt),
      attempt: Number(t.attempt || 1),
      triggerType: (t.triggerType || 'MANUAL') as TriggerType,
      shard: { index: Number(t.shardIndex || 0), total: Number(t.shardTotal || 1) },
      timeoutMs: Number(t.timeoutMs || 0),
      ...(t.script ? { script: JSON.parse(t.script) as NonNullable<TaskPayload['script']> } : {}),
    }));
  }

  /** Records results of one worker; one {@link Verdict} per result, in order, plus the effects. */
  async complete(app: string, workerId: string, results: readonly ReportedResult[], now: number, workerTtlMs: number): Promise<{ verdicts: Verdict[]; effects: Effects }> {
    const k = this.keys.app(app);
    const flat: (string | number)[] = [];
    for (const r of results) {
      flat.push(r.taskId, r.attempt, r.status, r.output ?? '', r.error ?? '', r.nonRetryable ? '1' : '', r.startedAt, r.finishedAt);
    }
    const r = await this.scripts.call(
      completeTasks,
      { running: k.running },
      { ...leadingArgs(k.base, now, workerTtlMs, true), workerId, count: results.length, results: flat },
    );
    return { verdicts: r.outcomes.map(verdictOf), effects: effectsOf(r) };
  }

  /**
   * Heartbeat: renews the leases of the tasks the worker runs (a delivered one it reports counts
   * as acknowledged); returns ids to abort, or null when unregistered.
   */
  async renew(
    app: string,
    workerId: string,
    now: number,
    leaseMs: number,
    free: number,
    running: string[],
    timeoutGraceMs: number,
    clockOffsetMs?: number,
  ): Promise<string[] | null> {
    const k = this.keys.app(app);
    const r = await this.scripts.call(
      renewLeases,
      { running: k.running, workerRunning: k.workerRunning(workerId), workers: k.workers, worker: k.worker(workerId) },
      { ...leadingArgs(k.base, now), workerId, lease: leaseMs, free, timeoutGrace: timeoutGraceMs, clockOffset: clockOffsetMs ?? '', running },
    );
    return r.code === 'NOT_REGISTERED' ? null : r.abort.map(String);
  }

  /**
   * A worker acknowledges delivered tasks: those it holds start (lease, timeout watchdog) and are
   * returned; the others (back in a queue after the deadline, or ended) must not be started.
   */
  async ack(app: string, workerId: string, taskIds: readonly string[], now: number, leaseMs: number, timeoutGraceMs: number): Promise<string[]> {
    if (taskIds.length === 0) return [];
    const k = this.keys.app(app);
    const r = await this.scripts.call(
      ackTasks,
      { unacked: k.unacked },
      { ...leadingArgs(k.base, now), workerId, lease: leaseMs, timeoutGrace: timeoutGraceMs, taskIds: [...taskIds] },
    );
    return r.acked.map(String);
  }

  /** Puts delivered tasks their worker did not acknowledge in time back in their queues (never LOST). */
  async requeueUnacked(app: string, now: number, workerTtlMs: number, limit = 500) {
    const k = this.keys.app(app);
    const r = await this.scripts.call(requeueUnacked, { unacked: k.unacked }, { ...leadingArgs(k.base, now, workerTtlMs), limit });
    return { requeued: r.requeued.map(String), effects: effectsOf(r) };
  }

  /**
   * Ends tasks whose lease ran out (LOST), whose watchdog deadline passed (TIMEOUT) or that waited
   * for a worker past `noWorkerGraceMs` while the app still has none (NO_WORKER); records that
   * grace for the app's routing.
   */
  async reapExpired(app: string, now: number, workerTtlMs: number, noWorkerGraceMs: number, limit = 500) {
    const k = this.keys.app(app);
    const r = await this.scripts.call(
      reapExpired,
      { running: k.running, deadlines: k.deadlines },
      { ...leadingArgs(k.base, now, workerTtlMs, true), limit, noWorkerGrace: noWorkerGraceMs },
    );
    return { lost: r.lost.map(String), timedOut: r.timedOut.map(String), noWorker: r.noWorker.map(String), effects: effectsOf(r) };
  }

  /**
   * Appends live log lines of a task `workerId` holds (RUNNING under it), keeping at most `cap`
   * lines (one note line marks the cap). `verdict`: accepted (`stored`: the lines kept now),
   * duplicate (the task is not in flight), rejected (another worker holds it, or it is still
   * queued); lines are dropped unless accepted.
   */
  async appendLog(app: string, workerId: string, taskId: string, lines: string[], cap: number, now = Date.now()): Promise<{ verdict: Verdict; stored: number }> {
    const k = this.keys.app(app);
    // An empty batch still asks the script: the answer says whether the worker holds the task.
    const r = await this.scripts.call(
      appendLog,
      { log: k.log(taskId), task: k.task(taskId) },
      { ...leadingArgs(k.base, now), workerId, cap, expiry: LOG_EXPIRY_MS, lines },
    );
    return { verdict: verdictOf(r.code), stored: r.stored ?? 0 };
  }

  /**
   * Stores a running task's progress (0..100) if `workerId` holds it: accepted stored, duplicate
   * the task is not in flight, rejected another worker holds it or it is still queued (nothing
   * changes).
   */
  async setProgress(app: string, workerId: string, taskId: string, value: number, now = Date.now()): Promise<Verdict> {
    const k = this.keys.app(app);
    const r = await this.scripts.call(setProgress, { task: k.task(taskId) }, { ...leadingArgs(k.base, now), workerId, value });
    return verdictOf(r.code);
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
    return h[F.task.id] ? toInflight(h) : null;
  }

  /**
   * One page of an app's queued and running tasks (optionally one job, one state), newest
   * scheduled first, ties by id descending: `limit` after `q.after`, read through the in-flight
   * indexes (see `inflight-index.ts`); `next` is where the following page starts (null: none).
   */
  async inflightPage(app: string, q: InflightPageQuery): Promise<{ tasks: InflightTask[]; next: InflightPosition | null }> {
    const { hashes, next } = await readInflightPage(this.redis, this.keys.app(app), q);
    return { tasks: hashes.map(toInflight), next };
  }

  /** How many tasks of an app (optionally one job, one state) are in flight. */
  countInflight(app: string, q: { jobId?: number; status?: 'QUEUED' | 'RUNNING' }): Promise<number> {
    return countInflight(this.redis, this.keys.app(app), q);
  }
}
