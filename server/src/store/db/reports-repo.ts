import { fn, col, Op, QueryTypes, type WhereOptions } from 'sequelize';
import { retryDeadlockOnce } from './final-writes.js';
import type { JobLogReportModel } from './report-models.js';
import type { Models } from './models.js';
import { EXPENSIVE_READ } from './guard.js';
import { LAG_TOLERANT_READ } from './replicas.js';
import { inTransaction } from './transaction.js';
import { upsertRows } from './upsert.js';

const REPORT_COLUMNS = ['day', 'app_id', 'job_id', 'status', 'count'] as const;
const REPORT_KEY = ['day', 'job_id', 'status'] as const;

/** Filter of {@link ReportsRepo.daily}: inclusive day range (`YYYY-MM-DD`), optionally one job or some apps (by id). */
export interface ReportQuery {
  fromDay: string;
  toDay: string;
  jobId?: number;
  /** Only these apps; an empty list matches nothing. */
  appIds?: readonly number[];
}

/** Summed counts of one day and status. */
export interface ReportCount {
  day: string;
  status: string;
  count: number;
}

/** Second records of fires found on one day (see `LogsRepo.writeFinals`). */
export interface DuplicateCount {
  day: string;
  count: number;
}

/** Reads and refreshes `oasis_job_log_report` (daily counts per job and status). */
export class ReportsRepo {
  constructor(private readonly models: Models) {}

  /**
   * Recounts one UTC day from `oasis_job_log` (records scheduled in `[start, end)`) and replaces
   * that day's rows in one transaction. Idempotent: running it again (or after a record was written
   * twice) yields the same rows. Returns how many rows the day has.
   *
   * Locks in the writers' order (`final-writes.ts`): the day's log records first (a locking read,
   * so no record is committed between the count and the replace), then the report rows, in key
   * order — a recount beside writing admins never deadlocks with them (one that happens anyway is
   * run once more).
   */
  async refreshDay(day: string, start: number, end: number): Promise<number> {
    const { JobLogReport } = this.models;
    const sequelize = JobLogReport.sequelize!;
    const mysql = sequelize.getDialect() !== 'sqlite';
    // All in the database or in plain rows: a busy day has thousands of (job, status) rows, and
    // building them as model instances would block the admin's event loop — and every fire's timer.
    return retryDeadlockOnce(() =>
      inTransaction(sequelize, async (transaction) => {
        const counted = await sequelize.query<{ app_id: number; job_id: number; status: string; n: number | string }>(
          'SELECT app_id, job_id, status, COUNT(*) AS n FROM oasis_job_log WHERE scheduled_at >= ? AND scheduled_at < ? ' +
            'GROUP BY app_id, job_id, status' +
            (mysql ? ' LOCK IN SHARE MODE' : ''),
          { replacements: [start, end], type: QueryTypes.SELECT, transaction },
        );
        await sequelize.query('DELETE FROM oasis_job_log_report WHERE day = ?', { replacements: [day], transaction });
        const rows = counted
          .map((r) => [day, Number(r.app_id), Number(r.job_id), r.status, Number(r.n)] as const)
          .sort((a, b) => a[2] - b[2] || (a[3] < b[3] ? -1 : a[3] > b[3] ? 1 : 0));
        if (rows.length) await upsertRows(sequelize, transaction, 'oasis_job_log_report', REPORT_COLUMNS, REPORT_KEY, rows, ['count']);
        return new Set(rows.map((r) => `${r[2]}|${r[3]}`)).size;
      }),
    );
  }

  /**
   * Counts summed per day and status over the filter (days without rows are absent); an expensive
   * read (`OASIS_DB_READ_TIMEOUT_MS`), lag-tolerant (may be read from a replica).
   */
  async daily(q: ReportQuery): Promise<ReportCount[]> {
    if (q.appIds && q.appIds.length === 0) return [];
    const where: WhereOptions<JobLogReportModel> & Record<string, unknown> = { day: { [Op.gte]: q.fromDay, [Op.lte]: q.toDay } };
    if (q.jobId !== undefined) where.jobId = q.jobId;
    if (q.appIds) where.appId = { [Op.in]: [...q.appIds] };
    const rows = (await this.models.JobLogReport.findAll({
      attributes: ['day', 'status', [fn('SUM', col('count')), 'n']],
      where,
      group: ['day', 'status'],
      raw: true,
      ...EXPENSIVE_READ,
      ...LAG_TOLERANT_READ,
    })) as unknown as { day: string; status: string; n: number | string }[];
    return rows.map((r) => ({ day: String(r.day), status: r.status, count: Number(r.n) }));
  }

  /**
   * Second records of fires per day over the filter (`oasis_job_log_duplicate`; days without any
   * are absent); an expensive read, lag-tolerant (may be read from a replica).
   */
  async duplicates(q: ReportQuery): Promise<DuplicateCount[]> {
    if (q.appIds && q.appIds.length === 0) return [];
    const where: Record<string, unknown> = { day: { [Op.gte]: q.fromDay, [Op.lte]: q.toDay } };
    if (q.jobId !== undefined) where.jobId = q.jobId;
    if (q.appIds) where.appId = { [Op.in]: [...q.appIds] };
    const rows = (await this.models.JobLogDuplicate.findAll({
      attributes: ['day', [fn('COUNT', col('id')), 'n']],
      where,
      group: ['day'],
      order: [['day', 'ASC']],
      raw: true,
      ...EXPENSIVE_READ,
      ...LAG_TOLERANT_READ,
    })) as unknown as { day: string; n: number | string }[];
    return rows.map((r) => ({ day: String(r.day), count: Number(r.n) }));
  }
}
