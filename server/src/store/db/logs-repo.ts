import { Op, QueryTypes } from 'sequelize';
import type { LogItem, TaskStatus, TriggerType } from '../../domain/types.js';
import type { JobLogDuplicateModel } from './duplicate-models.js';
import { writeFinalBatch, type FinalRecord, type FinalText, type WriteOutcome } from './final-writes.js';
import type { JobLogModel, Models } from './models.js';
import { EXPENSIVE_READ } from './guard.js';
import { LAG_TOLERANT_READ } from './replicas.js';
import { inTransaction } from './transaction.js';

export type { FinalRecord, FinalText, DuplicateRecord, WriteOutcome } from './final-writes.js';

/** Filter of {@link LogsRepo.list} and {@link LogsRepo.count}. */
export interface LogFilterQuery {
  jobId?: number;
  /** App name. */
  app?: string;
  status?: TaskStatus;
}

/** Where a page of final records starts: after this record in the list's order (keyset). */
export interface LogPosition {
  scheduledAt: number;
  id: string;
}

/** Filter and page of {@link LogsRepo.list}: `limit` records after `after` (from the newest when unset). */
export interface LogQuery extends LogFilterQuery {
  limit: number;
  after?: LogPosition;
}

/**
 * The index each common page reads (MySQL / MariaDB: forced, so a plan never flips to a scan
 * of 10 million rows; `test/integration/logs-explain.test.ts` checks each plan). Every one ends
 * in `scheduled_at` and InnoDB appends the primary key `id`: rows come in the list's order
 * (scheduled_at DESC, id DESC), no sort, and the keyset seek is a range on the index.
 */
function logIndexFor(q: LogFilterQuery): string {
  if (q.jobId !== undefined) return 'ix_log_job_scheduled';
  if (q.app !== undefined) return q.status !== undefined ? 'ix_log_app_status_scheduled' : 'ix_log_app_scheduled';
  if (q.status !== undefined) return 'ix_log_status_scheduled';
  return 'ix_log_scheduled';
}

/** The columns of a listed log, as {@link AttemptRow} names. */
const LIST_COLUMNS = [
  'l.id AS id',
  'l.job_id AS jobId',
  'l.app_id AS appId',
  'l.handler AS handler',
  'l.scheduled_at AS scheduledAt',
  'l.started_at AS startedAt',
  'l.finished_at AS finishedAt',
  'l.status AS status',
  'l.trigger_type AS triggerType',
  'l.worker_id AS workerId',
  'l.attempt AS attempt',
  'l.shard_index AS shardIndex',
  'l.shard_total AS shardTotal',
  'l.params AS params',
  'l.result AS result',
  'l.error AS error',
].join(', ');

const num = (v: number | string): number => (typeof v === 'number' ? v : Number(v));
const numOrNull = (v: number | string | null): number | null => (v === null ? null : num(v));

/** The columns a log row and a duplicate row share. */
type AttemptRow = Pick<
  JobLogModel,
  'id' | 'jobId' | 'handler' | 'scheduledAt' | 'startedAt' | 'finishedAt' | 'status' | 'triggerType' | 'workerId' | 'attempt' | 'shardIndex' | 'shardTotal' | 'params' | 'result' | 'error'
>;

/** What every record of one task attempt says, from its row. */
function attemptOf(row: AttemptRow, app: string): Omit<LogItem, 'progress'> {
  return {
    id: row.id,
    jobId: row.jobId,
    app,
    handler: row.handler,
    scheduledAt: num(row.scheduledAt),
    startedAt: numOrNull(row.startedAt),
    finishedAt: numOrNull(row.finishedAt),
    status: row.status as TaskStatus,
    triggerType: row.triggerType as TriggerType,
    workerId: row.workerId,
    attempt: row.attempt,
    shardIndex: row.shardIndex,
    shardTotal: row.shardTotal,
    params: row.params,
    result: row.result,
    error: row.error,
  };
}

function toItem(row: JobLogModel): LogItem {
  return { ...attemptOf(row, row.app?.name ?? ''), progress: null };
}

/** Filter and page of {@link LogsRepo.listDuplicates}. */
export interface DuplicateQuery {
  jobId?: number;
  /** App name. */
  app?: string;
  limit: number;
  offset: number;
}

/** A second record of a fire, as listed: a log item with the id of the record kept for the fire. */
export type DuplicateItem = Omit<LogItem, 'progress'> & { firstId: string; detectedAt: number };

