import { Router } from 'express';
import { z } from 'zod';
import { appNameSchema } from '../../services/app-service.js';
import type { WorkerService } from '../../services/worker-service.js';
import { validate } from '../validate.js';

const listQuery = z.strictObject({ app: appNameSchema.optional() });

/** `GET /workers?app=`: the workers the registry knows. */
export function workerRoutes(workers: WorkerService): Router {
  const r = Router();
  r.get('/workers', async (req, res) => {
    const { app } = validate.query(req, listQuery);
    res.json(await workers.list(app));
  });
  return r;
}
