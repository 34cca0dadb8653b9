import type { HeartbeatMessage, LogMessage, ProgressMessage, ResultVerdict, TaskPayload, TaskResult } from '@oasis/worker-client/protocol';
import type { OasisConfig } from '../config/schema.js';
import type { EffectsListener } from './effects.js';
import type { Logger } from '../domain/logger.js';
import { ResultCode, type TaskStore } from '../store/redis/task-store.js';
import type { WorkerRegistration, WorkerStore } from '../store/redis/worker-store.js';

export interface DispatcherDeps {
  tasks: TaskStore;
  workers: WorkerStore;
  config: Pick<OasisConfig, 'taskLeaseMs' | 'maxLogLines' | 'timeoutGraceMs' | 'workerTtlMs'>;
  logger: Logger;
  /** Told what ending tasks asks for afterwards (released buffered fires, FIXED_DELAY fires). */
  onEffects?: EffectsListener;
  /** Called when results were accepted (the final writer may flush early). */
  onFinal?: (app: string) => void;
  /** Called when a live log batch was stored (the dashboard may stream it). */
  onLog?: (app: string, msg: LogMessage) => void;
  /** Called when a worker pulled tasks (they run now; the dashboard shows it). */
  onPulled?: (app: string, workerId: string, tasks: readonly TaskPayload[]) => void;
  now?: () => number;
}

const VERDICT: Record<number, ResultVerdict> = {
  [ResultCode.ACCEPTED]: 'accepted',
  [ResultCode.DUPLICATE]: 'duplicate',
  [ResultCode.REJECTED]: 'rejected',
};

/**
 * What happens when a worker talks: registration, heartbeats (lease renewal), pulls, live logs
 * and results. Transport-free: the Socket.IO gateway validates messages and calls this.
 */
export class Dispatcher {
  private readonly now: () => number;
  /** app/workerId → registration, to re-register a worker its admin still serves after a reap. */
  private readonly registrations = new Map<string, WorkerRegistration>();

  constructor(private readonly deps: DispatcherDeps) {
    this.now = deps.now ?? Date.now;
  }

  async register(app: string, reg: WorkerRegistration): Promise<void> {
    this.registrations.set(`${app}/${reg.workerId}`, reg);
    await this.deps.workers.register(app, reg, this.now());
  }

  async offline(app: string, workerId: string, conn: string): Promise<void> {
    const key = `${app}/${workerId}`;
    if (this.registrations.get(key)?.conn === conn) this.registrations.delete(key);
    const moved = await this.deps.workers.offline(app, workerId, conn);
    if (moved > 0) this.deps.logger.info({ app, workerId, moved }, 'worker offline: queued tasks re-routed');
  }

  /** Renews leases; returns the task ids the worker should abort. */
  async heartbeat(app: string, workerId: string, msg: HeartbeatMessage): Promise<string[]> {
    const { tasks, config } = this.deps;
    let abort = await tasks.renew(app, workerId, this.now(), config.taskLeaseMs, msg.free, msg.running);
    if (abort === null) {
      const reg = this.registrations.get(`${app}/${workerId}`);
      if (!reg) return [];
      await this.register(app, reg);
      abort = (await tasks.renew(app, workerId, this.now(), config.taskLeaseMs, msg.free, msg.running)) ?? [];
    }
    return abort;
  }

  async pull(app: string, workerId: string, max: number): Promise<TaskPayload[]> {
    const { tasks, config } = this.deps;
    let got = await tasks.pull(app, workerId, max, this.now(), config.taskLeaseMs, config.timeoutGraceMs);
    if (got === null) {
      const reg = this.registrations.get(`${app}/${workerId}`);
      if (!reg) return [];
      await this.register(app, reg);
      got = (await tasks.pull(app, workerId, max, this.now(), config.taskLeaseMs, config.timeoutGraceMs)) ?? [];
    }
    if (got.length) this.deps.onPulled?.(app, workerId, got);
    return got;
  }

  async log(app: string, msg: LogMessage): Promise<void> {
    await this.deps.tasks.appendLog(app, msg.taskId, msg.lines, this.deps.config.maxLogLines);
    this.deps.onLog?.(app, msg);
  }

  /** Stores a running task's progress if this worker still holds it; returns whether it did. */
  async progress(app: string, workerId: string, msg: ProgressMessage): Promise<boolean> {
    return this.deps.tasks.setProgress(app, workerId, msg.taskId, msg.value);
  }

  async results(app: string, workerId: string, results: TaskResult[]): Promise<ResultVerdict[]> {
    const { codes, effects } = await this.deps.tasks.complete(app, workerId, results, this.now(), this.deps.config.workerTtlMs);
    const verdicts = codes.map((c) => VERDICT[c] ?? 'rejected');
    this.deps.onEffects?.(app, effects);
    if (verdicts.includes('accepted')) this.deps.onFinal?.(app);
    return verdicts;
  }
}
