import { TriggerType } from '@oasis/worker-client/protocol';
import type { OasisConfig } from '../config/schema.js';
import { newTaskId } from '../domain/ids.js';
import { firesDue, followingFire, parsePlan, type Plan } from '../domain/schedule.js';
import type { Logger } from '../domain/logger.js';
import { Effect, type EffectsPublisher, type MisfireCapEvent } from '../events/effects-bus.js';
import type { ClaimedFire, FireCommit, ScheduleStore } from '../store/redis/schedule-store.js';
import { Ownership } from './ownership.js';
import type { FireReconciler } from './reconcile.js';

export interface SchedulerDeps {
  /** This admin: its claims are recorded under it and taken over when its liveness lapses. */
  adminId: string;
  store: ScheduleStore;
  /**
   * Reconciles an app's schedule with the recorded fires when Redis restarted or lost data
   * ({@link FireReconciler}); the app's loop waits for it before it claims again.
   */
  reconciler: Pick<FireReconciler, 'reconcile'>;
  /** `misfireCatchupMax` defaults to 100. */
  config: Pick<OasisConfig, 'lookaheadMs' | 'claimLeaseMs' | 'workerTtlMs' | 'overlapBufferMax' | 'adminLivenessMs'> &
    Partial<Pick<OasisConfig, 'misfireCatchupMax'>>;
  logger: Logger;
  /**
   * Where commits and routed retries publish what they ask for afterwards (wake workers of queued
   * tasks, abort cancelled ones), and a FIRE_ALL catch-up refused past the cap.
   */
  effects: EffectsPublisher;
  /** The cluster's clock (epoch ms): the Redis server's (`store/redis/redis-clock.ts`); default `Date.now`. */
  now?: () => number;
  /**
   * False while that clock is not measured (`RedisClock.synced`): the loops claim nothing
   * rather than fire on a guess. Fires claimed before still commit at their time.
   */
  ready?: () => boolean;
}

const CLAIM_LIMIT = 1000;
const COMMIT_CHUNK = 500;
/** `OASIS_MISFIRE_CATCHUP_MAX` when the config leaves it out. */
const DEFAULT_CATCHUP_MAX = 100;
const APPS_REFRESH_MS = 5000;

/**
 * Fires jobs on time. One loop per app claims fires due within the look-ahead (claim-due.lua),
 * arms a local timer per distinct fire instant and, at that millisecond, commits all fires of the
 * instant in one commit-fire.lua call. Any number of admins run this side by side safely.
 *
 * Liveness: every `adminLivenessMs` the admin renews its entry in each app's `claimers` (on a timer
 * of its own, not the claim loop's, so a slow commit never costs its claims); when it stops
 * renewing (killed, frozen) for 3 × that, another admin's next claim takes its claims over. A
 * graceful stop ends its liveness at once. When Redis restarted or lost data, an app's loop stops
 * claiming and committing (the scripts refuse) until {@link SchedulerDeps.reconciler} is done.
 *
 * Sharing: every `adminLivenessMs / 2` the admin announces itself in the live schedulers (a
 * global ZSET on the cluster clock, lapsed after 2 × `adminLivenessMs`) and reads who else is
 * live; each app is claimed by its owner among them ({@link Ownership}, rendezvous hashing), so
 * N admins split the claim work instead of contending for every claim. An admin that dies or
 * freezes drops out within 2–2.5 × the liveness; the new owners of its apps claim at once and
 * again the moment its liveness in each app lapses (3 ×, when its claims may be taken over), so
 * its claimed fires run ≤ 1.5 s late by default. One that joins takes its share on its first
 * beat. A loop keeps committing what it claimed before its app moved, and renews its liveness in
 * an app while it owns it or still holds claims there.
 */
export class Scheduler {
  private readonly loops = new Map<string, AppLoop>();
  private unsubscribe: (() => Promise<void>) | null = null;
  private refreshTimer: NodeJS.Timeout | null = null;
  private livenessTimer: NodeJS.Timeout | null = null;
  private beatTimer: NodeJS.Timeout | null = null;
  private stopped = false;
  private readonly ownership: Ownership;
  /** This admin is in the live schedulers (it beat last time; not while its clock is unsynced). */
  private announced = false;

  constructor(private readonly deps: SchedulerDeps) {
    this.ownership = new Ownership(deps.adminId);
  }

  /** The live scheduler admins as last read (for health and tests). */
  get liveSchedulers(): readonly string[] {
    return this.ownership.members;
  }

  /** True when this admin claims `app`'s fires (it owns the app among the live schedulers). */
  owns(app: string): boolean {
    return this.ownership.owns(app);
  }

