import { Router } from 'express';
import { z } from 'zod';
import { appNameSchema } from '../../services/app-service.js';
import type { WorkerService } from '../../services/worker-service.js';
import { appFilter, visible, type Guard } from '../authorize.js';
import { validate } from '../validate.js';

const listQuery = z.strictObject({ app: appNameSchema.optional() });

/** `GET /workers?app=`: the workers the registry knows. */
export function workerRoutes(workers: WorkerService, guard: Guard): Router {
  const r = Router();
  r.get('/workers', guard.app('read', 'query'), async (req, res) => {
    const app = appFilter(res, validate.query(req, listQuery).app);
    res.json(visible(res, await workers.list(app ?? undefined)));
  });
  return r;
}
