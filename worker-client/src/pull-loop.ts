/**
 * The worker's side of the slot bargain: it pulls as many tasks as it has free slots (on connect,
 * on `wake`, on every poll and whenever a slot frees up; one pull in flight at a time),
 * acknowledges the tasks of each pull reply, and heartbeats the tasks it holds so their leases
 * are renewed. A reply that arrived well within the admin's acknowledgement window (`ackMs`) is
 * started at once and acknowledged right after, so an acknowledged task has started; a later one
 * (its admin froze in the middle of the pull) is acknowledged first and only the tasks the admin
 * confirms are started, so a task that went back to its queue meanwhile never runs here too.
 *
 * The admin counts a slot as held until the task's result is accepted. A pull sent while results
 * are on their way may come back short although tasks are queued, and no `wake` follows (the
 * tasks were queued before). Such a pull is repeated once the admin has acknowledged results
 * ({@link PullLoop.reported}), not left to the poll timer.
 */
import type { AdminConnection } from './connection.js';
import type { WorkerLogger } from './logger.js';
import type { TaskRunner } from './task-runner.js';

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** The ids of the well-formed tasks of a pull reply. */
const idsOf = (tasks: readonly unknown[]): string[] =>
  tasks.flatMap((t) => (typeof t === 'object' && t !== null && typeof (t as { id?: unknown }).id === 'string' ? [(t as { id: string }).id] : []));

/** Pulls and heartbeats of one worker, over its current admin connection. */
export class PullLoop {
  private pulling: Promise<void> | undefined;
  /** Acks of started tasks still unanswered: they do not hold the next pull back. */
  private readonly acking = new Set<Promise<void>>();
  private pullAgain = false;
  /** A pull came back short while results were unacknowledged: pull again once they are. */
  private afterReport = false;
  private heartbeatInFlight = false;

  constructor(
    private readonly connection: AdminConnection,
    private readonly runner: TaskRunner,
    private readonly logger: WorkerLogger,
    /** False while the worker must not take work: not running, or drained by its admin. */
    private readonly mayPull: () => boolean,
    /** The admin answered the ack of these started tasks (the liveness thread need not). */
    private readonly acked: (taskIds: string[]) => void = () => undefined,
    /** Results not acknowledged by the admin yet: their slots still count as held there. */
    private readonly unreported: () => number = () => 0,
  ) {}

  /** The admin acknowledged results: their slots are free on its side too. */
  reported(): void {
    if (!this.afterReport) return;
    this.afterReport = false;
    this.maybePull();
  }

  /** Resolves once the pull in flight (if any) settled: its tasks are ours and started, or given back. */
  async settled(): Promise<void> {
    if (this.pulling !== undefined) await this.pulling;
    await Promise.allSettled([...this.acking]);
  }

  /** Pulls if we may: allowed, connected, free slots, no pull in flight (then once more after it). */
  maybePull(): void {
    if (this.pulling !== undefined) {
      this.pullAgain = true;
      return;
    }
    if (!this.mayPull() || !this.connection.ready) return;
    const max = this.runner.freeSlots;
    if (max <= 0) return;
    this.pullAgain = false;
    const sentAt = Date.now();
    const reporting = this.unreported() > 0;
    this.pulling = this.connection
      .pull({ max })
      .then(
        async ({ tasks, ackMs }) => {
          if (!Array.isArray(tasks)) throw new Error('pull reply has no tasks array');
          if (tasks.length >= max) this.pullAgain = true;
          else if (reporting) this.afterReport = true;
          if (tasks.length === 0) return;
          // Half the window leaves the ack the other half, and room for clock skew between admins.
          // The ack of tasks already started runs beside the next pull: one round trip per pull,
          // not two, at thousands of tasks a second.
          if (typeof ackMs === 'number' && Date.now() - sentAt < ackMs / 2) this.track(this.startThenAck(tasks, max, ackMs));
          else await this.ackThenStart(tasks, max);
        },
        (err: unknown) => this.logger.debug(`pull failed: ${messageOf(err)}`),
      )
      .catch((err: unknown) => this.logger.error('bad pull reply', err))
      .finally(() => {
        this.pulling = undefined;
        if (this.pullAgain) this.maybePull();
      });
  }

  private track(ack: Promise<void>): void {
    const p = ack.catch((err: unknown) => this.logger.error('bad ack reply', err)).finally(() => this.acking.delete(p));
    this.acking.add(p);
  }

  /**
   * A fresh reply: the tasks start now, then the ack tells the admin so; any it answers as no
   * longer ours is aborted. Without an answer they run on: a heartbeat (or the handshake of our
   * next connection) that lists them acknowledges them too.
   */
  private async startThenAck(tasks: readonly unknown[], max: number, ackMs: number): Promise<void> {
    // A handler that blocks this thread at once would hold the ack back: the liveness thread sends
    // it (a heartbeat naming them) if we have not confirmed it within half the rest of the window.
    this.runner.accept(tasks, max, ackMs / 4);
    const ids = idsOf(tasks);
    let acked: unknown;
    try {
      ({ acked } = await this.connection.ack({ taskIds: ids }));
    } catch (err) {
      this.logger.debug(`ack of ${ids.length} started task(s) failed; the next heartbeat acknowledges them: ${messageOf(err)}`);
      return;
    }
    this.acked(ids);
    if (!Array.isArray(acked)) throw new Error('ack reply has no acked array');
    const held = new Set(acked);
    const lost = ids.filter((id) => !held.has(id));
    if (lost.length > 0) {
      this.logger.warn(`${lost.length} task(s) were no longer ours when acknowledged; aborted`);
      this.runner.disown(lost);
    }
  }

  /**
   * A late reply: acknowledges first and starts only the tasks the admin says we hold. When the
   * ack gets no answer none starts: unacknowledged, they go back to their queue on the admin's side.
   */
  private async ackThenStart(tasks: readonly unknown[], max: number): Promise<void> {
    const ids = idsOf(tasks);
    let acked: unknown;
    try {
      ({ acked } = await this.connection.ack({ taskIds: ids }));
    } catch (err) {
      this.logger.warn(`ack of ${ids.length} delivered task(s) failed, none started (they go back to the queue): ${messageOf(err)}`);
      return;
    }
    if (!Array.isArray(acked)) throw new Error('ack reply has no acked array');
    const held = new Set(acked);
    const dropped = ids.length - held.size;
    if (dropped > 0) this.logger.warn(`${dropped} delivered task(s) were no longer ours when acknowledged; not started`);
    this.runner.accept(tasks.filter((t) => held.has((t as { id?: unknown }).id)), max);
  }

  /** Reports the tasks held (their leases are renewed) and the free slots; aborts those the admin disowns. */
  beat(): void {
    if (this.heartbeatInFlight || !this.connection.ready) return;
    this.heartbeatInFlight = true;
    const free = this.mayPull() ? Math.max(0, this.runner.freeSlots) : 0;
    const unmeasured = this.connection.clock.offsetMs === undefined;
    this.connection
      .heartbeat({ running: this.runner.ids(), free })
      .then(({ abort }) => {
        if (Array.isArray(abort)) this.runner.disown(abort);
      })
      .catch((err: unknown) => this.logger.debug(`heartbeat failed: ${messageOf(err)}`))
      .finally(() => {
        this.heartbeatInFlight = false;
        // The first clock sample came with this answer: tell the admin now, not a heartbeat later.
        if (unmeasured && this.connection.clock.offsetMs !== undefined) this.beat();
      });
  }
}