function toDuplicate(row: JobLogDuplicateModel, app: string): DuplicateItem {
  return { ...attemptOf(row, app), firstId: row.firstId, detectedAt: num(row.detectedAt) };
}

/**
 * Reads and writes `oasis_job_log`, `oasis_job_log_text` and `oasis_job_log_duplicate`. The API's
 * lists and counts ({@link list}, {@link count}, {@link listDuplicates}) and stored log texts
 * ({@link getText}) may be read from a replica (`LAG_TOLERANT_READ`, see `replicas.ts`); one
 * record by id ({@link get}: asked right after a kill, and to tell "not stored yet" from "no
 * text") and everything the writers and the retention read stays on the primary.
 */
export class LogsRepo {
  constructor(private readonly models: Models) {}

  /**
   * Writes final records and their log texts in one transaction: one multi-row upsert per table
   * (split only when a batch would exceed a few MiB), rows in key order (writers side by side do
   * not deadlock; one that happens anyway is retried once). Idempotent on the task id: writing
   * the same ids again overwrites them with the same values. A record of a fire that already has
   * one under another task id (same job, scheduled time, shard, attempt) is not merged into it: it
   * goes to `oasis_job_log_duplicate` and is answered in {@link WriteOutcome.duplicates} the first
   * time. Oversized texts are cut (params/result/log text at 8 MiB, error at 64 KiB) so one record
   * never blocks a batch. The daily report (`oasis_job_log_report`) is counted up in the same
   * transaction for the records not stored before, so a batch delivered twice counts once.
   */
  writeFinals(records: readonly FinalRecord[], texts: readonly FinalText[]): Promise<WriteOutcome> {
    return writeFinalBatch(this.models, records, texts);
  }

  /**
   * Second records of fires (see {@link writeFinals}), newest scheduled first, and how many match.
   * Lag-tolerant: may be read from a replica.
   */
  async listDuplicates(q: DuplicateQuery): Promise<{ items: DuplicateItem[]; total: number }> {
    const where: Record<string, unknown> = {};
    if (q.jobId !== undefined) where.jobId = q.jobId;
    if (q.app !== undefined) {
      const app = await this.models.App.findOne({ where: { name: q.app }, attributes: ['id'], ...LAG_TOLERANT_READ });
      if (!app) return { items: [], total: 0 };
      where.appId = app.id;
    }
    const { rows, count } = await this.models.JobLogDuplicate.findAndCountAll({
      where,
      order: [
        ['scheduledAt', 'DESC'],
        ['id', 'DESC'],
      ],
      limit: q.limit,
      offset: q.offset,
      ...EXPENSIVE_READ,
      ...LAG_TOLERANT_READ,
    });
    const names = new Map<number, string>();
    const appIds = [...new Set(rows.map((r) => r.appId))];
    if (appIds.length) {
      for (const a of await this.models.App.findAll({ where: { id: appIds }, attributes: ['id', 'name'], ...LAG_TOLERANT_READ })) names.set(a.id, a.name);
    }
    return { items: rows.map((r) => toDuplicate(r, names.get(r.appId) ?? '')), total: count };
  }

  /**
   * Final records newest scheduled first (ties: id descending), `limit` of them after
   * `q.after`: a keyset page read from one index (see {@link logIndexFor}), never an OFFSET, in
   * one statement (the app is joined by name: a const row, so the order still comes from the
   * index). `more`: another record follows (one row more than asked is read to know). An
   * expensive read: past `OASIS_DB_READ_TIMEOUT_MS` it throws `OASIS_ERR_UNAVAILABLE`.
   * Lag-tolerant: may be read from a replica (a record just written may show a moment later).
   */
  async list(q: LogQuery): Promise<{ items: LogItem[]; more: boolean }> {
    const where = this.whereOf(q);
    if (q.after) {
      where.sql.push('l.scheduled_at <= ?', '(l.scheduled_at < ? OR l.id < ?)');
      where.args.push(q.after.scheduledAt, q.after.scheduledAt, q.after.id);
    }
    const rows = await this.models.JobLog.sequelize!.query<AttemptRow & { appName: string | null }>(
      `SELECT ${LIST_COLUMNS}, a.name AS appName FROM ${this.fromOf(q, true)}` +
        `${where.sql.length ? ` WHERE ${where.sql.join(' AND ')}` : ''} ORDER BY l.scheduled_at DESC, l.id DESC LIMIT ?`,
      { type: QueryTypes.SELECT, replacements: [...where.args, q.limit + 1], ...EXPENSIVE_READ, ...LAG_TOLERANT_READ },
    );
    const more = rows.length > q.limit;
    const page = more ? rows.slice(0, q.limit) : rows;
    return { items: page.map((r) => ({ ...attemptOf(r, r.appName ?? ''), progress: null })), more };
  }

