import type { OasisConfig } from '../config/schema.js';
import type { Logger } from '../domain/logger.js';
import type { WorkerDirectory } from '../domain/ports.js';
import { Effect, type EffectsPublisher } from '../events/effects-bus.js';
import type { WorkerInfo } from '../domain/types.js';
import type { Released, WorkerRegistration, WorkerStore } from '../store/redis/worker-store.js';

/** Dependencies of {@link WorkerRegistry}. */
export interface WorkerRegistryDeps {
  workers: WorkerStore;
  /** Every app (the schedule store's list), for listing the workers of all. */
  apps: () => Promise<string[]>;
  config: Pick<OasisConfig, 'workerTtlMs' | 'noWorkerGraceMs' | 'taskLeaseMs' | 'timeoutGraceMs' | 'workerReconnectGraceMs'>;
  /**
   * Where it publishes that retired or disconnected workers' queued tasks moved to the shared
   * queue, and what releasing a worker's tasks asks for afterwards (retries, wakes, final records).
   */
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

  /**
   * A worker connected here (its handshake passed): it is live from now. With `holding` (the
   * handshake's list of the tasks it holds), the tasks it had under its id and no longer holds
   * are released at once: running ones end LOST (retried per policy), delivered ones go back to
   * a queue.
   */
  async register(app: string, reg: WorkerRegistration, holding?: readonly string[]): Promise<void> {
    this.registrations.set(`${app}/${reg.workerId}`, reg);
    const released = await this.deps.workers.register(app, reg, this.now(), holding, this.deps.config);
    if (released.lost.length || released.requeued) {
      this.deps.logger.warn({ app, workerId: reg.workerId, lost: released.lost.length, requeued: released.requeued }, 'worker registered without tasks it had: released');
    }
    this.publishReleased(app, released);
  }

  /**
   * Registers again a worker this admin still serves (it was retired meanwhile); false when it is
   * not connected here (nothing done). Nothing it holds is released.
   */
  async reregister(app: string, workerId: string): Promise<boolean> {
    const reg = this.registrations.get(`${app}/${workerId}`);
    if (!reg) return false;
    await this.register(app, reg);
    return true;
  }

  /**
   * A worker's connection `conn` ended: the worker is marked disconnected (not routed to) and its
   * queued tasks move to the shared queue (unless it already reconnected elsewhere), whose
   * workers are woken for them. Its running and delivered tasks stay its own: the sweeper
   * retires it ({@link reap}) if it does not come back within the reconnect grace.
   */
  async offline(app: string, workerId: string, conn: string): Promise<void> {
    const key = `${app}/${workerId}`;
    if (this.registrations.get(key)?.conn === conn) this.registrations.delete(key);
    const moved = await this.deps.workers.offline(app, workerId, conn, this.now(), this.deps.config);
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
   * The sweeper's worker reaping: retires the app's workers gone for good (silent past the worker
   * TTL, or disconnected and silent past the reconnect grace: `lua/include/offline.lua`). Their
   * running tasks end LOST (retried per policy), delivered ones go back to a queue, queued ones
   * move to the shared queue (whose workers are woken); returns their ids.
   */
  async reap(app: string, now: number): Promise<string[]> {
    const { config } = this.deps;
    const r = await this.deps.workers.reap(app, now, config.workerTtlMs, config.workerReconnectGraceMs);
    if (r.retired.length) {
      this.deps.logger.info({ app, workers: r.retired, lost: r.lost.length, requeued: r.requeued }, 'workers gone for good: retired');
      this.deps.effects.publish(Effect.REROUTED, { app });
    }
    this.publishReleased(app, r);
    return r.retired;
  }

  private publishReleased(app: string, r: Released): void {
    this.deps.effects.publishScript(app, r.effects);
    if (r.lost.length) this.deps.effects.publish(Effect.FINALS, { app });
  }
}
