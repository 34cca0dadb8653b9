import { followingFire, nextFireAfter, parsePlan, runsLeft } from '../domain/schedule.js';
import type { Logger } from '../domain/logger.js';
import type { EffectsPublisher } from '../events/effects-bus.js';
import { SCHEDULED_TRIGGERS, type FireMove, type RecordedFire, type ScheduleStore } from '../store/redis/schedule-store.js';

/** The fires the database recorded (`oasis_job_log`): `FireHistoryRepo` of `store/db/`. */
export interface FireHistory {
  scheduledFiresSince(app: string, since: number, triggerTypes: readonly string[]): Promise<RecordedFire[]>;
  /** Which of these task ids have a final record. */
  recordedTaskIds(taskIds: readonly string[]): Promise<Set<string>>;
}

export interface ReconcilerDeps {
  store: Pick<ScheduleStore, 'serverRunId' | 'hotPointers' | 'finalsFiresSince' | 'reconcileFires' | 'inflightTaskIds' | 'finalsTaskIds' | 'forgetEnded'>;
  history: FireHistory;
  /**
   * Rewrites the hot copies Redis lost from the database (`JobService.restoreHotCopies`), before the
   * pointers are checked: a Redis without persistence loses every job, not just its last second.
   */
  restore?: () => Promise<unknown>;
  logger: Logger;
  /** Where the wake-ups of buffered fires released by a forgotten task go (workers poll anyway). */
  effects?: Pick<EffectsPublisher, 'publishScript'>;
  /** OASIS_WORKER_TTL_MS, for routing a buffered fire released by a forgotten task (default 15000). */
  workerTtlMs?: number;
  /** Injectable clock (epoch ms). */
  now?: () => number;
}

/** Jobs per reconcile-fires.lua call, task ids per forget-ended.lua call. */
const CHUNK = 500;
/** A server that keeps restarting under the reconcile: give up for now, the loop tries again. */
const ATTEMPTS = 5;

/**
 * Reconciles an app's hot schedule with the fires already recorded, after Redis restarted, failed
 * over or lost data (claim-due.lua and commit-fire.lua answer EPOCH_CHANGED until it is done):
 * a job whose hot `nextFireAt` is at or before its newest recorded fire moves on to the first fire
 * after it, so a fire recorded in MySQL (or still in the finals stream, newer than MySQL) never
 * fires twice. Before that, the tasks the older data still holds in flight although their final
 * record exists are taken out of flight (forget-ended.lua): a queued or delivered copy of a run
 * that ended would be handed to a worker again (pull-tasks.lua hands nothing out until the seal).
 * Then every claim is handed back and the app's epoch is written: the loops claim again. One reconcile per app at a time in this admin; several admins reconciling together is
 * harmless (a job moves only while its next fire is still the one read, and to the same place).
 */
export class FireReconciler {
  private readonly running = new Map<string, Promise<void>>();
  private readonly now: () => number;

  constructor(private readonly deps: ReconcilerDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** Reconciles `app` (joins a reconcile of it already under way). */
  reconcile(app: string): Promise<void> {
    let p = this.running.get(app);
    if (!p) {
      p = this.run(app).finally(() => this.running.delete(app));
      this.running.set(app, p);
    }
    return p;
  }

  private async run(app: string): Promise<void> {
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      const runId = await this.deps.store.serverRunId(app);
      await this.deps.restore?.();
      if (!(await this.forgetEnded(app, runId))) continue;
      const moves = await this.movesOf(app);
      let moved = 0;
      let released = 0;
      let changed = false;
      for (let i = 0; i === 0 || i < moves.length; i += CHUNK) {
        const chunk = moves.slice(i, i + CHUNK);
        const r = await this.deps.store.reconcileFires(app, runId, chunk, i + CHUNK >= moves.length);
        if (r.epochChanged) {
          changed = true;
          break;
        }
        moved += r.moved;
        released += r.released;
      }
      if (changed) continue;
      this.deps.logger[moved > 0 ? 'warn' : 'info']({ app, runId, moved, released }, 'scheduler: schedule reconciled with the recorded fires (Redis restarted or lost data)');
      return;
    }
    throw new Error(`scheduler: Redis kept restarting while app ${app} was reconciled`);
  }

  /**
   * Takes the in-flight tasks that already ended out of flight; false when the server restarted
   * again meanwhile. The tasks are read before their records: a task that ends between the reads
   * is found recorded and is no longer in flight (left alone), or ended once, after the reads.
   */
  private async forgetEnded(app: string, runId: string): Promise<boolean> {
    const inflight = await this.deps.store.inflightTaskIds(app);
    if (inflight.length === 0) return true;
    // The stream first, as in movesOf: a record moving on to MySQL between the reads is found there.
    const streamed = await this.deps.store.finalsTaskIds(app);
    const stored = await this.deps.history.recordedTaskIds(inflight.filter((id) => !streamed.has(id)));
    const ended = inflight.filter((id) => streamed.has(id) || stored.has(id));
    let forgotten = 0;
    for (let i = 0; i < ended.length; i += CHUNK) {
      const r = await this.deps.store.forgetEnded(app, runId, this.now(), this.deps.workerTtlMs ?? 15_000, ended.slice(i, i + CHUNK));
      if (r.epochChanged) return false;
      forgotten += r.forgotten;
      this.deps.effects?.publishScript(app, r.effects);
    }
    if (forgotten > 0) this.deps.logger.warn({ app, runId, forgotten }, 'scheduler: tasks still in flight in the restored Redis had already ended (recorded); taken out of flight');
    return true;
  }

  /** The jobs whose next fire is at or before a fire already recorded, and where they move. */
  private async movesOf(app: string): Promise<FireMove[]> {
    const pointers = await this.deps.store.hotPointers(app);
    if (pointers.length === 0) return [];
    const since = pointers.reduce((min, p) => Math.min(min, p.nextFireAt), Infinity);
    // The stream first: a record written to MySQL and dropped from the stream between the two
    // reads is then found in MySQL; the other order could miss it.
    const streamed = await this.deps.store.finalsFiresSince(app, since);
    const stored = await this.deps.history.scheduledFiresSince(app, since, SCHEDULED_TRIGGERS);
    const recorded = new Map<number, Set<number>>();
    for (const f of [...streamed, ...stored]) {
      let s = recorded.get(f.jobId);
      if (!s) recorded.set(f.jobId, (s = new Set()));
      s.add(f.scheduledAt);
    }
    const now = this.now();
    const moves: FireMove[] = [];
    for (const p of pointers) {
      const fires = [...(recorded.get(p.jobId) ?? [])].filter((t) => t >= p.nextFireAt);
      if (fires.length === 0) continue;
      const newest = Math.max(...fires);
      let following: number | null;
      try {
        const s = parsePlan(p.plan).schedule;
        // FIXED_DELAY plans from the end of a run: as if the newest recorded one had just ended.
        following = s.type === 'FIXED_DELAY' ? nextFireAfter(s, Math.max(newest, now)) : followingFire(s, newest);
        if (runsLeft(s, p.runs + fires.length) === 0) following = null;
      } catch (err) {
        this.deps.logger.error({ err, app, jobId: p.jobId }, 'scheduler: cannot plan the fire after the recorded ones; the job is left as it is');
        continue;
      }
      moves.push({ jobId: p.jobId, seen: p.nextFireAt, following, lost: fires.length });
    }
    return moves;
  }
}
