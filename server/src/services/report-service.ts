import { dayRange, lastDays, utcDay } from '../domain/days.js';
import type { TaskStatus } from '../domain/types.js';
import type { AppsRepo } from '../store/db/apps-repo.js';
import type { ReportsRepo } from '../store/db/reports-repo.js';

/** Statuses a final record can have: every day of a report lists each, zero when none. */
export const REPORT_STATUSES = ['SUCCESS', 'FAILED', 'TIMEOUT', 'KILLED', 'LOST', 'DISCARDED', 'NO_WORKER'] as const satisfies readonly TaskStatus[];
export type ReportStatus = (typeof REPORT_STATUSES)[number];

/** One day of the daily report. */
export interface ReportDay {
  /** `YYYY-MM-DD` (UTC). */
  day: string;
  counts: Record<ReportStatus, number>;
  total: number;
  /** Second records of fires scheduled that day, kept apart from the logs; not in `total`. */
  duplicates: number;
}

/** The daily report: one entry per day, oldest first, days without runs zero-filled. */
export interface DailyReport {
  days: ReportDay[];
}

/** What {@link ReportService.daily} reports on. */
export interface DailyReportQuery {
  /** How many days, ending today (UTC). */
  days: number;
  /** Only this app (by name). */
  app?: string;
  jobId?: number;
  /** Only these apps (a non-admin's permitted ones); null or absent: every app. */
  apps?: readonly string[] | null;
}

/** Dependencies of {@link ReportService}. */
export interface ReportServiceDeps {
  reports: ReportsRepo;
  apps: Pick<AppsRepo, 'idOf'>;
  now?: () => number;
}

/** How long after midnight (UTC) yesterday is still recounted. */
export const YESTERDAY_GRACE_MS = 2 * 3600 * 1000;

/**
 * Daily run counts per job and status (`oasis_job_log_report`). The final-record writer counts
 * them up as records are stored (`LogsRepo.writeFinals`); the maintenance leader recounts today
 * (and yesterday, early in the day) every hour from the log records, a repair for the rare
 * double count of a record two admins wrote at once. Counts remain after log retention. Each day
 * also says how many second records of fires were kept apart (`oasis_job_log_duplicate`).
 */
export class ReportService {
  private readonly now: () => number;

  constructor(private readonly deps: ReportServiceDeps) {
    this.now = deps.now ?? Date.now;
  }

  /**
   * Recounts the given UTC days (default: today, and yesterday during the first
   * {@link YESTERDAY_GRACE_MS} of the day: records of tasks scheduled just before midnight are
   * written after it). Yesterday is a whole day of records: recounting it all day
   * long would cost the database more than everything else the report does.
   */
  async refresh(days?: readonly string[]): Promise<void> {
    if (!days) {
      const now = this.now();
      const today = utcDay(now);
      days = now - dayRange(today).start < YESTERDAY_GRACE_MS ? lastDays(2, now) : [today];
    }
    for (const day of days) {
      const { start, end } = dayRange(day);
      await this.deps.reports.refreshDay(day, start, end);
    }
  }

  /** The report of the last `q.days` days (today included), filtered by app and/or job. */
  async daily(q: DailyReportQuery): Promise<DailyReport> {
    const days = lastDays(q.days, this.now());
    const empty = (): DailyReport => ({ days: days.map((day) => ({ day, counts: zeroCounts(), total: 0, duplicates: 0 })) });
    let names: string[] | null = q.apps ? [...q.apps] : null;
    if (q.app !== undefined) names = names === null || names.includes(q.app) ? [q.app] : [];
    let appIds: number[] | undefined;
    if (names !== null) {
      appIds = (await Promise.all(names.map((n) => this.deps.apps.idOf(n)))).filter((id): id is number => id !== null);
      if (appIds.length === 0) return empty();
    }
    const filter = {
      fromDay: days[0] ?? utcDay(this.now()),
      toDay: days[days.length - 1] ?? utcDay(this.now()),
      ...(q.jobId !== undefined && { jobId: q.jobId }),
      ...(appIds && { appIds }),
    };
    const [rows, duplicates] = await Promise.all([this.deps.reports.daily(filter), this.deps.reports.duplicates(filter)]);
    const report = empty();
    const byDay = new Map(report.days.map((d) => [d.day, d]));
    for (const r of rows) {
      const d = byDay.get(r.day);
      if (!d || !(REPORT_STATUSES as readonly string[]).includes(r.status)) continue;
      d.counts[r.status as ReportStatus] += r.count;
      d.total += r.count;
    }
    for (const r of duplicates) {
      const d = byDay.get(r.day);
      if (d) d.duplicates += r.count;
    }
    return report;
  }
}

function zeroCounts(): Record<ReportStatus, number> {
  return Object.fromEntries(REPORT_STATUSES.map((s) => [s, 0])) as Record<ReportStatus, number>;
}
