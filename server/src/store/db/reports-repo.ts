import { fn, col, Op, type WhereOptions } from 'sequelize';
import type { JobLogReportModel } from './report-models.js';
import type { Models } from './models.js';
import { inTransaction } from './transaction.js';

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

/** Reads and refreshes `oasis_job_log_report` (daily counts per job and status). */
export class ReportsRepo {
  constructor(private readonly models: Models) {}

  /**
   * Recounts one UTC day from `oasis_job_log` (records scheduled in `[start, end)`) and replaces
   * that day's rows in one transaction. Idempotent: running it again (or after a record was written
   * twice) yields the same rows. Returns how many rows the day has.
   */
  async refreshDay(day: string, start: number, end: number): Promise<number> {
    const { JobLog, JobLogReport } = this.models;
    const counted = (await JobLog.findAll({
      attributes: ['appId', 'jobId', 'status', [fn('COUNT', col('id')), 'n']],
      where: { scheduledAt: { [Op.gte]: start, [Op.lt]: end } },
      group: ['appId', 'jobId', 'status'],
      raw: true,
    })) as unknown as { appId: number; jobId: number; status: string; n: number | string }[];
    const rows = counted.map((c) => ({ day, appId: Number(c.appId), jobId: Number(c.jobId), status: c.status, count: Number(c.n) }));
    await inTransaction(JobLogReport.sequelize!, async (transaction) => {
      await JobLogReport.destroy({ where: { day }, transaction });
      if (rows.length) await JobLogReport.bulkCreate(rows, { transaction });
    });
    return rows.length;
  }

  /** Counts summed per day and status over the filter (days without rows are absent). */
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
    })) as unknown as { day: string; status: string; n: number | string }[];
    return rows.map((r) => ({ day: String(r.day), status: r.status, count: Number(r.n) }));
  }
}
