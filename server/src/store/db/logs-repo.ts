import { Op, type WhereOptions } from 'sequelize';
import type { LogItem, TaskStatus, TriggerType } from '../../domain/types.js';
import type { JobLogDuplicateModel } from './duplicate-models.js';
import { writeFinalBatch, type FinalRecord, type FinalText, type WriteOutcome } from './final-writes.js';
import type { JobLogModel, Models } from './models.js';
import { inTransaction } from './transaction.js';

export type { FinalRecord, FinalText, DuplicateRecord, WriteOutcome } from './final-writes.js';

/** Filter and page of {@link LogsRepo.list}. */
export interface LogQuery {
  jobId?: number;
  /** App name. */
  app?: string;
  status?: TaskStatus;
  limit: number;
  offset: number;
}

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

/** Reads and writes `oasis_job_log`, `oasis_job_log_text` and `oasis_job_log_duplicate`. */
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

  /** Second records of fires (see {@link writeFinals}), newest scheduled first, and how many match. */
  async listDuplicates(q: DuplicateQuery): Promise<{ items: DuplicateItem[]; total: number }> {
    const where: Record<string, unknown> = {};
    if (q.jobId !== undefined) where.jobId = q.jobId;
    if (q.app !== undefined) {
      const app = await this.models.App.findOne({ where: { name: q.app }, attributes: ['id'] });
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
    });
    const names = new Map<number, string>();
    const appIds = [...new Set(rows.map((r) => r.appId))];
    if (appIds.length) {
      for (const a of await this.models.App.findAll({ where: { id: appIds }, attributes: ['id', 'name'] })) names.set(a.id, a.name);
    }
    return { items: rows.map((r) => toDuplicate(r, names.get(r.appId) ?? '')), total: count };
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
