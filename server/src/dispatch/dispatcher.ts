import type { AckMessage } from '@oasis/worker-client/contracts';
import type { HeartbeatMessage, LogMessage, ProgressMessage, ResultVerdict, TaskPayload, TaskResult } from '@oasis/worker-client/protocol';
import type { OasisConfig } from '../config/schema.js';
import { jobIdOfTask } from '../domain/ids.js';
import type { Logger } from '../domain/logger.js';
import { Effect, type EffectsPublisher } from '../events/effects-bus.js';
import { Verdict } from '../store/redis/reply-codes.js';
import type { TaskStore } from '../store/redis/task-store.js';
import type { WorkerRegistry } from '../registry/worker-registry.js';

export interface DispatcherDeps {
  tasks: TaskStore;
  /** Registers again a worker this admin serves that a heartbeat or pull finds retired. */
  registry: Pick<WorkerRegistry, 'reregister'>;
  config: Pick<OasisConfig, 'taskLeaseMs' | 'maxLogLines' | 'timeoutGraceMs' | 'workerTtlMs' | 'deliveryAckMs'>;
  logger: Logger;
  /**
   * Where it publishes what ending tasks asks for afterwards (released buffered fires, FIXED_DELAY
   * fires, retries), that final records wait (results accepted), live log batches stored and
   * tasks pulled.
   */
  effects: EffectsPublisher;
  /** The cluster's clock (epoch ms): the Redis server's (`store/redis/redis-clock.ts`); default `Date.now`. */
  now?: () => number;
}

/** A result's worker-clock times moved by the worker's offset onto the cluster's clock (never before the epoch). */
function shiftTimes(r: TaskResult, offsetMs: number): TaskResult {
  return { ...r, startedAt: Math.max(0, r.startedAt + offsetMs), finishedAt: Math.max(0, r.finishedAt + offsetMs) };
}

/** Most task ids one cross-app warning lists (it gives the count of all). */
const WARN_IDS = 20;

/**
 * What happens when a worker talks about work: heartbeats (lease renewal), pulls, live logs,
 * progress and results (its presence is the registry's). Transport-free: the Socket.IO gateway
 * validates messages and calls this.
 */
export class Dispatcher {
  private readonly now: () => number;

  constructor(private readonly deps: DispatcherDeps) {
    this.now = deps.now ?? Date.now;
  }

  /**
   * Renews leases (a delivered task reported here counts as acknowledged) and keeps the worker's
   * measured clock offset; returns the task ids the worker should abort.
   */
  async heartbeat(app: string, workerId: string, msg: HeartbeatMessage): Promise<string[]> {
    const { tasks, config } = this.deps;
    const renew = () => tasks.renew(app, workerId, this.now(), config.taskLeaseMs, msg.free, msg.running, config.timeoutGraceMs, msg.clockOffsetMs);
    let abort = await renew();
    if (abort === null) {
      // Retired meanwhile (a reap, Redis lost it) while still connected here: registered again.
      if (!(await this.deps.registry.reregister(app, workerId))) return [];
      abort = (await renew()) ?? [];
    }
    return abort;
  }

  /**
   * Delivers up to `max` tasks: each must be acknowledged ({@link ack}) within
   * `OASIS_DELIVERY_ACK_MS` or it goes back to its queue.
   */
  async pull(app: string, workerId: string, max: number): Promise<TaskPayload[]> {
    const { tasks, config } = this.deps;
    let got = await tasks.pull(app, workerId, max, this.now(), config.deliveryAckMs);
    if (got === null) {
      if (!(await this.deps.registry.reregister(app, workerId))) return [];
      got = (await tasks.pull(app, workerId, max, this.now(), config.deliveryAckMs)) ?? [];
    }
    if (got.length) this.deps.effects.publish(Effect.PULLED, { app, workerId, tasks: got });
    return got;
  }

  /**
   * The worker acknowledges delivered tasks: those it still holds start (lease, timeout watchdog)
   * and are returned; it must not start the others (they went back to a queue, or ended).
   */
  async ack(app: string, workerId: string, msg: AckMessage): Promise<string[]> {
    const { tasks, config } = this.deps;
    return tasks.ack(app, workerId, msg.taskIds, this.now(), config.taskLeaseMs, config.timeoutGraceMs);
  }

