import { another, type RedisClient } from './connection.js';
import type { Keys } from '../keys.js';
import { effectsOf, type Effects } from './effects.js';
import { claimDue, commitFire, forgetEnded, promoteDelayed, reconcileFires, renewLiveness, syncJob } from './generated/index.js';
import { F, FINALS_ENTRY, JOB_LAYOUT, LEGACY_FIELDS, withLegacyNames, type FinalRecordFields, type JobDefinition } from './schema.js';
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

/** The admin that claims, and how long its liveness lasts without a renewal (3 × `livenessMs`). */
export interface Claimer {
  adminId: string;
  /** `OASIS_ADMIN_LIVENESS_MS`. */
  livenessMs: number;
}

/** A job's scheduling state in RedisClient, as a reconcile reads it. */
export interface HotPointer {
  jobId: number;
  nextFireAt: number;
  plan: string;
  runs: number;
}

/** One job moved on by a reconcile: from the `seen` next fire to `following` (null = none). */
export interface FireMove {
  jobId: number;
  seen: number;
  following: number | null;
  /** Recorded fires at or after `seen` that Redis forgot (added to the run counter). */
  lost: number;
}

/** A scheduled fire (CRON, FIXED or MISFIRE trigger) of some job. */
export interface RecordedFire {
  jobId: number;
  scheduledAt: number;
}

