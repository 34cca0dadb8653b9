/**
 * Task progress: `ctx.progress(n)` records the latest value and returns at once; values are sent
 * to the admin (`progress {taskId, value}`) at most once per task every `flushMs`, only when they
 * changed, and only the latest one. While disconnected the latest value waits for the reconnect.
 */
import { MAX_PROGRESS, type ProgressMessage } from './contracts/worker.js';

/** Sends one value; returns false when it cannot be sent now (not connected): it is kept. */
export type ProgressSink = (msg: ProgressMessage) => boolean;

/** Default interval between two sends for one task (ms). */
export const PROGRESS_FLUSH_MS = 250;

/**
 * Checks and normalises a progress value: a finite number, clamped to 0..100, two decimals.
 * @throws {TypeError} when `value` is not a finite number.
 */
export function normaliseProgress(value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new TypeError(`ctx.progress(n) takes a finite number from 0 to ${MAX_PROGRESS} (got ${String(value)})`);
  }
  return Math.round(Math.min(MAX_PROGRESS, Math.max(0, value)) * 100) / 100;
}

/** Latest progress of every running task, sent in throttled batches. */
export class ProgressReporter {
  /** taskId → latest value not yet sent. */
  private readonly pending = new Map<string, number>();
  /** taskId → last value sent (to skip repeats). */
  private readonly sent = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly sink: ProgressSink,
    private readonly flushMs = PROGRESS_FLUSH_MS,
  ) {}

  /** Records `value` for a running task; sent within `flushMs`. @throws {TypeError} on a non-number. */
  set(taskId: string, value: unknown): void {
    const v = normaliseProgress(value);
    if (this.sent.get(taskId) === v) {
      this.pending.delete(taskId);
      return;
    }
    this.pending.set(taskId, v);
    this.timer ??= setTimeout(() => this.flush(), this.flushMs);
  }

  /** Sends every pending value; keeps the ones that could not be sent. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const [taskId, value] of this.pending) {
      let ok: boolean;
      try {
        ok = this.sink({ taskId, value });
      } catch {
        ok = false;
      }
      if (!ok) return; // not connected: the rest waits for flush() after the reconnect
      this.pending.delete(taskId);
      this.sent.set(taskId, value);
    }
  }

  /** The task ended: its pending value no longer matters (the result supersedes it). */
  forget(taskId: string): void {
    this.pending.delete(taskId);
    this.sent.delete(taskId);
    if (this.pending.size === 0) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  /** Values waiting to be sent. */
  get waiting(): number {
    return this.pending.size;
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pending.clear();
    this.sent.clear();
  }
}
