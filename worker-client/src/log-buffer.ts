/**
 * Task logs: `ctx.log()` formats and timestamps a line and returns at once; lines are shipped to
 * the admin in batches (`log {taskId, seq, lines}`) every ~100 ms or 100 lines, capped per task.
 * While the worker is disconnected lines wait (bounded by the cap) and go out after reconnect.
 */
import { formatWithOptions } from 'node:util';
import type { LogMessage } from './contracts/worker.js';
import { capUtf8 } from './encode.js';

/** Sends one batch; returns false when it cannot be sent now (not connected): the lines are kept. */
export type LogSink = (msg: LogMessage) => boolean;

export interface LogLimits {
  /** Flush pending lines at most this long after the first one. Default 100 ms. */
  flushMs: number;
  /** Flush as soon as this many lines wait; also the largest batch. Default 100. */
  batchLines: number;
  /** Lines kept per task; past it one notice line is added and the rest dropped. Default 5000. */
  maxLines: number;
  /** Longest line, in UTF-8 bytes. Default 8 KiB. */
  maxLineBytes: number;
}

export const DEFAULT_LOG_LIMITS: LogLimits = Object.freeze({
  flushMs: 100,
  batchLines: 100,
  maxLines: 5000,
  maxLineBytes: 8 * 1024,
});

/** Formats `console.log`-style arguments into one timestamped line. */
export function formatLogLine(args: readonly unknown[], now = new Date()): string {
  return `${now.toISOString()} ${formatWithOptions({ colors: false, depth: 4 }, ...args)}`;
}

/** The log lines of one task. */
export class LogBuffer {
  private pending: string[] = [];
  /** Sequence number of `pending[0]`. */
  private seq = 0;
  private accepted = 0;
  private capped = false;
  private closed = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly taskId: string,
    private readonly sink: LogSink,
    private readonly limits: LogLimits = DEFAULT_LOG_LIMITS,
  ) {}

  /** Adds one line; never throws, never waits. Ignored once the task is over. */
  log(...args: unknown[]): void {
    if (this.closed) return;
    if (this.accepted >= this.limits.maxLines) {
      if (this.capped) return;
      this.capped = true;
      this.pending.push(formatLogLine([`[oasis] log capped at ${this.limits.maxLines} lines; further lines dropped`]));
    } else {
      let line: string;
      try {
        line = formatLogLine(args);
      } catch (err) {
        line = formatLogLine([`[oasis] could not format log line: ${String(err)}`]);
      }
      this.accepted++;
      this.pending.push(capUtf8(line, this.limits.maxLineBytes));
    }
    if (this.pending.length >= this.limits.batchLines) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.limits.flushMs);
  }

  /** True once the task is over. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** True when every line has been handed to the sink. */
  get drained(): boolean {
    return this.pending.length === 0;
  }

  /** Sends what is pending, in batches; returns false if some lines are still waiting. */
  flush(): boolean {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    while (this.pending.length > 0) {
      const lines = this.pending.slice(0, this.limits.batchLines);
      let sent: boolean;
      try {
        sent = this.sink({ taskId: this.taskId, seq: this.seq, lines });
      } catch {
        sent = false;
      }
      if (!sent) return false;
      this.pending.splice(0, lines.length);
      this.seq += lines.length;
    }
    return true;
  }

  /** The task is over: later `log()` calls are ignored; flushes what is pending. */
  close(): boolean {
    this.closed = true;
    return this.flush();
  }

  /** Drops pending lines and timers (worker stopped). */
  dispose(): void {
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = [];
  }
}

/** All tasks' log buffers; keeps the ones of finished tasks until their lines are sent. */
export class LogShipper {
  private readonly buffers = new Map<string, LogBuffer>();

  constructor(
    private readonly sink: LogSink,
    private readonly limits: LogLimits = DEFAULT_LOG_LIMITS,
  ) {}

  open(taskId: string): LogBuffer {
    this.buffers.get(taskId)?.dispose();
    const buffer = new LogBuffer(taskId, this.sink, this.limits);
    this.buffers.set(taskId, buffer);
    return buffer;
  }

  /** The task ended: flush its lines; forget the buffer once they are sent. */
  close(taskId: string): void {
    const buffer = this.buffers.get(taskId);
    if (buffer?.close()) this.buffers.delete(taskId);
  }

  /** After a reconnect: send whatever waited; forget finished buffers that are now empty. */
  flushAll(): void {
    for (const [taskId, buffer] of this.buffers) {
      buffer.flush();
      if (buffer.drained && buffer.isClosed) this.buffers.delete(taskId);
    }
  }

  /** Number of buffers still holding lines. */
  get waiting(): number {
    let n = 0;
    for (const buffer of this.buffers.values()) if (!buffer.drained) n++;
    return n;
  }

  dispose(): void {
    for (const buffer of this.buffers.values()) buffer.dispose();
    this.buffers.clear();
  }
}
