import type { Logger } from '../domain/logger.js';

/** How one part of the admin starts and stops; both optional. */
export interface LifecycleHooks {
  /** Omitted: the part runs once built (a connection opened while wiring), it only needs stopping. */
  start?: () => void | Promise<void>;
  stop?: () => void | Promise<void>;
}

/** Where a {@link Lifecycle} is: built (adding parts), starting, running, stopping, stopped. */
export const LifecycleState = {
  BUILT: 'built',
  STARTING: 'starting',
  RUNNING: 'running',
  STOPPING: 'stopping',
  STOPPED: 'stopped',
} as const;
export type LifecycleState = (typeof LifecycleState)[keyof typeof LifecycleState];

interface Step extends LifecycleHooks {
  name: string;
  started: boolean;
}

/**
 * The parts of an admin in the order they start: {@link start} runs their `start` hooks in the
 * order they were added, {@link stop} their `stop` hooks in reverse — so what started last stops
 * first, and stopping mirrors starting. A part added without `start` counts as started when it is
 * added (it runs already); a failing start stops every part started before it, then throws.
 * Each step is logged at debug level with its duration.
 */
export class Lifecycle {
  private readonly steps: Step[] = [];
  private stopping: Promise<void> | null = null;
  private current: LifecycleState = LifecycleState.BUILT;

  constructor(private readonly logger: Logger) {}

  get state(): LifecycleState {
    return this.current;
  }

  /**
   * Adds a part after those added before.
   * @throws {Error} once {@link start} or {@link stop} was called.
   */
  add(name: string, hooks: LifecycleHooks): void {
    if (this.current !== LifecycleState.BUILT) throw new Error(`lifecycle: cannot add "${name}" once ${this.current}`);
    this.steps.push({ name, ...hooks, started: hooks.start === undefined });
  }

  /**
   * Starts the parts in order.
   * @throws the first failing `start`'s error, after the parts already started were stopped.
   */
  async start(): Promise<void> {
    if (this.current !== LifecycleState.BUILT) throw new Error(`lifecycle: cannot start once ${this.current}`);
    this.current = LifecycleState.STARTING;
    for (const step of this.steps) {
      if (step.started || !step.start) continue;
      try {
        await this.timed('start', step.name, step.start);
      } catch (err) {
        this.logger.debug({ err, part: step.name }, 'start failed: stopping what started');
        await this.stop().catch(() => undefined);
        throw err;
      }
      step.started = true;
    }
    this.current = LifecycleState.RUNNING;
  }

  /**
   * Stops the started parts in reverse order, each once, even when one fails (its failure is
   * logged). Calling it again returns the same promise.
   * @throws the first failing `stop`'s error, once every part was stopped.
   */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.current = LifecycleState.STOPPING;
      let failure: { err: unknown } | null = null;
      for (const step of [...this.steps].reverse()) {
        if (!step.started) continue;
        step.started = false;
        if (!step.stop) continue;
        try {
          await this.timed('stop', step.name, step.stop);
        } catch (err) {
          this.logger.warn({ err, part: step.name }, 'stop failed; stopping the rest');
          failure ??= { err };
        }
      }
      this.current = LifecycleState.STOPPED;
      if (failure) throw failure.err;
    })();
    return this.stopping;
  }

  private async timed(what: 'start' | 'stop', part: string, hook: () => void | Promise<void>): Promise<void> {
    const at = Date.now();
    this.logger.debug({ part }, `${what}: ${part}`);
    await hook();
    this.logger.debug({ part, ms: Date.now() - at }, `${what}: ${part} done`);
  }
}
