import { Router } from 'express';
import { z } from 'zod';
import { previewScheduleSchema } from '../../services/job-input.js';
import type { JobService } from '../../services/job-service.js';
import { skipAudit } from '../audit-trail.js';
import { principal, type Guard } from '../authorize.js';
import { jobIdParams, validate } from '../validate.js';

/** `?count=N`, 1-100 (default 5). */
const nextFiresQuery = z.strictObject({
  count: z
    .string()
    .regex(/^[1-9][0-9]{0,2}$/, 'must be an integer from 1 to 100')
    .transform(Number)
    .refine((n) => n <= 100, 'must be at most 100')
    .optional(),
});

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
    res.json(await jobs.nextFires(id, count, principal(res)));
  });
  r.post('/schedule/preview', guard.any, skipAudit, async (req, res) => {
    res.json(await jobs.previewSchedule(validate.body(req, previewScheduleSchema), principal(res)));
  });
  return r;
}
