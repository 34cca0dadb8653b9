/**
 * The final writers' path into the database: one transaction per batch that upserts the records
 * (idempotent on the task id), keeps a second record of a fire apart instead of merging it, counts
 * the daily report up, and stores the log texts. Rows are locked in key order, so writers side by
 * side never deadlock; a deadlock that happens anyway (another client) is retried once.
 */
import { capUtf8 } from '@oasis/worker-client/encode';
import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import { utcDay } from '../../domain/days.js';
import type { LogItem } from '../../domain/types.js';
import type { Models } from './models.js';
import { inTransaction } from './transaction.js';
import { upsertRows } from './upsert.js';

/** One row of `oasis_job_log`: the final record of a task attempt (a log item keyed by app id). */
export type FinalRecord = Omit<LogItem, 'app' | 'progress'> & { appId: number };

/** The execution log of one task, as written next to its final record. */
export interface FinalText {
  logId: string;
  text: string;
  lineCount: number;
  truncated: boolean;
}

/** A second final record of a fire already recorded: kept in `oasis_job_log_duplicate`. */
export type DuplicateRecord = FinalRecord & {
  /** Task id of the record kept in `oasis_job_log` ('' when it could not be found any more). */
  firstId: string;
  detectedAt: number;
};

/** What a batch write found. */
export interface WriteOutcome {
  /** Records of this batch that are second records of a fire, stored apart for the first time. */
  duplicates: DuplicateRecord[];
}

/**
 * Cap of MEDIUMTEXT values: half the column, so one row always fits MariaDB's default 16 MiB packet.
 * Values over a cap are cut on a character boundary without a marker (`capUtf8(…, '')`).
 */
const BIG_TEXT_BYTES = 8 * 1024 * 1024;
const TEXT_BYTES = 65_535;
const RECORD_COLUMNS = [
  'job_id', 'app_id', 'handler', 'scheduled_at', 'started_at', 'finished_at', 'status', 'trigger_type',
  'worker_id', 'shard_index', 'shard_total', 'attempt', 'params', 'result', 'error',
] as const;
const LOG_COLUMNS = ['id', ...RECORD_COLUMNS] as const;
const DUPLICATE_COLUMNS = ['id', 'first_id', 'day', 'detected_at', ...RECORD_COLUMNS] as const;
const TEXT_COLUMNS = ['log_id', 'text', 'line_count', 'truncated'] as const;
const REPORT_COLUMNS = ['day', 'app_id', 'job_id', 'status', 'count'] as const;
const REPORT_KEY = ['day', 'job_id', 'status'] as const;

/** MySQL's "Deadlock found when trying to get lock". */
const ER_LOCK_DEADLOCK = 1213;

const fireKey = (r: FinalRecord): string => `${r.jobId}|${r.scheduledAt}|${r.shardIndex}|${r.attempt}`;
const byText = <T>(key: (v: T) => string) => (a: T, b: T): number => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);

function recordValues(r: FinalRecord): unknown[] {
  return [
    r.jobId, r.appId, r.handler, r.scheduledAt, r.startedAt, r.finishedAt, r.status, r.triggerType,
    r.workerId, r.shardIndex, r.shardTotal, r.attempt, capUtf8(r.params, BIG_TEXT_BYTES, ''),
    r.result === null ? null : capUtf8(r.result, BIG_TEXT_BYTES, ''),
    r.error === null ? null : capUtf8(r.error, TEXT_BYTES, ''),
  ];
}

/** True for MySQL's deadlock error, as Sequelize wraps it. */
export function isDeadlock(err: unknown): boolean {
  const e = err as { parent?: { errno?: unknown }; original?: { errno?: unknown }; errno?: unknown } | null;
  return e?.parent?.errno === ER_LOCK_DEADLOCK || e?.original?.errno === ER_LOCK_DEADLOCK || e?.errno === ER_LOCK_DEADLOCK;
}

/**
 * Writes a batch of final records and their log texts in one transaction (see the file comment).
 * A batch that deadlocks is rolled back and run once more after 50–150 ms.
 */
export async function writeFinalBatch(models: Models, records: readonly FinalRecord[], texts: readonly FinalText[]): Promise<WriteOutcome> {
  if (records.length === 0 && texts.length === 0) return { duplicates: [] };
  const sequelize = models.JobLog.sequelize!;
  return retryDeadlockOnce(() => inTransaction(sequelize, (t) => writeIn(sequelize, t, records, texts)));
}

/** Runs `run` (a whole transaction) and, if it deadlocked, once more after 50–150 ms. */
export async function retryDeadlockOnce<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (!isDeadlock(err)) throw err;
    await new Promise((r) => setTimeout(r, 50 + Math.random() * 100));
    return run();
  }
}