  /**
   * How many final records match (an exact count over the same index as {@link list}); an
   * expensive read (`OASIS_DB_READ_TIMEOUT_MS`, then `OASIS_ERR_UNAVAILABLE`); lag-tolerant
   * (may be read from a replica).
   */
  async count(q: LogFilterQuery): Promise<number> {
    const where = this.whereOf(q);
    const [row] = await this.models.JobLog.sequelize!.query<{ n: number | string }>(
      `SELECT COUNT(*) AS n FROM ${this.fromOf(q, false)}${where.sql.length ? ` WHERE ${where.sql.join(' AND ')}` : ''}`,
      { type: QueryTypes.SELECT, replacements: where.args, ...EXPENSIVE_READ, ...LAG_TOLERANT_READ },
    );
    return row ? num(row.n) : 0;
  }

  /** The WHERE terms of a filter (an app by name, on the joined `a`). */
  private whereOf(q: LogFilterQuery): { sql: string[]; args: (string | number)[] } {
    const sql: string[] = [];
    const args: (string | number)[] = [];
    if (q.app !== undefined) {
      sql.push('a.name = ?');
      args.push(q.app);
    }
    if (q.jobId !== undefined) {
      sql.push('l.job_id = ?');
      args.push(q.jobId);
    }
    if (q.status !== undefined) {
      sql.push('l.status = ?');
      args.push(q.status);
    }
    return { sql, args };
  }

  /**
   * The FROM clause: the log table on the filter's index (forced on MySQL / MariaDB; SQLite's
   * planner picks the same), and the app: first and joined by its unique name when the filter
   * names one (a const row: the order still comes from the log index), else joined per row for
   * its name (`names`; a log whose app is gone keeps an empty name).
   */
  private fromOf(q: LogFilterQuery, names: boolean): string {
    const mysql = this.models.JobLog.sequelize!.getDialect() === 'mysql';
    const log = `oasis_job_log l${mysql ? ` FORCE INDEX (${logIndexFor(q)})` : ''}`;
    if (q.app !== undefined) return `oasis_app a ${mysql ? 'STRAIGHT_JOIN' : 'JOIN'} ${log} ON l.app_id = a.id`;
    return names ? `${log} LEFT JOIN oasis_app a ON a.id = l.app_id` : log;
  }

  /** One final record, or null. */
  async get(id: string): Promise<LogItem | null> {
    const row = await this.models.JobLog.findByPk(id, {
      include: [{ model: this.models.App, as: 'app', attributes: ['id', 'name'], required: false }],
    });
    return row ? toItem(row) : null;
  }

  /**
   * The stored execution log of a task, or null. A stored text never changes (a record written
   * again is written with the same text), so one found on a replica is the right answer; one not
   * found there may not have been replicated yet and is looked up on the primary.
   */
  async getText(id: string): Promise<FinalText | null> {
    const { JobLogText } = this.models;
    const row = (await JobLogText.findByPk(id, { rejectOnEmpty: false, ...LAG_TOLERANT_READ })) ?? (await JobLogText.findByPk(id));
    if (!row) return null;
    return { logId: row.logId, text: row.text, lineCount: row.lineCount, truncated: Boolean(row.truncated) };
  }

  /**
   * Retention: deletes up to `limit` records finished before `before` (epoch ms) and their texts.
   * @returns how many records were deleted (call again while it equals `limit`).
   */
  async deleteFinishedBefore(before: number, limit: number): Promise<number> {
    const { JobLog, JobLogText } = this.models;
    const rows = await JobLog.findAll({
      where: { finishedAt: { [Op.lt]: before } },
      attributes: ['id'],
      order: [['finishedAt', 'ASC']],
      limit,
    });
    if (rows.length === 0) return 0;
    const ids = rows.map((r) => r.id);
    await inTransaction(JobLog.sequelize!, async (transaction) => {
      await JobLogText.destroy({ where: { logId: ids }, transaction });
      await JobLog.destroy({ where: { id: ids }, transaction });
    });
    return ids.length;
  }
}
