import type { Redis } from 'ioredis';
import type { Keys } from '../keys.js';
import { effectsOf, type Effects } from './effects.js';
import { claimDue, commitFire, promoteDelayed, syncJob } from './generated/index.js';
import { F, JOB_LAYOUT, type JobDefinition } from './schema.js';
import { leadingArgs, type ScriptRunner } from './scripts.js';

/** One fire claimed by this admin. */
export interface ClaimedFire {
  jobId: number;
  scheduledAt: number;
  /** Plan version the claim saw; the commit is refused when it changed. */
  planVersion: string;
  /** Lateness at the first claim of this fire (ms, negative = claimed ahead of time). */
  lateMs: number;
  plan: string;
}

/** One fire to commit: advance to `following` (null = none) and create `taskId` unless null. */
export interface FireCommit {
  jobId: number;
  scheduledAt: number;
  planVersion: string;
  following: number | null;
  taskId: string | null;
  triggerType: string;
}

/**
 * What became of a fire (commit-fire.lua): `OK` committed with a run (queued, buffered,
 * discarded or NO_WORKER: each has a record), `SKIPPED` committed without a run, `STALE` nothing
 * done (another commit came first, or the plan changed).
 */
export type CommitStatus = 'OK' | 'SKIPPED' | 'STALE';

/** Settings a commit needs: whom to route to, and how many fires BUFFER_ALL keeps. */
export interface CommitSettings {
  /** Workers silent longer are not routed to. */
  workerTtlMs: number;
  /** `OASIS_OVERLAP_BUFFER_MAX`: most fires an overlap BUFFER_ALL job keeps waiting. */
  overlapBufferMax: number;
}

/** Schedule side of Redis: job hot copies, the schedule ZSETs, claim and commit. */
export class ScheduleStore {
  constructor(
    private readonly redis: Redis,
    private readonly scripts: ScriptRunner,
    private readonly keys: Keys,
  ) {}

  /** Claims the fires due up to `horizon` (see `lua/claim-due.lua`). */
  async claimDue(app: string, now: number, horizon: number, leaseMs: number, limit: number) {
    const k = this.keys.app(app);
    const r = await this.scripts.call(claimDue, { schedule: k.schedule }, { ...leadingArgs(k.base, now), horizon, lease: leaseMs, limit });
    const fires: ClaimedFire[] = r.fires.map((f) => ({
      jobId: Number(f.jobId),
      scheduledAt: Number(f.scheduledAt),
      planVersion: f.planVersion,
      lateMs: Number(f.lateMs),
      plan: f.plan,
    }));
    return { earliest: r.earliest ?? null, fires };
  }

  /** Commits fires of one app in one script call; one {@link CommitStatus} per fire, plus the effects. */
  async commitFires(app: string, now: number, settings: CommitSettings, fires: FireCommit[]): Promise<{ statuses: CommitStatus[]; effects: Effects }> {
    const k = this.keys.app(app);
    const flat: (string | number)[] = [];
    for (const f of fires) flat.push(f.jobId, f.scheduledAt, f.planVersion, f.following ?? '', f.taskId ?? '', f.triggerType);
    const r = await this.scripts.call(
      commitFire,
      { schedule: k.schedule },
      { ...leadingArgs(k.base, now, settings.workerTtlMs, true), bufferMax: settings.overlapBufferMax, count: fires.length, fires: flat },
    );
    return { statuses: r.statuses, effects: effectsOf(r) };
  }

  /** Routes retries whose delay is over; returns how many and the earliest one still waiting. */
  async promoteDelayed(app: string, now: number, workerTtlMs: number, limit = 500): Promise<{ promoted: number; earliest: number | null; effects: Effects }> {
    const k = this.keys.app(app);
    const r = await this.scripts.call(promoteDelayed, { delayed: k.delayed }, { ...leadingArgs(k.base, now, workerTtlMs, true), limit });
    return { promoted: r.promoted, earliest: r.earliest ?? null, effects: effectsOf(r) };
  }

