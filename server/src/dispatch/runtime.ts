import type { OasisConfig } from '../config/schema.js';
import { jobIdOfTask, newTaskId } from '../domain/ids.js';
import type { HotPort, InflightFilter, ListPosition } from '../domain/ports.js';
import type { JobRecord, LogItem } from '../domain/types.js';
import { AppError } from '../domain/errors.js';
import type { EffectsPublisher } from '../events/effects-bus.js';
import { syncHotCopy } from '../scheduler/hot-copy.js';
import type { ScheduleStore } from '../store/redis/schedule-store.js';
import type { InflightTask, TaskStore } from '../store/redis/task-store.js';

/** Dependencies of {@link HotRuntime}: the stores it reads and writes, nothing more. */
export interface HotRuntimeDeps {
  schedule: ScheduleStore;
  tasks: TaskStore;
  /** True when Redis answers. */
  ping: () => Promise<boolean>;
  config: Pick<OasisConfig, 'workerTtlMs'>;
  /** Where triggers and kills publish what they ask for afterwards (wake workers, abort a task). */
  effects: EffectsPublisher;
  now?: () => number;
}

function toLogItem(app: string, t: InflightTask): LogItem {
  return {
    id: t.id,
    jobId: t.jobId,
    app,
    handler: t.handler,
    scheduledAt: t.scheduledAt,
    startedAt: t.startedAt,
    finishedAt: null,
    status: t.status,
    retryAt: t.retryAt,
    buffered: t.buffered,
    waitingForWorkerSince: t.waitingSince,
    triggerType: t.triggerType,
    workerId: t.workerId,
    attempt: t.attempt,
    shardIndex: t.shardIndex,
    shardTotal: t.shardTotal,
    params: t.params,
    result: null,
    error: null,
    progress: t.progress,
  };
}

/**
 * The hot side (Redis) as the services see it: implements {@link HotPort} over the schedule and
 * task stores — a job's hot copy (written by `scheduler/hot-copy.ts`), triggers and kills, the
 * tasks in flight and their live logs.
 */
export class HotRuntime implements HotPort {
  private readonly now: () => number;

