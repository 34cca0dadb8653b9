import { Router } from 'express';
import { z } from 'zod';
import { previewScheduleSchema } from '../../services/job-input.js';
import type { JobService } from '../../services/job-service.js';
import { skipAudit } from '../audit-trail.js';
import type { Guard } from '../authorize.js';
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
 * `{fires, basis, skipNext}`, and `POST /schedule/preview {schedule, count?}` (any signed-in
 * user; it changes nothing, so it is not audited) → `{fires}`. Fires are epoch ms.
 */
export function scheduleRoutes(jobs: JobService, guard: Guard): Router {
  const r = Router();
  r.get('/jobs/:id/next-fires', guard.job('read'), async (req, res) => {
    const { id } = validate.params(req, jobIdParams);
    const { count } = validate.query(req, nextFiresQuery);
    res.json(await jobs.nextFires(id, count));
  });
  r.post('/schedule/preview', guard.any, skipAudit, (req, res) => {
    res.json(jobs.previewSchedule(validate.body(req, previewScheduleSchema)));
  });
  return r;
}
