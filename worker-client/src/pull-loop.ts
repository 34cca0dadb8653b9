/**
 * The worker's side of the slot bargain: it pulls as many tasks as it has free slots (on connect,
 * on `wake`, on every poll and whenever a slot frees up; one pull in flight at a time), and
 * heartbeats the tasks it holds so their leases are renewed.
 */
import type { AdminConnection } from './connection.js';
import type { WorkerLogger } from './logger.js';
import type { TaskRunner } from './task-runner.js';

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Pulls and heartbeats of one worker, over its current admin connection. */
export class PullLoop {
  private pulling: Promise<void> | undefined;
  private pullAgain = false;
  private heartbeatInFlight = false;

  constructor(
    private readonly connection: AdminConnection,
    private readonly runner: TaskRunner,
    private readonly logger: WorkerLogger,
    /** False while the worker must not take work: not running, or drained by its admin. */
    private readonly mayPull: () => boolean,
  ) {}

  /** Resolves once the pull in flight (if any) settled: its tasks are leased to us already. */
  async settled(): Promise<void> {
    if (this.pulling !== undefined) await this.pulling;
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
    this.pulling = this.connection
      .pull({ max })
      .then(
        ({ tasks }) => {
          if (!Array.isArray(tasks)) throw new Error('pull reply has no tasks array');
          this.runner.accept(tasks, max);
          if (tasks.length >= max) this.pullAgain = true;
        },
        (err: unknown) => this.logger.debug(`pull failed: ${messageOf(err)}`),
      )
      .catch((err: unknown) => this.logger.error('bad pull reply', err))
      .finally(() => {
        this.pulling = undefined;
        if (this.pullAgain) this.maybePull();
      });
  }

  /** Reports the tasks held (their leases are renewed) and the free slots; aborts those the admin disowns. */
  beat(): void {
    if (this.heartbeatInFlight || !this.connection.ready) return;
    this.heartbeatInFlight = true;
    const free = this.mayPull() ? Math.max(0, this.runner.freeSlots) : 0;
    this.connection
      .heartbeat({ running: this.runner.ids(), free })
      .then(({ abort }) => {
        if (Array.isArray(abort)) this.runner.disown(abort);
      })
      .catch((err: unknown) => this.logger.debug(`heartbeat failed: ${messageOf(err)}`))
      .finally(() => {
        this.heartbeatInFlight = false;
      });
  }
}
