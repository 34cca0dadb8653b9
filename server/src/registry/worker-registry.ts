import type { OasisConfig } from '../config/schema.js';
import type { Logger } from '../domain/logger.js';
import type { WorkerDirectory } from '../domain/ports.js';
import { Effect, type EffectsPublisher } from '../events/effects-bus.js';
import type { WorkerInfo } from '../domain/types.js';
import type { WorkerRegistration, WorkerStore } from '../store/redis/worker-store.js';

/** Dependencies of {@link WorkerRegistry}. */
export interface WorkerRegistryDeps {
  workers: WorkerStore;
  /** Every app (the schedule store's list), for listing the workers of all. */
  apps: () => Promise<string[]>;
  config: Pick<OasisConfig, 'workerTtlMs'>;
  /** Where it publishes that retired or disconnected workers' queued tasks moved to the shared queue. */
  effects: EffectsPublisher;
  logger: Logger;
  now?: () => number;
}

/**
 * Worker presence: who is connected, with what capacity, and who went away. The Redis side is
 * `store/redis/worker-store.ts`; this keeps what only this admin knows — the registration of each
 * worker connected here, so one it still serves is registered again after the sweeper retired it
 * (a heartbeat or pull that finds it unknown: its admin froze, or Redis lost the entry).
 */
export class WorkerRegistry implements WorkerDirectory {
  private readonly now: () => number;
  /** app/workerId → registration of a worker connected to this admin. */
  private readonly registrations = new Map<string, WorkerRegistration>();

  constructor(private readonly deps: WorkerRegistryDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** A worker connected here (its handshake passed): it is live from now. */
  async register(app: string, reg: WorkerRegistration): Promise<void> {
    this.registrations.set(`${app}/${reg.workerId}`, reg);
    await this.deps.workers.register(app, reg, this.now());
  }

  /**
   * Registers again a worker this admin still serves (it was retired meanwhile); false when it is
   * not connected here (nothing done).
   */
  async reregister(app: string, workerId: string): Promise<boolean> {
    const reg = this.registrations.get(`${app}/${workerId}`);
    if (!reg) return false;
    await this.register(app, reg);
    return true;
  }

  /**
   * A worker's connection `conn` ended: the worker leaves the live set and its queued tasks move
   * to the shared queue (unless it already reconnected elsewhere), whose workers are woken for
   * them. Running tasks keep their leases.
   */
  async offline(app: string, workerId: string, conn: string): Promise<void> {
    const key = `${app}/${workerId}`;
    if (this.registrations.get(key)?.conn === conn) this.registrations.delete(key);
    const moved = await this.deps.workers.offline(app, workerId, conn);
    if (moved <= 0) return;
    this.deps.logger.info({ app, workerId, moved }, 'worker offline: queued tasks re-routed');
    this.deps.effects.publish(Effect.REROUTED, { app });
  }

  /** Known workers, of one app or of all (by app, live ones first). */
  async list(app?: string): Promise<WorkerInfo[]> {
    const apps = app ? [app] : await this.deps.apps();
    const out: WorkerInfo[] = [];
    for (const a of apps) {
      for (const w of await this.deps.workers.list(a, this.now(), this.deps.config.workerTtlMs)) out.push({ ...w, app: a });
    }
    return out;
  }

  /**
   * The sweeper's worker reaping: retires the app's workers silent past the worker TTL (their
   * queued tasks move to the shared queue, whose workers are woken); returns their ids.
   */
  async reap(app: string, now: number): Promise<string[]> {
    const dead = await this.deps.workers.reap(app, now, this.deps.config.workerTtlMs);
    if (dead.length) {
      this.deps.logger.info({ app, workers: dead }, 'workers stopped heartbeating: retired');
      this.deps.effects.publish(Effect.REROUTED, { app });
    }
    return dead;
  }
}