  /** A job's hot state (see {@link HotPort.jobState}). */
  async jobState(app: string, jobId: number): Promise<{ nextFireAt: number | null; skipNext: number; runs: number }> {
    const [next, skip, runs] = await this.redis.hmget(this.keys.app(app).job(jobId), F.job.nextFireAt, F.job.skipNext, F.job.runs);
    return { nextFireAt: next ? Number(next) : null, skipNext: Math.max(0, Number(skip ?? 0)), runs: Number(runs ?? 0) };
  }

  /** Adds to the number of scheduled fires the job skips. */
  async addSkips(app: string, jobId: number, count: number): Promise<void> {
    await this.redis.hincrby(this.keys.app(app).job(jobId), F.job.skipNext, count);
  }

  /** Wakes every admin's scheduler loop of the app (a job got a new next fire). */
  async notifyChange(app: string): Promise<void> {
    await this.redis.publish(this.keys.scheduleChannel, app);
  }

  /**
   * Writes a job's hot copy: its definition `fields`, its plan and, for a new plan, `next`;
   * returns its effective next fire (see `lua/sync-job.lua`).
   */
  async syncJob(
    app: string,
    jobId: number,
    plan: string,
    next: number | null,
    enabled: boolean,
    fields: Partial<JobDefinition>,
    now = Date.now(),
  ): Promise<number | null> {
    const k = this.keys.app(app);
    const flat: (string | number)[] = [];
    for (const [f, v] of Object.entries(fields)) if (v !== undefined) flat.push(f, v);
    const r = await this.scripts.call(
      syncJob,
      { job: k.job(jobId), schedule: k.schedule },
      { ...leadingArgs(k.base, now), jobId, plan, next: next ?? '', enabled: enabled ? '1' : '0', fields: flat },
    );
    await this.redis.multi().sadd(this.keys.apps, app).hset(this.keys.jobApps, String(jobId), app).publish(this.keys.scheduleChannel, app).exec();
    return r.nextFireAt ?? null;
  }

  /**
   * Ids of the given jobs whose hot hash is missing or of an older layout than {@link JOB_LAYOUT}
   * (written by an admin of an earlier version): both are rewritten from the database. One pipeline.
   */
  async missingOrStale(jobs: readonly { id: number; app: string }[]): Promise<number[]> {
    if (jobs.length === 0) return [];
    const p = this.redis.pipeline();
    for (const j of jobs) p.hget(this.keys.app(j.app).job(j.id), F.job.layout);
    const res = (await p.exec()) ?? [];
    return jobs.filter((_, i) => res[i]?.[1] !== String(JOB_LAYOUT)).map((j) => j.id);
  }

  async removeJob(app: string, jobId: number): Promise<void> {
    const k = this.keys.app(app);
    await this.redis.multi().zrem(k.schedule, String(jobId)).del(k.job(jobId), k.lfu(jobId), k.lru(jobId)).hdel(this.keys.jobApps, String(jobId)).exec();
  }

  async nextFireAt(app: string, jobId: number): Promise<number | null> {
    const v = await this.redis.hget(this.keys.app(app).job(jobId), F.job.nextFireAt);
    return v ? Number(v) : null;
  }

  async appOfJob(jobId: number): Promise<string | null> {
    return this.redis.hget(this.keys.jobApps, String(jobId));
  }

  async addApp(app: string): Promise<void> {
    await this.redis.multi().sadd(this.keys.apps, app).publish(this.keys.scheduleChannel, app).exec();
  }

  async apps(): Promise<string[]> {
    return this.redis.smembers(this.keys.apps);
  }

  /** Calls `onChange(app)` whenever a job of `app` changed (any admin). Returns an unsubscribe. */
  async onScheduleChange(onChange: (app: string) => void): Promise<() => Promise<void>> {
    const sub = this.redis.duplicate();
    await sub.subscribe(this.keys.scheduleChannel);
    sub.on('message', (_ch: string, app: string) => onChange(app));
    return async () => {
      sub.disconnect();
    };
  }
}
