import { exponentialDelay } from '@oasis/worker-client/backoff';
import type { TaskStatus, TriggerType } from '@oasis/worker-client/protocol';
import type { Logger } from '../domain/logger.js';
import { Effect, type EffectsPublisher } from '../events/effects-bus.js';
import type { FinalRecord, FinalText, WriteOutcome } from '../store/db/logs-repo.js';
import type { FinalFields, FinalsStore } from '../store/redis/finals-store.js';

/**
 * A final record as the writer hands it to its listeners: the database row plus `retryTaskId`,
 * the id of the retry that follows this attempt ('' when none does: this attempt is final).
 */
export type WrittenRecord = FinalRecord & { retryTaskId: string; hasChildren: boolean };

/**
 * Told after a batch of one app is committed to the database (before it is acknowledged in the
 * stream, so a batch delivered again after a crash or failure is told again: listeners must be
 * idempotent). Listeners should return quickly; their errors are logged and never stop the writer.
 */
export type WrittenListener = (app: string, records: readonly WrittenRecord[]) => void | Promise<void>;

export interface FinalWriterDeps {
  finals: FinalsStore;
  /** Apps whose streams to drain. */
  apps: () => Promise<string[]>;
  /** Database id of an app by name. */
  appId: (app: string) => Promise<number | null>;
  /**
   * Writes a batch; may answer the second records of fires it kept apart (each is logged once
   * and counted in {@link FinalWriter.duplicates}).
   */
  write: (records: FinalRecord[], texts: FinalText[]) => Promise<WriteOutcome | void>;
  /** This admin's consumer name in the writers' group. */
  consumer: string;
  logger: Logger;
  /** Idle poll interval (ms). */
  idleMs?: number;
  /** Entries per database batch. */
  batch?: number;
  /**
   * Awaited after each committed batch, before it is acknowledged (alarms, child jobs): what
   * must not be lost to a crash between the write and the ack.
   */
  onWritten?: readonly WrittenListener[];
  /** Where each committed batch is published as {@link Effect.WRITTEN} (the live dashboard). */
  effects: EffectsPublisher;
}

/** How often the writer also looks for pending entries (its own failed writes, dead admins'). */
const RECOVERY_EVERY_MS = 1000;
/** How soon a nudge asks for a flush (results of the same moment travel in one batch). */
const NUDGE_MS = 20;
/**
 * Longest wait between retries of a failed write: short, so a backlog starts draining within
 * 2 s of the database coming back (the backoff starts at 250 ms).
 */
const RETRY_MAX_MS = 2000;

const numOrNull = (v: string | undefined): number | null => (v ? Number(v) : null);

function toRecord(f: FinalFields, appId: number): WrittenRecord {
  return {
    id: f.id ?? '',
    jobId: Number(f.jobId),
    appId,
    handler: f.handler ?? '',
    scheduledAt: Number(f.scheduledAt),
    startedAt: numOrNull(f.startedAt),
    finishedAt: numOrNull(f.finishedAt),
    status: (f.status ?? 'FAILED') as TaskStatus,
    triggerType: (f.triggerType ?? 'MANUAL') as TriggerType,
    workerId: f.workerId || null,
    shardIndex: Number(f.shardIndex ?? 0),
    shardTotal: Number(f.shardTotal ?? 1),
    attempt: Number(f.attempt ?? 1),
    params: f.params ?? '',
    result: f.result || null,
    error: f.error || null,
    // Records written before retries existed have no such field: nothing follows them.
    retryTaskId: f.retryTaskId ? String(f.retryTaskId) : '',
    hasChildren: f.hasChildren === '1',
  };
}

/**
 * Drains the finals streams into the database in batches. A batch is acknowledged only after the
 * database took it; when the database fails, the entries stay pending in Redis and the writer
 * retries with backoff, so nothing is lost and nothing is written twice (writes are idempotent).
 */
export class FinalWriter {
  private timer: NodeJS.Timeout | null = null;
  /** When the armed timer fires (epoch ms); meaningful while {@link timer} is set. */
  private due = 0;
  private stopped = true;
  private running: Promise<void> | null = null;
  private failures = 0;
  private kick = false;
  /** Next time (epoch ms) to look for entries a failed write or a dead admin left pending. */
  private nextRecovery = 0;
  /** Second records of fires this writer stored apart since it started. */
  duplicates = 0;

  constructor(private readonly deps: FinalWriterDeps) {}

  start(): void {
    this.stopped = false;
    this.arm(0);
  }