/** Trigger types of scheduled fires: the ones that move a job's `nextFireAt`. */
export const SCHEDULED_TRIGGERS: readonly string[] = ['CRON', 'FIXED', 'MISFIRE'];

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
    private readonly redis: RedisClient,
    private readonly scripts: ScriptRunner,
    private readonly keys: Keys,
    /** The admin's no-worker grace, recorded for an app it adds (unless one is recorded already). */
    private readonly noWorkerGraceMs?: number,
  ) {}

  /** The app joins the app set (and gets the admin's no-worker grace if it has none yet). */
  /**
   * Lists the app for the scheduler loops and stamps its no-worker grace. Separate commands, not
   * a transaction: the app set is a global key and the grace an app key, in other cluster slots.
   */
  private async listApp(app: string): Promise<void> {
    const writes: Promise<unknown>[] = [this.redis.sadd(this.keys.apps, app)];
    if (this.noWorkerGraceMs !== undefined) writes.push(this.redis.set(this.keys.app(app).noWorkerGrace, String(this.noWorkerGraceMs), 'NX'));
    await Promise.all(writes);
  }

  /**
   * Claims the fires due up to `horizon` for `claimer`, after taking over the claims of admins whose
   * liveness lapsed (see `lua/claim-due.lua`). `epochChanged` is the server's run_id when Redis
   * restarted or lost data since the app was last reconciled: then nothing was claimed.
   */
  async claimDue(app: string, now: number, horizon: number, leaseMs: number, limit: number, claimer: Claimer) {
    const k = this.keys.app(app);
    const r = await this.scripts.call(
      claimDue,
      { schedule: k.schedule },
      { ...leadingArgs(k.base, now), horizon, lease: leaseMs, limit, adminId: claimer.adminId, liveness: claimer.livenessMs },
    );
    const fires: ClaimedFire[] = r.fires.map((f) => ({
      jobId: Number(f.jobId),
      scheduledAt: Number(f.scheduledAt),
      planVersion: f.planVersion,
      lateMs: Number(f.lateMs),
      plan: f.plan,
    }));
    return { earliest: r.earliest ?? null, fires, takenOver: r.takenOver ?? 0, epochChanged: r.code === 'EPOCH_CHANGED' ? (r.runId ?? '') : null };
  }

  /**
   * Announces `adminId` as a live scheduler until `until` and answers the live ones (deadline at
   * or after `now`, this one included); entries lapsed for a minute are dropped. One key, one
   * round trip.
   */
  async beatScheduler(adminId: string, until: number, now: number): Promise<string[]> {
    const key = this.keys.schedulers;
    const res = await this.redis
      .pipeline()
      .zadd(key, until, adminId)
      .zremrangebyscore(key, '-inf', now - 60_000)
      .zrangebyscore(key, now, '+inf')
      .exec();
    const [err, live] = res?.[2] ?? [new Error('no reply')];
    if (err) throw err;
    return live as string[];
  }

  /**
   * The latest liveness deadline (Redis clock ms) in the app's `claimers` of an admin not in
   * `live`: when the claims of the admins that left can be taken over; null when none is pending.
   */
  async lapseOfGone(app: string, live: readonly string[], now: number): Promise<number | null> {
    const flat = await this.redis.zrangebyscore(this.keys.app(app).claimers, now, '+inf', 'WITHSCORES');
    let latest: number | null = null;
    for (let i = 0; i + 1 < flat.length; i += 2) {
      if (live.includes(flat[i] as string)) continue;
      const at = Number(flat[i + 1]);
      if (latest === null || at > latest) latest = at;
    }
    return latest;
  }

  /** Withdraws `adminId` from the live schedulers at once (a graceful stop: the others take its apps now). */
  async leaveSchedulers(adminId: string): Promise<void> {
    await this.redis.zrem(this.keys.schedulers, adminId);
  }

  /** Renews `adminId`'s liveness in each app (see `lua/renew-liveness.lua`). */
  async renewLiveness(apps: readonly string[], adminId: string, livenessMs: number): Promise<void> {
    await this.liveness(apps, adminId, livenessMs, false);
  }

  /** Ends `adminId`'s liveness in each app at once: its claims are taken over by the next claim of another admin. */
  async retireLiveness(apps: readonly string[], adminId: string): Promise<void> {
    await this.liveness(apps, adminId, 0, true);
  }

  private async liveness(apps: readonly string[], adminId: string, livenessMs: number, retire: boolean): Promise<void> {
    await Promise.all(
      apps.map((app) => {
        const k = this.keys.app(app);
        return this.scripts.call(renewLiveness, { claimers: k.claimers }, { ...leadingArgs(k.base, 0), adminId, liveness: livenessMs, retire: retire ? '1' : '' });
      }),
    );
  }

  /** Every job of the app's schedule with a next fire: its next fire, plan and run counter. */
  async hotPointers(app: string): Promise<HotPointer[]> {
    const k = this.keys.app(app);
    const ids = await this.redis.zrange(k.schedule, '0', '-1');
    const p = this.redis.pipeline();
    for (const id of ids) p.hmget(k.job(id), F.job.nextFireAt, F.job.plan, F.job.runs);
    const res = (await p.exec()) ?? [];
    const out: HotPointer[] = [];
    ids.forEach((id, i) => {
      const [next, plan, runs] = (res[i]?.[1] ?? []) as (string | null)[];
      if (next && plan) out.push({ jobId: Number(id), nextFireAt: Number(next), plan, runs: Number(runs ?? 0) });
    });
    return out;
  }

  /**
   * The scheduled fires at or after `since` whose final records still wait in the app's finals
   * stream (newer than the database). Read in pages; entries are not consumed.
   */
  async finalsFiresSince(app: string, since: number): Promise<RecordedFire[]> {
    const key = this.keys.app(app).finals;
    const out: RecordedFire[] = [];
    let start = '-';
    for (;;) {
      const page = await this.redis.xrange(key, start, '+', 'COUNT', 1000);
      for (const [, fields] of page) {
        const json = fields[fields.indexOf(FINALS_ENTRY.record) + 1];
        if (!json) continue;
        const r = withLegacyNames(JSON.parse(json) as FinalRecordFields, LEGACY_FIELDS.final);
        const at = Number(r.scheduledAt);
        if (at >= since && SCHEDULED_TRIGGERS.includes(r.triggerType)) out.push({ jobId: Number(r.jobId), scheduledAt: at });
      }
      if (page.length < 1000) return out;
      start = `(${page[page.length - 1]?.[0] ?? ''}`;
    }
  }

  /** The ids of every task the app holds in flight (queued, delivered, running, retry-waiting, buffered). */
  async inflightTaskIds(app: string): Promise<string[]> {
    return this.redis.zrange(this.keys.app(app).inflight, '0', '-1');
  }

  /** The task ids of every final record still waiting in the app's finals stream (entries are not consumed). */
  async finalsTaskIds(app: string): Promise<Set<string>> {
    const key = this.keys.app(app).finals;
    const out = new Set<string>();
    let start = '-';
    for (;;) {
      const page = await this.redis.xrange(key, start, '+', 'COUNT', 1000);
      for (const [, fields] of page) {
        const json = fields[fields.indexOf(FINALS_ENTRY.record) + 1];
        if (json) out.add(String(withLegacyNames(JSON.parse(json) as FinalRecordFields, LEGACY_FIELDS.final).id));
      }
      if (page.length < 1000) return out;
      start = `(${page[page.length - 1]?.[0] ?? ''}`;
    }
  }

  /**
   * Takes in-flight tasks that already ended (their final record exists) out of flight after a
   * data loss, without a second record (see `lua/forget-ended.lua`). `epochChanged`: the server
   * is no longer `runId`, nothing was done.
   */
  async forgetEnded(app: string, runId: string, now: number, workerTtlMs: number, taskIds: readonly string[]): Promise<{ epochChanged: boolean; forgotten: number; effects: Effects }> {
    const k = this.keys.app(app);
    const r = await this.scripts.call(forgetEnded, { inflight: k.inflight }, { ...leadingArgs(k.base, now, workerTtlMs, true), runId, tasks: [...taskIds] });
    return { epochChanged: r.code === 'EPOCH_CHANGED', forgotten: r.forgotten, effects: effectsOf(r) };
  }

  /**
   * Moves jobs on after a data loss and, with `seal`, hands every claim back and writes the
   * app's epoch (see `lua/reconcile-fires.lua`). `epochChanged`: the server is no longer `runId`.
   */
  async reconcileFires(app: string, runId: string, moves: readonly FireMove[], seal: boolean): Promise<{ epochChanged: boolean; moved: number; released: number }> {
    const k = this.keys.app(app);
    const flat: (string | number)[] = [];
    for (const m of moves) flat.push(m.jobId, m.seen, m.following ?? '', m.lost);
    const r = await this.scripts.call(
      reconcileFires,
      { schedule: k.schedule },
      { ...leadingArgs(k.base, 0), runId, seal: seal ? '1' : '', count: moves.length, jobs: flat },
    );
    return { epochChanged: r.code === 'EPOCH_CHANGED', moved: r.moved, released: r.released };
  }

  /** The run_id of the Redis server that serves the app (a new one after each restart, failover or move of its slot to another cluster node). */
  async serverRunId(app: string): Promise<string> {
    // A script naming the app's epoch key runs on the node that serves the app (a cluster has a
    // run_id per node); one server answers the same as INFO.
    const id = await this.redis.eval("return string.match(redis.call('INFO', 'server'), 'run_id:(%x+)')", 1, this.keys.app(app).epoch);
    return typeof id === 'string' ? id : '';
  }

  /**
   * Commits fires of one app in one script call; one {@link CommitStatus} per fire, plus the
   * effects. `epochChanged`: Redis restarted or lost data since the app was last reconciled, and
   * nothing was committed (no statuses).
   */
  async commitFires(
    app: string,
    now: number,
    settings: CommitSettings,
    fires: FireCommit[],
  ): Promise<{ statuses: CommitStatus[]; effects: Effects; epochChanged: boolean }> {
    const k = this.keys.app(app);
    const flat: (string | number)[] = [];
    for (const f of fires) flat.push(f.jobId, f.scheduledAt, f.planVersion, f.following ?? '', f.taskId ?? '', f.triggerType);
    const r = await this.scripts.call(
      commitFire,
      { schedule: k.schedule },
      { ...leadingArgs(k.base, now, settings.workerTtlMs, true), bufferMax: settings.overlapBufferMax, count: fires.length, fires: flat },
    );
    return { statuses: r.statuses, effects: effectsOf(r), epochChanged: r.code === 'EPOCH_CHANGED' };
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
    await Promise.all([this.listApp(app), this.redis.hset(this.keys.jobApps, String(jobId), app)]);
    await this.notifyChange(app);
    return r.nextFireAt ?? null;
  }

  /**
   * Ids of the given jobs whose hot hash is missing or of an older layout than {@link JOB_LAYOUT}
   * (written by an admin of an earlier version): both are rewritten from the database. Concurrent
   * reads, auto-pipelined per server (the jobs' apps may live on different cluster nodes).
   */
  async missingOrStale(jobs: readonly { id: number; app: string }[]): Promise<number[]> {
    if (jobs.length === 0) return [];
    const res = await Promise.all(jobs.map((j) => this.redis.hget(this.keys.app(j.app).job(j.id), F.job.layout)));
    return jobs.filter((_, i) => res[i] !== String(JOB_LAYOUT)).map((j) => j.id);
  }

  async removeJob(app: string, jobId: number): Promise<void> {
    const k = this.keys.app(app);
    await this.redis.multi().zrem(k.schedule, String(jobId)).del(k.job(jobId), k.lfu(jobId), k.lru(jobId)).exec();
    // The job → app index is global (another slot): dropped after the app's keys.
    await this.redis.hdel(this.keys.jobApps, String(jobId));
  }

  async nextFireAt(app: string, jobId: number): Promise<number | null> {
    const v = await this.redis.hget(this.keys.app(app).job(jobId), F.job.nextFireAt);
    return v ? Number(v) : null;
  }

  async appOfJob(jobId: number): Promise<string | null> {
    return this.redis.hget(this.keys.jobApps, String(jobId));
  }

  async addApp(app: string): Promise<void> {
    await this.listApp(app);
    await this.notifyChange(app);
  }

  async apps(): Promise<string[]> {
    return this.redis.smembers(this.keys.apps);
  }

  /** Calls `onChange(app)` whenever a job of `app` changed (any admin). Returns an unsubscribe. */
  async onScheduleChange(onChange: (app: string) => void): Promise<() => Promise<void>> {
    const sub = another(this.redis);
    await sub.subscribe(this.keys.scheduleChannel);
    sub.on('message', (_ch: string, app: string) => onChange(app));
    return async () => {
      sub.disconnect();
    };
  }
}
