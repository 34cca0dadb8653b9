/**
 * Task results on their way to the admin. Results are batched (`results {results}` every ~10 ms,
 * or as soon as 100 wait; a batch carries up to 1000), one batch in flight at a time, and a result
 * leaves the outbox only when the admin acked it. A batch that was not acked (disconnect, ack timeout, admin error) is sent again —
 * after the reconnect if the connection dropped. The admin de-duplicates, so re-sending is safe.
 */
import { WorkerErrorCode, type ResultVerdict, type TaskResult } from './contracts/worker.js';
import type { WorkerLogger } from './logger.js';
import { AdminReplyError } from './errors.js';
import { Waiters } from './waiters.js';

/** Sends one batch and resolves with one verdict per result; rejects when not acked. */
export type ResultSender = (results: TaskResult[]) => Promise<ResultVerdict[]>;

export interface OutboxOptions {
  /** Wait at most this long before sending a partial batch. Default 10 ms. */
  flushMs: number;
  /** Send at once (without waiting `flushMs`) when this many results wait. Default 100. */
  batchSize: number;
  /** First retry delay while connected (doubles per failure up to 30 s). Default 500 ms. */
  retryMs: number;
}

export const DEFAULT_OUTBOX_OPTIONS: OutboxOptions = Object.freeze({ flushMs: 10, batchSize: 100, retryMs: 500 });

const MAX_RETRY_MS = 30_000;
/** Most results in one message (the admin accepts up to 1000): under load, batches grow instead of queueing. */
const MAX_BATCH = 1000;

export class ResultOutbox {
  private pending: TaskResult[] = [];
  private inFlight = false;
  private timer: NodeJS.Timeout | undefined;
  private failures = 0;
  /** After the admin called a batch malformed, send this many results one by one to isolate the bad one. */
  private singles = 0;
  private readonly empty = new Waiters();

  constructor(
    private readonly send: ResultSender,
    private readonly canSend: () => boolean,
    private readonly logger: WorkerLogger,
    private readonly options: OutboxOptions = DEFAULT_OUTBOX_OPTIONS,
    /** Called after the admin acknowledged a batch. */
    private readonly acknowledged: () => void = () => undefined,
  ) {}

  /** Results not acked yet. */
  get size(): number {
    return this.pending.length;
  }

  /** Ids of the tasks whose results wait here: the worker still holds them until the admin acked. */
  taskIds(): string[] {
    return this.pending.map((r) => r.taskId);
  }

  add(result: TaskResult): void {
    this.pending.push(result);
    this.schedule(this.pending.length >= this.options.batchSize ? 0 : this.options.flushMs);
  }

  /** The connection is (back) up: send what waits, now. */
  onConnected(): void {
    this.failures = 0;
    this.schedule(0);
  }

  /** Resolves true once every result is acked, or false after `timeoutMs`. */
  whenEmpty(timeoutMs: number): Promise<boolean> {
    return this.pending.length === 0 ? Promise.resolve(true) : this.empty.wait(timeoutMs);
  }

  /** Stops timers; pending results are dropped (the admin will mark their tasks LOST). */
  dispose(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(delayMs: number): void {
    if (this.timer !== undefined) {
      if (delayMs > 0) return;
      clearTimeout(this.timer);
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, delayMs);
  }

  private async flush(): Promise<void> {
    if (this.inFlight || this.pending.length === 0 || !this.canSend()) return;
    const size = this.singles > 0 ? 1 : MAX_BATCH;
    const batch = this.pending.slice(0, size);
    this.inFlight = true;
    let acked = false;
    try {
      const verdicts = await this.send(batch);
      this.remove(batch);
      this.failures = 0;
      acked = true;
      if (this.singles > 0) this.singles--;
      batch.forEach((r, i) => {
        if (verdicts[i] === 'rejected') {
          this.logger.warn(`admin rejected the result of task ${r.taskId} attempt ${r.attempt}: it is not this worker's (held by another worker or attempt, or another app's task)`);
        }
      });
    } catch (err) {
      if (err instanceof AdminReplyError && err.replyCode === WorkerErrorCode.BAD_MESSAGE) {
        if (batch.length > 1) {
          this.singles = batch.length;
          this.logger.warn(`admin called a results batch malformed (${err.message}); re-sending one by one`);
        } else {
          this.remove(batch);
          if (this.singles > 0) this.singles--;
          this.logger.error(`admin refused the result of task ${batch[0]?.taskId}: ${err.message}; dropped`, batch[0]);
        }
      } else {
        this.failures++;
        this.logger.debug(`results not acked (${err instanceof Error ? err.message : String(err)}); will re-send`);
        if (this.canSend()) {
          this.inFlight = false;
          this.schedule(Math.min(MAX_RETRY_MS, this.options.retryMs * 2 ** (this.failures - 1)));
          return;
        }
        // Disconnected: onConnected() re-sends.
      }
    } finally {
      this.inFlight = false;
    }
    if (acked) this.acknowledged();
    if (this.pending.length === 0) this.empty.release();
    else this.schedule(0);
  }

  private remove(batch: readonly TaskResult[]): void {
    const sent = new Set(batch);
    this.pending = this.pending.filter((r) => !sent.has(r));
  }
}
