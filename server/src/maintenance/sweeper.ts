import type { OasisConfig } from '../config/schema.js';
import type { Logger } from '../domain/logger.js';
import { Effect, type EffectsPublisher } from '../events/effects-bus.js';
import type { WorkerRegistry } from '../registry/worker-registry.js';
import type { LeaderLock } from '../store/redis/leader-lock.js';
import type { TaskStore } from '../store/redis/task-store.js';

export interface SweeperDeps {
  /** Every app to sweep. */
  apps: () => Promise<string[]>;
  /** Ends tasks whose lease, timeout or wait for a worker ran out; puts unacknowledged deliveries back. */
  tasks: Pick<TaskStore, 'reapExpired' | 'requeueUnacked'>;
  /** Retires workers gone for good (silent past the TTL, or disconnected past the reconnect grace). */
  registry: Pick<WorkerRegistry, 'reap'>;
  lock: LeaderLock;
  config: Pick<OasisConfig, 'sweepMs' | 'workerTtlMs' | 'noWorkerGraceMs'>;
  logger: Logger;
  /**
   * Where it publishes what ending tasks asks for afterwards (abort timed-out tasks, route
   * retries, wake the targets of tasks put back, …) and that final records wait (tasks marked
   * LOST / TIMEOUT / NO_WORKER).
   */
  effects: EffectsPublisher;
  /** Slower leader-only chores (e.g. the daily report refresh), each run at most every `everyMs`. */
  chores?: readonly LeaderChore[];
  /** The cluster's clock (epoch ms): the Redis server's (`store/redis/redis-clock.ts`); default `Date.now`. */
  now?: () => number;
  /** False while that clock is not measured: the admin gives the leadership up and sweeps nothing (leases would be judged on a guess). */
  ready?: () => boolean;
}

/** Periodic work only the maintenance leader does; a failure is logged and tried again next time. */
export interface LeaderChore {
  name: string;
  everyMs: number;
  run: () => Promise<void>;
}

/**
 * The maintenance leader's periodic work: retire workers gone for good (their running tasks end
 * LOST, their queued and delivered ones are re-routed), put back delivered tasks their worker did
 * not acknowledge in time, and end running tasks whose lease ran out as LOST, whose timeout
 * passed without an answer as TIMEOUT, and tasks that waited for a worker past the no-worker
 * grace as NO_WORKER. The scripts are atomic, so a second admin
 * sweeping at the same moment would do no harm; the lock just saves the work.
 */
export class Sweeper {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private readonly now: () => number;
  /** Chore name → when it last ran (epoch ms); a new leader runs each chore at once. */
  private readonly choresRanAt = new Map<string, number>();

  constructor(private readonly deps: SweeperDeps) {
    this.now = deps.now ?? Date.now;
  }

  start(): void {
    const loop = () => {
      this.running = this.sweepIfLeader().finally(() => {
        this.running = null;
        if (this.timer !== null) this.timer = setTimeout(loop, this.deps.config.sweepMs);
      });
    };
    this.timer = setTimeout(loop, this.deps.config.sweepMs);
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
    await this.deps.lock.release();
  }

  private async sweepIfLeader(): Promise<void> {
    try {
      if (this.deps.ready && !this.deps.ready()) {
        await this.deps.lock.release();
        this.choresRanAt.clear();
      } else if (await this.deps.lock.holdOrAcquire()) {
        await this.sweep();
        await this.runChores();
      } else this.choresRanAt.clear();
    } catch (err) {
      this.deps.logger.warn({ err }, 'sweep failed');
    }
  }

  /** Runs the chores that are due (one after the other, each failure logged on its own). */
  private async runChores(): Promise<void> {
    for (const chore of this.deps.chores ?? []) {
      const now = this.now();
      if (now - (this.choresRanAt.get(chore.name) ?? -Infinity) < chore.everyMs) continue;
      this.choresRanAt.set(chore.name, now);
      try {
        await chore.run();
      } catch (err) {
        this.deps.logger.warn({ err, chore: chore.name }, 'maintenance chore failed');
      }
    }
  }

  /** One sweep over every app. */
  async sweep(): Promise<void> {
    const { config, logger } = this.deps;
    for (const app of await this.deps.apps()) {
      const now = this.now();
      // The registry publishes what retiring workers asks for (re-routing, LOST records).
      await this.deps.registry.reap(app, now);
      const back = await this.deps.tasks.requeueUnacked(app, now, config.workerTtlMs);
      if (back.requeued.length) logger.warn({ app, tasks: back.requeued.length }, 'delivered tasks not acknowledged in time: back in their queues');
      this.deps.effects.publishScript(app, back.effects);
      const { lost, timedOut, noWorker, effects } = await this.deps.tasks.reapExpired(app, now, config.workerTtlMs, config.noWorkerGraceMs);
      if (lost.length) logger.warn({ app, tasks: lost.length }, 'task leases ran out: marked LOST');
      if (timedOut.length) logger.warn({ app, tasks: timedOut.length }, 'tasks passed their timeout without a result: marked TIMEOUT');
      if (noWorker.length) logger.warn({ app, tasks: noWorker.length }, 'no worker came within the no-worker grace: marked NO_WORKER');
      this.deps.effects.publishScript(app, effects);
      if (lost.length || timedOut.length || noWorker.length) this.deps.effects.publish(Effect.FINALS, { app });
    }
  }
}
