import type { OasisConfig } from '../config/schema.js';
import type { Logger } from '../domain/logger.js';
import { Effect, type EffectsPublisher } from '../events/effects-bus.js';
import type { WorkerRegistry } from '../registry/worker-registry.js';
import type { LeaderLock } from '../store/redis/leader-lock.js';
import type { TaskStore } from '../store/redis/task-store.js';

export interface SweeperDeps {
  /** Every app to sweep. */
  apps: () => Promise<string[]>;
  /** Ends tasks whose lease or timeout ran out. */
  tasks: Pick<TaskStore, 'reapExpired'>;
  /** Retires workers silent past the worker TTL. */
  registry: Pick<WorkerRegistry, 'reap'>;
  lock: LeaderLock;
  config: Pick<OasisConfig, 'sweepMs' | 'workerTtlMs'>;
  logger: Logger;
  /**
   * Where it publishes what ending tasks asks for afterwards (abort timed-out tasks, route
   * retries, …) and that final records wait (tasks marked LOST / TIMEOUT).
   */
  effects: EffectsPublisher;
  /** Slower leader-only chores (e.g. the daily report refresh), each run at most every `everyMs`. */
  chores?: readonly LeaderChore[];
  now?: () => number;
}

/** Periodic work only the maintenance leader does; a failure is logged and tried again next time. */
export interface LeaderChore {
  name: string;
  everyMs: number;
  run: () => Promise<void>;
}

/**
 * The maintenance leader's periodic work: retire silent workers (re-routing their queued tasks)
 * and end running tasks whose lease ran out as LOST, or whose timeout passed without an answer
 * as TIMEOUT. The scripts are atomic, so a second admin
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
      if (await this.deps.lock.holdOrAcquire()) {
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
      // The registry publishes the re-routing of the retired workers' queued tasks.
      await this.deps.registry.reap(app, now);
      const { lost, timedOut, effects } = await this.deps.tasks.reapExpired(app, now, config.workerTtlMs);
      if (lost.length) logger.warn({ app, tasks: lost.length }, 'task leases ran out: marked LOST');
      if (timedOut.length) logger.warn({ app, tasks: timedOut.length }, 'tasks passed their timeout without a result: marked TIMEOUT');
      this.deps.effects.publishScript(app, effects);
      if (lost.length || timedOut.length) this.deps.effects.publish(Effect.FINALS, { app });
    }
  }
}
