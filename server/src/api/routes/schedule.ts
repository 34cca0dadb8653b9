import { Router } from 'express';
import {
  jobIdParams,
  nextFiresQuery,
  previewScheduleSchema,
  type NextFiresAnswer,
  type PreviewAnswer,
} from '@oasis/worker-client/contracts';
import type { JobService } from '../../services/job-service.js';
import { skipAudit } from '../audit-trail.js';
import { principal, type Guard } from '../authorize.js';
import { validate } from '../validate.js';

/**
 * Schedule previews: `GET /jobs/:id/next-fires?count=N` (whoever may read the job) →
 * `{fires, basis, skipNext, complete}`, and `POST /schedule/preview {schedule, count?}` (any
 * signed-in user; it changes nothing, so it is not audited) → `{fires, complete}`. Fires are
 * epoch ms. Both are bounded in CPU and rate-limited per user (429 with `Retry-After`).
 */
export function scheduleRoutes(jobs: JobService, guard: Guard): Router {
  const r = Router();
  r.get('/jobs/:id/next-fires', guard.job('read'), async (req, res) => {
    const { id } = validate.params(req, jobIdParams);
    const { count } = validate.query(req, nextFiresQuery);
    res.json((await jobs.nextFires(id, count, principal(res))) satisfies NextFiresAnswer);
  });
  r.post('/schedule/preview', guard.any, skipAudit, async (req, res) => {
    res.json((await jobs.previewSchedule(validate.body(req, previewScheduleSchema), principal(res))) satisfies PreviewAnswer);
  });
  return r;
}