  /**
   * Asks for a flush soon (results just arrived). A nudge only ever brings the next flush
   * earlier: under a steady stream of results the armed flush still fires (a nudge that
   * re-armed the timer would postpone it for as long as results keep coming).
   */
  nudge(): void {
    if (this.stopped || this.failures > 0) return;
    if (this.running) this.kick = true;
    else this.arm(NUDGE_MS);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  /** Arms the next flush in `ms`, unless one is armed sooner already. */
  private arm(ms: number): void {
    if (this.stopped) return;
    const due = Date.now() + ms;
    if (this.timer) {
      if (this.due <= due) return;
      clearTimeout(this.timer);
    }
    this.due = due;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.running = this.flush();
    }, ms);
  }

  /** One drain, then the next one: at once while a backlog remains, backed off after a failure. */
  private async flush(): Promise<void> {
    let more = false;
    try {
      more = await this.drain();
      if (this.failures > 0) this.deps.logger.info({ failures: this.failures }, 'final writer: the database takes records again');
      this.failures = 0;
    } catch (err) {
      this.failures++;
      // Once per outage at warn level (not once per retry); the retries at debug.
      if (this.failures === 1) this.deps.logger.warn({ err }, 'final writer: database write failed; records stay in Redis');
      else this.deps.logger.debug({ err, failures: this.failures }, 'final writer: database write failed again');
    }
    this.running = null;
    const kicked = this.kick;
    this.kick = false;
    if (this.failures) this.arm(exponentialDelay(this.failures, 250, RETRY_MAX_MS));
    else this.arm(more || kicked ? 0 : (this.deps.idleMs ?? 200));
  }

  /** Writes one batch per app; true when some app may have more waiting. */
  async drain(): Promise<boolean> {
    const batch = this.deps.batch ?? 2000;
    let more = false;
    const recover = this.failures > 0 || Date.now() >= this.nextRecovery;
    if (recover) this.nextRecovery = Date.now() + RECOVERY_EVERY_MS;
    for (const app of await this.deps.apps()) {
      const entries = await this.deps.finals.read(app, this.deps.consumer, batch, recover);
      if (entries.length === 0) continue;
      const appId = await this.deps.appId(app);
      if (appId === null) {
        this.deps.logger.error({ app }, 'final writer: app unknown to the database; records kept');
        continue;
      }
      const fields = entries.flatMap((e) => (e.fields ? [e.fields] : []));
      if (fields.length < entries.length) this.deps.logger.error({ app, bad: entries.length - fields.length }, 'final writer: unreadable stream entries dropped');
      const records = fields.map((f) => toRecord(f, appId)).filter((r) => r.id && Number.isFinite(r.jobId));
      const withLog = fields.filter((f) => Number(f.hasLog) === 1).map((f) => f.id);
      const logs = await this.deps.finals.logs(app, withLog);
      const texts: FinalText[] = [];
      withLog.forEach((id, i) => {
        const lines = logs[i] ?? [];
        if (lines.length) {
          texts.push({ logId: id, text: lines.join('\n'), lineCount: lines.length, truncated: lines.some((l) => l.startsWith('[oasis] log capped')) });
        }
      });
      // A WrittenRecord is a FinalRecord with one more field, which the repository ignores.
      const outcome = await this.deps.write(records, texts);
      for (const d of outcome?.duplicates ?? []) {
        this.duplicates++;
        this.deps.logger.warn(
          { app, jobId: d.jobId, scheduledAt: d.scheduledAt, shardIndex: d.shardIndex, attempt: d.attempt, taskId: d.id, firstTaskId: d.firstId },
          'final writer: a second record of a fire; kept apart in oasis_job_log_duplicate',
        );
      }
      await this.tell(app, records);
      await this.deps.finals.ack(app, entries.map((e) => e.streamId), withLog);
      if (entries.length >= batch) more = true;
    }
    return more;
  }

  /** Publishes a committed batch and runs its listeners; their failures are logged, never thrown. */
  private async tell(app: string, records: readonly WrittenRecord[]): Promise<void> {
    if (records.length === 0) return;
    this.deps.effects.publish(Effect.WRITTEN, { app, records });
    const listeners = this.deps.onWritten ?? [];
    if (listeners.length === 0) return;
    await Promise.all(
      listeners.map(async (listener) => {
        try {
          await listener(app, records);
        } catch (err) {
          this.deps.logger.error({ err, app, records: records.length }, 'final writer: a listener failed');
        }
      }),
    );
  }
}
