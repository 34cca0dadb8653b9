import { Router } from 'express';
import type { HotPort } from '../../domain/ports.js';
import { errorBody, sendError } from '../errors.js';

/** How long `/healthz` waits for each backing service. */
const PROBE_TIMEOUT_MS = 2000;

async function probe(check: () => Promise<boolean>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), PROBE_TIMEOUT_MS);
  });
  try {
    return await Promise.race([check().catch(() => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** `GET /healthz` (no auth): 200 `{status:'ok'}` when Redis and the database answer, else 503. */
export function healthRoutes(hot: HotPort, dbPing: () => Promise<boolean>): Router {
  const r = Router();
  r.get('/healthz', async (_req, res) => {
    const [redis, db] = await Promise.all([probe(() => hot.ping()), probe(dbPing)]);
    if (redis && db) {
      res.json({ status: 'ok' });
      return;
    }
    const down = [!redis && 'redis', !db && 'database'].filter(Boolean).join(' and ');
    sendError(res, errorBody('OASIS_ERR_UNAVAILABLE', `Not answering: ${down}`));
  });
  return r;
}
