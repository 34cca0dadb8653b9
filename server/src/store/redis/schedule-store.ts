import type { Redis } from 'ioredis';
import type { Keys } from '../keys.js';
import { parseEffects, randomSeed, type Effects } from './effects.js';
import { ScriptName, type LuaReply, type ScriptRunner } from './scripts.js';

/** One fire claimed by this admin. */
export interface ClaimedFire {
  jobId: number;
  scheduledAt: number;
  /** Plan version the claim saw; the commit is refused when it changed. */
  ver: string;
  /** Lateness at the first claim of this fire (ms, negative = claimed ahead of time). */
  lateMs: number;
  plan: string;
}

/** One fire to commit: advance to `following` (null = none) and create `taskId` unless null. */
export interface FireCommit {
  jobId: number;
  scheduledAt: number;
  ver: string;
  following: number | null;
  taskId: string | null;
  triggerType: string;
}

export const CommitStatus = { STALE: 0, TASK: 1, SKIPPED: 2 } as const;
export type CommitStatus = (typeof CommitStatus)[keyof typeof CommitStatus];

const str = (v: LuaReply | undefined): string => (v === null || v === undefined ? '' : String(v));

/** Schedule side of Redis: job hot copies, the schedule ZSETs, claim and commit. */
export class ScheduleStore {
  constructor(
    private readonly redis: Redis,
    private readonly scripts: ScriptRunner,
    private readonly keys: Keys,
  ) {}

  async claimDue(app: string, now: number, horizon: number, leaseMs: number, limit: number) {
    const k = this.keys.app(app);
    const r = (await this.scripts.run(ScriptName.claimDue, [k.schedule], [now, horizon, leaseMs, limit, k.base])) as LuaReply[];
    const earliest = Number(r[0]);
    const fires: ClaimedFire[] = [];
    for (let i = 1; i + 4 < r.length; i += 5) {
      fires.push({
        jobId: Number(r[i]),
        scheduledAt: Number(r[i + 1]),
        ver: str(r[i + 2]),
        lateMs: Number(r[i + 3]),
        plan: str(r[i + 4]),
      });
    }
    return { earliest: earliest < 0 ? null : earliest, fires };
  }

  /** Commits fires of one app in one script call; one {@link CommitStatus} per fire, plus the effects. */
  async commitFires(
    app: string,
    now: number,
    workerTtlMs: number,
    fires: FireCommit[],
  ): Promise<{ statuses: CommitStatus[]; effects: Effects }> {
    const k = this.keys.app(app);
    const args: (string | number)[] = [now, k.base, workerTtlMs, randomSeed(), fires.length];
    for (const f of fires) {
      args.push(f.jobId, f.scheduledAt, f.ver, f.following ?? '', f.taskId ?? '', f.triggerType);
    }
    const { r, effects } = parseEffects<number[]>(await this.scripts.run(ScriptName.commitFire, [k.schedule], args));
    return { statuses: (Array.isArray(r) ? r : []).map((x) => Number(x) as CommitStatus), effects };
  }

  /** Routes retries whose delay is over; returns how many and the earliest one still waiting. */
  async promoteDelayed(
    app: string,
    now: number,
    workerTtlMs: number,
    limit = 500,
  ): Promise<{ promoted: number; earliest: number | null; effects: Effects }> {
    const k = this.keys.app(app);
    const { r, effects } = parseEffects<[number, number]>(
      await this.scripts.run(ScriptName.promoteDelayed, [], [now, k.base, workerTtlMs, randomSeed(), limit]),
    );
    return { promoted: Number(r[0]), earliest: r[1] < 0 ? null : Number(r[1]), effects };
  }

  /** A job's hot state (see {@link HotPort.jobState}). */
  async jobState(app: string, jobId: number): Promise<{ nextFireAt: number | null; skipNext: number; runs: number }> {
    const [next, skip, fires] = await this.redis.hmget(this.keys.app(app).job(jobId), 'next', 'skipNext', 'fires');
    return { nextFireAt: next ? Number(next) : null, skipNext: Math.max(0, Number(skip ?? 0)), runs: Number(fires ?? 0) };
  }

  /** Adds to the number of scheduled fires the job skips. */
  async addSkips(app: string, jobId: number, count: number): Promise<void> {
    await this.redis.hincrby(this.keys.app(app).job(jobId), 'skipNext', count);
  }

  /** Wakes every admin's scheduler loop of the app (a job got a new next fire). */
  async notifyChange(app: string): Promise<void> {
    await this.redis.publish(this.keys.scheduleChannel, app);
  }

  /** Writes a job's hot copy; returns its effective next fire (see `lua/sync-job.lua`). */
  async syncJob(
    app: string,
    jobId: number,
    plan: string,
    next: number | null,
    enabled: boolean,
    fields: Record<string, string | number>,
  ): Promise<number | null> {
    const k = this.keys.app(app);
    const flat: (string | number)[] = [];
    for (const [f, v] of Object.entries(fields)) flat.push(f, v);
    const r = await this.scripts.run(
      ScriptName.syncJob,
      [k.job(jobId), k.schedule],
      [jobId, plan, next ?? '', enabled ? '1' : '0', ...flat],
    );
    await this.redis
      .multi()
      .sadd(this.keys.apps, app)
      .hset(this.keys.jobApps, String(jobId), app)
      .publish(this.keys.scheduleChannel, app)
      .exec();
    const s = str(r);
    return s === '' ? null : Number(s);
  }

  /** Ids of the given jobs whose hot hash does not exist (one pipeline). */
  async missingJobs(jobs: readonly { id: number; app: string }[]): Promise<number[]> {
    if (jobs.length === 0) return [];
    const p = this.redis.pipeline();
    for (const j of jobs) p.exists(this.keys.app(j.app).job(j.id));
    const res = (await p.exec()) ?? [];
    return jobs.filter((_, i) => res[i]?.[1] === 0).map((j) => j.id);
  }

  async removeJob(app: string, jobId: number): Promise<void> {
    const k = this.keys.app(app);
    await this.redis
      .multi()
      .zrem(k.schedule, String(jobId))
      .del(k.job(jobId), k.lfu(jobId), k.lru(jobId))
      .hdel(this.keys.jobApps, String(jobId))
      .exec();
  }

  async nextFireAt(app: string, jobId: number): Promise<number | null> {
    const v = await this.redis.hget(this.keys.app(app).job(jobId), 'next');
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
