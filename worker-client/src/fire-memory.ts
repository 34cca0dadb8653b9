/**
 * The fires this worker ran lately, so a fire handed out again under a new task is not run a
 * second time. That happens when the admin's Redis lost its last second of writes (a host crash
 * under `appendfsync everysec`) with the fire's final record in it: the admin knows of no record
 * and fires the job again. The handler already ran here, so its result is reported for the new
 * task instead (the admin records the fire once), and nothing runs twice.
 *
 * A fire is one attempt of one shard of one scheduled fire: (trigger type, job, scheduled time,
 * attempt, shard). Only scheduled fires (CRON, FIXED), their misfire catch-ups and retries are
 * remembered: two manual or API triggers of a job may share a millisecond and are two fires.
 * Entries live `ttlMs` and at most `max` are kept (the oldest go first); the memory is this
 * process's: a restarted worker, or another worker, does not know what ran here. A copy that
 * arrives while the fire still runs here waits for that run and gets its result (`TaskRunner`).
 */
import { TriggerType } from './contracts/enums.js';
import type { TaskPayload, TaskResult } from './contracts/worker.js';

/** Outputs longer than this are not kept: their fire is run again rather than reported without output. */
const MAX_KEPT_OUTPUT = 8 * 1024;

const REMEMBERED: ReadonlySet<string> = new Set([TriggerType.CRON, TriggerType.FIXED, TriggerType.MISFIRE, TriggerType.RETRY]);

interface Ran {
  at: number;
  taskId: string;
  result: TaskResult;
}

export class FireMemory {
  private readonly ran = new Map<string, Ran>();
  /** Keys in the order remembered, from `head` on: the oldest are forgotten first, O(1) each. */
  private order: string[] = [];
  private head = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly max: number,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.ran.size;
  }

  /** The result of this task's fire if it ran here within the TTL, under another task id. */
  recall(task: TaskPayload): { taskId: string; result: TaskResult } | undefined {
    const key = keyOf(task);
    if (key === undefined) return undefined;
    const hit = this.ran.get(key);
    if (hit === undefined || hit.taskId === task.id) return undefined;
    if (this.now() - hit.at > this.ttlMs) {
      this.ran.delete(key);
      return undefined;
    }
    return { taskId: hit.taskId, result: { ...hit.result, taskId: task.id, attempt: task.attempt } };
  }

  /** The handler of `task` ran and ended with `result`. */
  remember(task: TaskPayload, result: TaskResult): void {
    if (this.ttlMs === 0 || this.max === 0) return;
    const key = keyOf(task);
    if (key === undefined || (result.output?.length ?? 0) > MAX_KEPT_OUTPUT) return;
    const now = this.now();
    this.ran.set(key, { at: now, taskId: task.id, result });
    this.order.push(key);
    while (this.head < this.order.length) {
      const oldest = this.order[this.head] as string;
      const entry = this.ran.get(oldest);
      if (entry !== undefined) {
        if (this.ran.size <= this.max && now - entry.at <= this.ttlMs) break;
        this.ran.delete(oldest);
      }
      this.head++;
    }
    if (this.head > 1024 && this.head * 2 > this.order.length) {
      this.order = this.order.slice(this.head);
      this.head = 0;
    }
  }
}

/** The fire `task` is one attempt of, for the scheduled kinds remembered; undefined for the others. */
export function fireKeyOf(task: TaskPayload): string | undefined {
  return keyOf(task);
}

function keyOf(task: TaskPayload): string | undefined {
  if (!REMEMBERED.has(task.triggerType)) return undefined;
  return `${task.triggerType}:${task.jobId}:${task.scheduledAt}:${task.attempt}:${task.shard.index}/${task.shard.total}`;
}