  async start(): Promise<void> {
    this.unsubscribe = await this.deps.store.onScheduleChange((app) => this.loopFor(app).wake());
    await this.beat().catch((err: unknown) => this.deps.logger.warn({ err }, 'scheduler: cannot announce itself yet; it claims nothing until it can'));
    await this.refreshApps();
    this.refreshTimer = setInterval(() => void this.refreshApps(), APPS_REFRESH_MS);
    this.livenessTimer = setInterval(() => void this.renewLiveness(), this.deps.config.adminLivenessMs);
    // Twice as often as the liveness: a dead admin's apps get a new owner soon after its entry lapses.
    this.beatTimer = setInterval(() => void this.beat().catch((err: unknown) => this.deps.logger.warn({ err }, 'scheduler: cannot announce itself among the live schedulers')), Math.max(25, Math.floor(this.deps.config.adminLivenessMs / 2)));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.refreshTimer) clearInterval(this.refreshTimer);
    if (this.livenessTimer) clearInterval(this.livenessTimer);
    if (this.beatTimer) clearInterval(this.beatTimer);
    await this.unsubscribe?.();
    await Promise.all([...this.loops.values()].map((l) => l.stop()));
    // Nothing is armed any more: the apps and the claims left are handed to the other admins at once.
    await Promise.all([
      this.deps.store.leaveSchedulers(this.deps.adminId),
      this.deps.store.retireLiveness([...this.loops.keys()], this.deps.adminId),
    ]).catch((err: unknown) => {
      this.deps.logger.warn({ err }, 'scheduler: cannot end the liveness; the other admins take the apps and claims over once it lapses');
    });
    this.loops.clear();
  }

  /**
   * Announces this admin among the live schedulers and reads the others; when the set changed,
   * the loops of apps it now owns wake at once. An admin whose clock is unsynced withdraws (its
   * apps go to the others) and owns nothing until it is synced again.
   */
  private async beat(): Promise<void> {
    const { adminId, config } = this.deps;
    let live: string[];
    if (this.deps.ready && !this.deps.ready()) {
      if (this.announced) await this.deps.store.leaveSchedulers(adminId);
      this.announced = false;
      live = [];
    } else {
      const now = this.now();
      live = await this.deps.store.beatScheduler(adminId, now + 2 * config.adminLivenessMs, now);
      this.announced = true;
    }
    const owned = new Set([...this.loops.keys()].filter((a) => this.owns(a)));
    if (!this.ownership.update(live)) return;
    this.deps.logger.info({ admins: live.length, owned: [...this.loops.keys()].filter((a) => this.owns(a)).length }, 'scheduler: the live schedulers changed; apps shared again');
    for (const [app, loop] of this.loops) {
      if (!this.owns(app)) continue;
      loop.wake();
      // An app gained: the claims of an admin that left are taken over once its liveness in the
      // app lapses (a little after it left the live set), so the loop claims again right then.
      if (!owned.has(app)) {
        void this.deps.store.lapseOfGone(app, live, this.now()).then(
          (at) => at !== null && loop.wakeAt(at + 5),
          () => undefined,
        );
      }
    }
  }

  private get now(): () => number {
    return this.deps.now ?? Date.now;
  }

  private async renewLiveness(): Promise<void> {
    try {
      const apps = [...this.loops].filter(([app, loop]) => this.owns(app) || loop.holding).map(([app]) => app);
      await this.deps.store.renewLiveness(apps, this.deps.adminId, this.deps.config.adminLivenessMs);
    } catch (err) {
      this.deps.logger.warn({ err }, 'scheduler: cannot renew the liveness');
    }
  }

  private async refreshApps(): Promise<void> {
    try {
      for (const app of await this.deps.store.apps()) this.loopFor(app);
    } catch (err) {
      this.deps.logger.warn({ err }, 'scheduler: cannot list apps');
    }
  }

  private loopFor(app: string): AppLoop {
    let loop = this.loops.get(app);
    if (!loop && !this.stopped) {
      loop = new AppLoop(app, this.deps, (a) => this.owns(a));
      this.loops.set(app, loop);
      loop.wake();
    }
    return loop as AppLoop;
  }
}

interface Armed {
  timer: NodeJS.Timeout;
  fires: Map<number, ClaimedFire>;
}

class AppLoop {
  private readonly now: () => number;
  private tickTimer: NodeJS.Timeout | null = null;
  private ticking = false;
  /** The tick under way, if any: a stop waits for it, so nothing is claimed after the liveness ended. */
  private current: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  /** scheduledAt → fires of that instant, armed on a local timer. */
  private readonly armed = new Map<number, Armed>();
  private readonly commits = new Set<Promise<void>>();
  private readonly plans = new Map<string, Plan>();

