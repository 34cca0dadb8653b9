import { Router } from 'express';
import { dailyReportQuery, type DailyReportJson } from '@oasis/worker-client/contracts';
import { AppError } from '../../domain/errors.js';
import { isAdmin, readableApps } from '../../domain/roles.js';
import type { JobService } from '../../services/job-service.js';
import type { ReportService } from '../../services/report-service.js';
import { assertApp, principal, type Guard } from '../authorize.js';
import { validate } from '../validate.js';

/**
 * `GET /reports/daily?days=7|30&app=&jobId=`: final records per UTC day and status,
 * `{days:[{day, counts:{SUCCESS, FAILED, …}, total}]}`, oldest first, zero-filled.
 * A user who is not ADMIN sees only the apps they may read.
 */
export function reportRoutes(reports: ReportService, jobs: Pick<JobService, 'get'>, guard: Guard): Router {
  const r = Router();
  r.get('/reports/daily', guard.app('read', 'query'), async (req, res) => {
    const q = validate.query(req, dailyReportQuery);
    const user = principal(res);
    if (q.jobId !== undefined && !isAdmin(user)) {
      // The job's app decides; a deleted job's history is for ADMINs only (its app is unknown).
      const job = await jobs.get(q.jobId).catch((err: unknown) => {
        if (err instanceof AppError && err.code === 'OASIS_ERR_NOT_FOUND') return null;
        throw err;
      });
      if (!job) throw new AppError('OASIS_ERR_NOT_FOUND', `No job has id ${q.jobId}`);
      assertApp(res, job.app, 'read');
    }
    const apps = readableApps(user);
    const report = await reports.daily({
      days: q.days,
      ...(q.app !== undefined && { app: q.app }),
      ...(q.jobId !== undefined && { jobId: q.jobId }),
      apps: apps === null ? null : [...apps],
    });
    res.json(report satisfies DailyReportJson);
  });
  return r;
}