  constructor(private readonly deps: HotRuntimeDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** Writes the job's hot copy (`scheduler/hot-copy.ts`). */
  syncJob(job: JobRecord): Promise<{ nextFireAt: number | null }> {
    return syncHotCopy(this.deps.schedule, job, this.now());
  }

  /** Jobs whose hot copy is missing, or was written with an older layout: both get rewritten. */
  missingJobs(jobs: readonly { id: number; app: string }[]): Promise<number[]> {
    return this.deps.schedule.missingOrStale(jobs);
  }

  async removeJob(app: string, jobId: number): Promise<void> {
    await this.deps.schedule.removeJob(app, jobId);
  }

  async nextFireAt(app: string, jobId: number): Promise<number | null> {
    return this.deps.schedule.nextFireAt(app, jobId);
  }

  jobState(app: string, jobId: number) {
    return this.deps.schedule.jobState(app, jobId);
  }

  async addSkips(app: string, jobId: number, count: number): Promise<void> {
    await this.deps.schedule.addSkips(app, jobId, count);
  }

  async trigger(
    job: JobRecord,
    opts: { params?: string; triggerType: 'MANUAL' | 'API' | 'CHILD'; dedupeKey?: string },
  ): Promise<{ taskId: string | null; taskIds: string[] }> {
    const now = this.now();
    const taskId = newTaskId(job.id, now);
    const task = {
      jobId: job.id,
      taskId,
      triggerType: opts.triggerType,
      scheduledAt: now,
      ...(opts.params === undefined ? {} : { params: opts.params }),
      ...(opts.dedupeKey === undefined ? {} : { dedupeKey: opts.dedupeKey }),
    };
    let res = await this.deps.tasks.enqueue(job.app, task, now, this.deps.config.workerTtlMs);
    if (res.code === 'NO_HOT_COPY') {
      // No hot copy yet (e.g. Redis was flushed): write it, then queue.
      await this.syncJob(job);
      res = await this.deps.tasks.enqueue(job.app, task, now, this.deps.config.workerTtlMs);
      if (res.code === 'NO_HOT_COPY') throw new AppError('OASIS_ERR_UNAVAILABLE', 'The job could not be queued');
    }
    this.deps.effects.publishScript(job.app, res.effects);
    if (res.code === 'DUPLICATE_TRIGGER') return { taskId: null, taskIds: [] };
    return { taskId: res.ids[0] ?? taskId, taskIds: res.ids };
  }

  async kill(taskId: string, reason: string): Promise<boolean> {
    const app = await this.appOfTask(taskId);
    if (!app) return false;
    const { killed, effects } = await this.deps.tasks.kill(app, taskId, reason, this.now(), this.deps.config.workerTtlMs);
    this.deps.effects.publishScript(app, effects);
    return killed;
  }

  /** The apps a filter covers: the named one, the job's, or every app. */
  private async appsOf(filter: InflightFilter): Promise<string[]> {
    if (filter.app) return [filter.app];
    if (filter.jobId !== undefined) {
      const app = await this.deps.schedule.appOfJob(filter.jobId);
      return app ? [app] : [];
    }
    return this.deps.schedule.apps();
  }

  /**
   * See {@link HotPort.listInflight}. Each app's page comes from its own indexes; pages of
   * several apps are merged, cut where the first app stopped looking (a status filter's bound),
   * so nothing between two pages is skipped.
   */
  async listInflight(filter: InflightFilter, page: { limit: number; after?: ListPosition }): Promise<{ items: LogItem[]; next: ListPosition | null }> {
    const apps = await this.appsOf(filter);
    const q = { limit: page.limit, ...(page.after && { after: page.after }), ...(filter.jobId !== undefined && { jobId: filter.jobId }), ...(filter.status && { status: filter.status }) };
    const pages = await Promise.all(apps.map(async (app) => ({ app, ...(await this.deps.tasks.inflightPage(app, q)) })));
    if (pages.length === 1) {
      const [one] = pages as [(typeof pages)[0]];
      return { items: one.tasks.map((t) => toLogItem(one.app, t)), next: one.next };
    }
    // The earliest place an app stopped before its page was full: nothing after it may be shown yet.
    let bound: ListPosition | null = null;
    for (const p of pages) {
      if (p.next && p.tasks.length < page.limit && (!bound || comesBefore(p.next, bound))) bound = p.next;
    }
    const all = pages
      .flatMap((p) => p.tasks.map((t) => toLogItem(p.app, t)))
      .filter((i) => !bound || !comesBefore(bound, i))
      .sort((a, b) => (comesBefore(a, b) ? -1 : comesBefore(b, a) ? 1 : 0));
    const items = all.slice(0, page.limit);
    const last = items[items.length - 1];
    const more = all.length > page.limit || pages.some((p) => p.next !== null);
    let next: ListPosition | null = null;
    if (items.length === page.limit && last && more) next = { scheduledAt: last.scheduledAt, id: last.id };
    else if (bound) next = bound;
    return { items, next };
  }

  async countInflight(filter: InflightFilter): Promise<number> {
    let n = 0;
    for (const app of await this.appsOf(filter)) {
      n += await this.deps.tasks.countInflight(app, { ...(filter.jobId !== undefined && { jobId: filter.jobId }), ...(filter.status && { status: filter.status }) });
    }
    return n;
  }

  private async appOfTask(taskId: string): Promise<string | null> {
    const jobId = jobIdOfTask(taskId);
    return jobId === null ? null : this.deps.schedule.appOfJob(jobId);
  }

  async getInflight(taskId: string): Promise<LogItem | null> {
    const app = await this.appOfTask(taskId);
    if (!app) return null;
    const t = await this.deps.tasks.get(app, taskId);
    return t ? toLogItem(app, t) : null;
  }

  async liveLog(taskId: string, from: number, count: number): Promise<string[] | null> {
    const app = await this.appOfTask(taskId);
    if (!app) return null;
    const t = await this.deps.tasks.get(app, taskId);
    if (!t) return null;
    return this.deps.tasks.readLog(app, taskId, from, count);
  }

  async registerApp(app: string): Promise<void> {
    await this.deps.schedule.addApp(app);
  }

  ping(): Promise<boolean> {
    return this.deps.ping();
  }
}

/** True when `a` comes before `b` in the logs list's order (newer scheduled, or the same and a greater id). */
function comesBefore(a: ListPosition, b: ListPosition): boolean {
  return a.scheduledAt > b.scheduledAt || (a.scheduledAt === b.scheduledAt && a.id > b.id);
}
