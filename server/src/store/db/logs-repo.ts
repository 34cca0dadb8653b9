import { capUtf8 } from '@oasis/worker-client/encode';
import { Op, QueryTypes, type WhereOptions } from 'sequelize';
import { utcDay } from '../../domain/days.js';
import type { LogItem, TaskStatus, TriggerType } from '../../domain/types.js';
import type { JobLogModel, Models } from './models.js';
import { inTransaction } from './transaction.js';
import { upsertRows } from './upsert.js';

const REPORT_COLUMNS = ['day', 'app_id', 'job_id', 'status', 'count'] as const;
const REPORT_KEY = ['day', 'job_id', 'status'] as const;

/** One row of `oasis_job_log`: the final record of a task attempt (a log item keyed by app id). */
export type FinalRecord = Omit<LogItem, 'app' | 'progress'> & { appId: number };

/** The execution log of one task, as written next to its final record. */
export interface FinalText {
  logId: string;
  text: string;
  lineCount: number;
  truncated: boolean;
}

/** Filter and page of {@link LogsRepo.list}. */
export interface LogQuery {
  jobId?: number;
  /** App name. */
  app?: string;
  status?: TaskStatus;
  limit: number;
  offset: number;
}

/**
 * Cap of MEDIUMTEXT values: half the column, so one row always fits MariaDB's default 16 MiB packet.
 * Values over a cap are cut on a character boundary without a marker (`capUtf8(…, '')`).
 */
const BIG_TEXT_BYTES = 8 * 1024 * 1024;
const TEXT_BYTES = 65_535;
/** Columns of `oasis_job_log` in the order {@link LogsRepo.writeFinals} binds them. */
const LOG_COLUMNS = [
  'id', 'job_id', 'app_id', 'handler', 'scheduled_at', 'started_at', 'finished_at', 'status', 'trigger_type',
  'worker_id', 'shard_index', 'shard_total', 'attempt', 'params', 'result', 'error',
] as const;
const TEXT_COLUMNS = ['log_id', 'text', 'line_count', 'truncated'] as const;

const num = (v: number | string): number => (typeof v === 'number' ? v : Number(v));
const numOrNull = (v: number | string | null): number | null => (v === null ? null : num(v));

function toItem(row: JobLogModel): LogItem {
  return {
    id: row.id,
    jobId: row.jobId,
    app: row.app?.name ?? '',
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
    progress: null,
  };
}

/** Reads and writes `oasis_job_log` and `oasis_job_log_text`. */
export class LogsRepo {
  constructor(private readonly models: Models) {}

  /**
   * Writes final records and their log texts in one transaction: one multi-row upsert per table
   * (split only when a batch would exceed a few MiB). Idempotent: writing the same ids again
   * overwrites them with the same values. Oversized texts are cut (params/result/log text at
   * 8 MiB, error at 64 KiB) so one record never blocks a batch. The daily report
   * (`oasis_job_log_report`) is counted up in the same transaction for the records not stored
   * before, so a batch delivered twice counts once.
   */
  async writeFinals(records: readonly FinalRecord[], texts: readonly FinalText[]): Promise<void> {
    if (records.length === 0 && texts.length === 0) return;
    const sequelize = this.models.JobLog.sequelize!;
    await inTransaction(sequelize, async (transaction) => {
      if (records.length) {
        const known = await sequelize.query<{ id: string }>('SELECT id FROM oasis_job_log WHERE id IN (?)', {
          replacements: [records.map((r) => r.id)],
          type: QueryTypes.SELECT,
          transaction,
        });
        const stored = new Set(known.map((k) => k.id));
        const counts = new Map<string, [string, number, number, string, number]>();
        for (const r of records) {
          if (stored.has(r.id)) continue;
          stored.add(r.id); // the same id twice in one batch counts once
          const day = utcDay(r.scheduledAt);
          const k = `${day}|${r.jobId}|${r.status}`;
          const row = counts.get(k);
          if (row) row[4] += 1;
          else counts.set(k, [day, r.appId, r.jobId, r.status, 1]);
        }
        if (counts.size) {
          await upsertRows(sequelize, transaction, 'oasis_job_log_report', REPORT_COLUMNS, REPORT_KEY, [...counts.values()], ['count']);
        }
        const rows = records.map((r) => [
          r.id, r.jobId, r.appId, r.handler, r.scheduledAt, r.startedAt, r.finishedAt, r.status, r.triggerType,
          r.workerId, r.shardIndex, r.shardTotal, r.attempt, capUtf8(r.params, BIG_TEXT_BYTES, ''),
          r.result === null ? null : capUtf8(r.result, BIG_TEXT_BYTES, ''),
          r.error === null ? null : capUtf8(r.error, TEXT_BYTES, ''),
        ]);
        await upsertRows(sequelize, transaction, 'oasis_job_log', LOG_COLUMNS, 'id', rows);
      }
      if (texts.length) {
        const rows = texts.map((t) => [t.logId, capUtf8(t.text, BIG_TEXT_BYTES, ''), t.lineCount, t.truncated ? 1 : 0]);
        await upsertRows(sequelize, transaction, 'oasis_job_log_text', TEXT_COLUMNS, 'log_id', rows);
      }
    });
  }

  /** Final records, newest scheduled first, and how many match in all. */
  async list(q: LogQuery): Promise<{ items: LogItem[]; total: number }> {
    const where: WhereOptions<JobLogModel> & Record<string, unknown> = {};
    if (q.jobId !== undefined) where.jobId = q.jobId;
    if (q.status !== undefined) where.status = q.status;
    if (q.app !== undefined) {
      const app = await this.models.App.findOne({ where: { name: q.app }, attributes: ['id'] });
      if (!app) return { items: [], total: 0 };
      where.appId = app.id;
    }
    const { rows, count } = await this.models.JobLog.findAndCountAll({
      where,
      include: [{ model: this.models.App, as: 'app', attributes: ['id', 'name'], required: false }],
      order: [
        ['scheduledAt', 'DESC'],
        ['id', 'DESC'],
      ],
      limit: q.limit,
      offset: q.offset,
      distinct: false,
    });
    return { items: rows.map(toItem), total: count };
  }

  /** One final record, or null. */
  async get(id: string): Promise<LogItem | null> {
    const row = await this.models.JobLog.findByPk(id, {
      include: [{ model: this.models.App, as: 'app', attributes: ['id', 'name'], required: false }],
    });
    return row ? toItem(row) : null;
  }

  /** The stored execution log of a task, or null. */
  async getText(id: string): Promise<FinalText | null> {
    const row = await this.models.JobLogText.findByPk(id);
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