  constructor(
    private readonly app: string,
    private readonly deps: SchedulerDeps,
    private readonly owns: (app: string) => boolean,
  ) {
    this.now = deps.now ?? Date.now;
  }

  /** Wakes the loop at `at` (cluster clock) too, unless it stops first. */
  wakeAt(at: number): void {
    const t = setTimeout(() => this.wake(), Math.max(0, at - this.now()));
    t.unref?.();
  }

  /** Fires claimed and not yet committed: the admin keeps its liveness in the app for them. */
  get holding(): boolean {
    return this.armed.size > 0 || this.commits.size > 0;
  }

  wake(): void {
    if (this.stopped) return;
    if (this.ticking) {
      this.again = true;
      return;
    }
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.tickTimer) clearTimeout(this.tickTimer);
    await this.current;
    for (const a of this.armed.values()) clearTimeout(a.timer);
    this.armed.clear();
    await Promise.allSettled([...this.commits]);
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    if (this.tickTimer) clearTimeout(this.tickTimer);
    this.tickTimer = setTimeout(() => {
      this.current = this.tick().finally(() => (this.current = null));
    }, Math.max(0, delay));
  }

  private async tick(): Promise<void> {
    this.tickTimer = null;
    this.ticking = true;
    this.again = false;
    const { lookaheadMs, claimLeaseMs, adminLivenessMs } = this.deps.config;
    let delay = lookaheadMs / 2;
    try {
      if (this.deps.ready && !this.deps.ready()) {
        delay = lookaheadMs;
        return;
      }
      // Another admin owns the app: it claims and routes the retries. This loop wakes when the
      // live schedulers change and it may own the app again.
      if (!this.owns(this.app)) {
        delay = 4 * lookaheadMs;
        return;
      }
      const now = this.now();
      const claimer = { adminId: this.deps.adminId, livenessMs: adminLivenessMs };
      const { earliest, fires, takenOver, epochChanged } = await this.deps.store.claimDue(this.app, now, now + lookaheadMs, claimLeaseMs, CLAIM_LIMIT, claimer);
      if (epochChanged !== null) {
        await this.reconcile();
        delay = 0;
        return;
      }
      if (takenOver > 0) this.deps.logger.warn({ app: this.app, fires: takenOver }, "scheduler: took over the claims of an admin whose liveness lapsed");
      for (const f of fires) this.arm(f);
      if (fires.length >= CLAIM_LIMIT) delay = 0;
      else if (earliest !== null) delay = Math.min(delay, Math.max(5, earliest - lookaheadMs - this.now()));
      // Retries whose delay is over are routed here too: the loop already wakes on time.
      const retries = await this.deps.store.promoteDelayed(this.app, now, this.deps.config.workerTtlMs);
      this.deps.effects.publishScript(this.app, retries.effects);
      if (retries.earliest !== null) delay = Math.min(delay, Math.max(1, retries.earliest - this.now()));
    } catch (err) {
      this.deps.logger.warn({ err, app: this.app }, 'scheduler: claim failed');
      delay = lookaheadMs;
    } finally {
      this.ticking = false;
      this.schedule(this.again ? 0 : delay);
    }
  }

  /**
   * Redis restarted or lost data: what is armed is dropped (its commits would be refused, and its
   * fire may have run already), and the loop waits until the app is reconciled with the recorded
   * fires before it claims again.
   */
  private async reconcile(): Promise<void> {
    for (const a of this.armed.values()) clearTimeout(a.timer);
    this.armed.clear();
    this.deps.logger.warn({ app: this.app }, 'scheduler: Redis restarted or lost data; reconciling with the recorded fires before firing again');
    await this.deps.reconciler.reconcile(this.app);
  }

  private arm(f: ClaimedFire): void {
    let slot = this.armed.get(f.scheduledAt);
    if (!slot) {
      const at = f.scheduledAt;
      slot = {
        fires: new Map(),
        timer: setTimeout(() => this.fire(at), Math.max(0, at - this.now())),
      };
      this.armed.set(at, slot);
    }
    slot.fires.set(f.jobId, f);
  }

  private fire(at: number): void {
    const slot = this.armed.get(at);
    if (!slot || this.stopped) return;
    // The clock was re-measured since the timer was armed and says the instant is still ahead.
    const ahead = at - this.now();
    if (ahead > 0) {
      slot.timer = setTimeout(() => this.fire(at), ahead);
      return;
    }
    this.armed.delete(at);
    const p = this.commit([...slot.fires.values()]).finally(() => this.commits.delete(p));
    this.commits.add(p);
  }

  private plan(json: string): Plan {
    let p = this.plans.get(json);
    if (!p) {
      if (this.plans.size > 10_000) this.plans.clear();
      p = parsePlan(json);
      this.plans.set(json, p);
    }
    return p;
  }

  /**
   * Decides each fire's fate (misfire policy, following fire) and commits them in chunks.
   *
   * A fire whose lateness at its first claim exceeds the job's threshold is a misfire:
   * - `SKIP`: no task; the job moves on to its first fire after now.
   * - `FIRE_ONCE`: one task (trigger `MISFIRE`), then the first fire after now.
   * - `FIRE_ALL`: one `MISFIRE` task per missed fire. Each commit advances to the plain next fire,
   *   even if that is past too: the loop claims it again at once, finds it late again, and so the
   *   catch-up goes fire by fire, each exactly once. When more fires were missed than
   *   `misfireCatchupMax`, the catch-up is refused instead: no task, the first fire after now,
   *   and {@link Effect.MISFIRE_CAPPED} is published.
   * FIXED_DELAY jobs always commit `following` null: the end of the run (or, without a task, the
   * commit script) plans their next fire.
   */
  private async commit(fires: ClaimedFire[]): Promise<void> {
    const now = this.now();
    const commits: FireCommit[] = [];
    let catchingUp = false;
    for (const f of fires) {
      try {
        const plan = this.plan(f.plan);
        const s = plan.schedule;
        const misfired = f.lateMs > plan.misfire.thresholdMs;
        let task = true;
        let following: number | null;
        if (!misfired) {
          following = followingFire(s, f.scheduledAt);
          // Late, within the threshold, and the next fire is due already (after an outage):
          // claim it now, not at the next tick, so a backlog drains at once.
          if (following !== null && following <= now) catchingUp = true;
        } else if (plan.misfire.policy === 'FIRE_ALL') {
          const cap = this.deps.config.misfireCatchupMax ?? DEFAULT_CATCHUP_MAX;
          const missed = firesDue(s, f.scheduledAt, now, cap * 10);
          if (missed > cap) {
            task = false;
            following = followingFire(s, f.scheduledAt, now);
            this.misfireCap({ app: this.app, jobId: f.jobId, scheduledAt: f.scheduledAt, missed });
          } else {
            following = followingFire(s, f.scheduledAt);
            if (following !== null && following <= now) catchingUp = true;
          }
        } else {
          task = plan.misfire.policy !== 'SKIP';
          following = followingFire(s, f.scheduledAt, now);
        }
        commits.push({
          jobId: f.jobId,
          scheduledAt: f.scheduledAt,
          planVersion: f.planVersion,
          following,
          taskId: task ? newTaskId(f.jobId, now) : null,
          triggerType: misfired ? TriggerType.MISFIRE : s.type === 'CRON' ? TriggerType.CRON : TriggerType.FIXED,
        });
        if (misfired) {
          this.deps.logger.warn({ app: this.app, jobId: f.jobId, scheduledAt: f.scheduledAt, lateMs: f.lateMs, policy: plan.misfire.policy }, 'misfire');
        }
      } catch (err) {
        this.deps.logger.error({ err, app: this.app, jobId: f.jobId }, 'scheduler: cannot plan fire');
      }
    }
    for (let i = 0; i < commits.length; i += COMMIT_CHUNK) {
      const chunk = commits.slice(i, i + COMMIT_CHUNK);
      try {
        const { effects, epochChanged } = await this.deps.store.commitFires(this.app, this.now(), this.deps.config, chunk);
        if (epochChanged) {
          // Refused: Redis restarted or lost data. The loop's next claim finds out and reconciles.
          this.wake();
          return;
        }
        // Wake per chunk: workers start pulling while the next chunk is committed.
        this.deps.effects.publishScript(this.app, effects);
      } catch (err) {
        // The claims stay: once their lease runs out they are claimed and committed again.
        this.deps.logger.error({ err, app: this.app }, 'scheduler: commit failed; fires will be retried after the claim lease');
      }
    }
    // A catch-up left a past fire in the schedule: claim it now rather than at the next tick.
    if (catchingUp) this.wake();
  }

  private misfireCap(e: MisfireCapEvent): void {
    this.deps.logger.warn(e, 'misfire: catch-up refused, more fires missed than OASIS_MISFIRE_CATCHUP_MAX');
    this.deps.effects.publish(Effect.MISFIRE_CAPPED, e);
  }
}
