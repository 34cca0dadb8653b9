import { Router } from 'express';
import type { ClockReading } from '../../domain/clock.js';
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

/**
 * `GET /healthz` (no auth): 200 when Redis and the database answer, else 503. With the admin's
 * clock, the answer shows it (`clock`: offset to the Redis server's clock, round trip, age of the
 * measurement) and says `status: 'degraded'` while the offset is not measured: the admin serves
 * the API and its workers, but claims no fires. With the admin's roles (OASIS_ROLES), the answer
 * lists them (`roles`).
 */
export function healthRoutes(hot: HotPort, dbPing: () => Promise<boolean>, clock?: () => ClockReading, roles?: readonly string[]): Router {
  const r = Router();
  r.get('/healthz', async (_req, res) => {
    const [redis, db] = await Promise.all([probe(() => hot.ping()), probe(dbPing)]);
    if (redis && db) {
      const c = clock?.();
      res.json({ status: c && !c.synced ? 'degraded' : 'ok', ...(roles && { roles }), ...(c && { clock: c }) });
      return;
    }
    const down = [!redis && 'redis', !db && 'database'].filter(Boolean).join(' and ');
    sendError(res, errorBody('OASIS_ERR_UNAVAILABLE', `Not answering: ${down}`));
  });
  return r;
}