  /**
   * Stores live log lines of a task this worker holds: `accepted` (stored, and streamed to the
   * dashboard), `duplicate` (not in flight: dropped), `rejected` (not this worker's, or another
   * app's task: dropped).
   */
  async log(app: string, workerId: string, msg: LogMessage): Promise<ResultVerdict> {
    const { verdict } = await this.deps.tasks.appendLog(app, workerId, msg.taskId, msg.lines, this.deps.config.maxLogLines, this.now());
    if (verdict === Verdict.ACCEPTED) this.deps.effects.publish(Effect.LOGGED, { app, msg });
    if (verdict !== Verdict.DUPLICATE) return verdict;
    return (await this.foreign(app, workerId, 'log', [msg.taskId]))[0] ? Verdict.REJECTED : Verdict.DUPLICATE;
  }

  /** Stores a running task's progress if this worker holds it; the verdict says whether it did. */
  async progress(app: string, workerId: string, msg: ProgressMessage): Promise<ResultVerdict> {
    const verdict = await this.deps.tasks.setProgress(app, workerId, msg.taskId, msg.value, this.now());
    if (verdict !== Verdict.DUPLICATE) return verdict;
    return (await this.foreign(app, workerId, 'progress', [msg.taskId]))[0] ? Verdict.REJECTED : Verdict.DUPLICATE;
  }

  /**
   * Ends the tasks of a results batch; one verdict per result, in order. `clockOffsetMs` (the
   * cluster's clock minus the worker's, from its heartbeats) turns the times the worker reports
   * into cluster time, so a worker with a wrong clock records neither false lateness nor a
   * start before its fire.
   */
  async results(app: string, workerId: string, results: TaskResult[], clockOffsetMs?: number): Promise<ResultVerdict[]> {
    const onClusterClock = clockOffsetMs ? results.map((r) => shiftTimes(r, clockOffsetMs)) : results;
    const { verdicts, effects } = await this.deps.tasks.complete(app, workerId, onClusterClock, this.now(), this.deps.config.workerTtlMs);
    this.deps.effects.publishScript(app, effects);
    if (verdicts.includes('accepted')) this.deps.effects.publish(Effect.FINALS, { app });
    // "Not in flight" may mean "not in this app's key space": another app's task. Only those
    // results are looked up, so a batch of accepted results costs nothing more.
    const unknown = verdicts.flatMap((v, i) => (v === 'duplicate' ? [i] : []));
    if (unknown.length > 0) {
      const foreign = await this.foreign(app, workerId, 'results', unknown.map((i) => results[i]?.taskId ?? ''));
      foreign.forEach((f, j) => {
        if (f) verdicts[unknown[j] as number] = Verdict.REJECTED;
      });
    }
    return verdicts;
  }

  /**
   * Which of `taskIds` (not in flight in `app`) belong to a job of another app, by the job id
   * each task id carries and the job → app map (one HMGET for the batch). Scripts cannot check
   * this: each stays within its app's cluster slot. Logs one warning per other app.
   */
  private async foreign(app: string, workerId: string, event: string, taskIds: readonly string[]): Promise<boolean[]> {
    const jobIds = taskIds.map(jobIdOfTask);
    const distinct = [...new Set(jobIds.filter((j): j is number => j !== null))];
    if (distinct.length === 0) return taskIds.map(() => false);
    const apps = await this.deps.tasks.appsOfJobs(distinct);
    const appOf = new Map(distinct.map((j, i) => [j, apps[i] ?? null]));
    const byApp = new Map<string, string[]>();
    const out = jobIds.map((j, i) => {
      const taskApp = j === null ? null : appOf.get(j);
      if (!taskApp || taskApp === app) return false;
      const ids = byApp.get(taskApp) ?? [];
      ids.push(taskIds[i] as string);
      byApp.set(taskApp, ids);
      return true;
    });
    for (const [taskApp, ids] of byApp) {
      this.deps.logger.warn(
        { app, workerId, event, taskApp, taskIds: ids.slice(0, WARN_IDS), count: ids.length },
        "worker reported on tasks of another app: rejected",
      );
    }
    return out;
  }
}