async function idsIn(sequelize: Sequelize, t: Transaction, table: string, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await sequelize.query<{ id: string }>(`SELECT id FROM ${table} WHERE id IN (?)`, {
    replacements: [ids],
    type: QueryTypes.SELECT,
    transaction: t,
  });
  return new Set(rows.map((r) => r.id));
}

async function writeIn(sequelize: Sequelize, t: Transaction, records: readonly FinalRecord[], texts: readonly FinalText[]): Promise<WriteOutcome> {
  const outcome: WriteOutcome = { duplicates: [] };
  if (records.length) {
    // One record per task id (a redelivered entry may sit twice in a batch), and one per fire:
    // a record stored before keeps its fire, then the first in batch order; the others of the
    // same fire are duplicates.
    const unique = new Map<string, FinalRecord>();
    for (const r of records) if (!unique.has(r.id)) unique.set(r.id, r);
    const ids = [...unique.keys()];
    const known = await idsIn(sequelize, t, 'oasis_job_log', ids);
    const firstOfFire = new Map<string, FinalRecord>();
    const candidates: FinalRecord[] = [];
    const ordered = [...unique.values()].sort((a, b) => Number(known.has(b.id)) - Number(known.has(a.id)));
    for (const r of ordered) {
      if (firstOfFire.has(fireKey(r))) candidates.push(r);
      else firstOfFire.set(fireKey(r), r);
    }
    // Key order: two writers lock rows in the same order and never wait on each other in a cycle.
    const rows = [...firstOfFire.values()].sort(byText((r) => r.id)).map((r) => [r.id, ...recordValues(r)]);
    await upsertRows(sequelize, t, 'oasis_job_log', LOG_COLUMNS, 'id', rows, [], true);
    const present = await idsIn(sequelize, t, 'oasis_job_log', ids);
    for (const r of firstOfFire.values()) if (!present.has(r.id)) candidates.push(r);

    const counts = new Map<string, [string, number, number, string, number]>();
    for (const r of firstOfFire.values()) {
      if (known.has(r.id) || !present.has(r.id)) continue;
      const day = utcDay(r.scheduledAt);
      const k = `${day}|${String(r.jobId).padStart(12, '0')}|${r.status}`;
      const row = counts.get(k);
      if (row) row[4] += 1;
      else counts.set(k, [day, r.appId, r.jobId, r.status, 1]);
    }
    if (counts.size) {
      const reportRows = [...counts].sort(byText(([k]) => k)).map(([, row]) => row);
      await upsertRows(sequelize, t, 'oasis_job_log_report', REPORT_COLUMNS, REPORT_KEY, reportRows, ['count']);
    }
    if (candidates.length) outcome.duplicates = await keepDuplicates(sequelize, t, candidates);
  }
  if (texts.length) {
    const rows = [...texts]
      .sort(byText((x) => x.logId))
      .map((x) => [x.logId, capUtf8(x.text, BIG_TEXT_BYTES, ''), x.lineCount, x.truncated ? 1 : 0]);
    await upsertRows(sequelize, t, 'oasis_job_log_text', TEXT_COLUMNS, 'log_id', rows);
  }
  return outcome;
}

/** Stores second records of fires apart (idempotent on their id); answers those stored for the first time. */
async function keepDuplicates(sequelize: Sequelize, t: Transaction, candidates: readonly FinalRecord[]): Promise<DuplicateRecord[]> {
  const mysql = sequelize.getDialect() !== 'sqlite';
  const now = Date.now();
  const found: DuplicateRecord[] = [];
  for (const r of candidates) {
    // A current read on MySQL: the first record may have been committed by another writer after
    // this transaction's snapshot (its row lock is held by this transaction's upsert already).
    const first = await sequelize.query<{ id: string }>(
      'SELECT id FROM oasis_job_log WHERE job_id = ? AND scheduled_at = ? AND shard_index = ? AND attempt = ?' +
        (mysql ? ' LOCK IN SHARE MODE' : ''),
      { replacements: [r.jobId, r.scheduledAt, r.shardIndex, r.attempt], type: QueryTypes.SELECT, transaction: t },
    );
    found.push({ ...r, firstId: first[0]?.id ?? '', detectedAt: now });
  }
  const before = await idsIn(sequelize, t, 'oasis_job_log_duplicate', found.map((d) => d.id));
  // A duplicate delivered again keeps its row (and its first detection time).
  const fresh = found.filter((d) => !before.has(d.id)).sort(byText((d) => d.id));
  const rows = fresh.map((d) => [d.id, d.firstId, utcDay(d.scheduledAt), d.detectedAt, ...recordValues(d)]);
  if (rows.length) await upsertRows(sequelize, t, 'oasis_job_log_duplicate', DUPLICATE_COLUMNS, 'id', rows);
  return fresh;
}
