import { Router } from 'express';
import { workerListQuery, type WorkerJson } from '@oasis/worker-client/contracts';
import type { WorkerDirectory } from '../../domain/ports.js';
import { appFilter, visible, type Guard } from '../authorize.js';
import { validate } from '../validate.js';

/** `GET /workers?app=`: the workers the registry knows. */
export function workerRoutes(workers: WorkerDirectory, guard: Guard): Router {
  const r = Router();
  r.get('/workers', guard.app('read', 'query'), async (req, res) => {
    const app = appFilter(res, validate.query(req, workerListQuery).app);
    res.json(visible(res, await workers.list(app ?? undefined)) satisfies WorkerJson[]);
  });
  return r;
}
