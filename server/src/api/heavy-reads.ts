/**
 * Admission control of the expensive reads: a per-user request budget shared by every admin,
 * so a dashboard left open or a polling script cannot take the event loop from the scheduler.
 */
import { Router, type RequestHandler } from 'express';
import { AppError } from '../domain/errors.js';
import type { Logger } from '../domain/logger.js';
import type { AttemptLimiter, AttemptLimiters } from '../services/attempt-limiter.js';
import { authOf } from './auth.js';

/**
 * The GET routes that count against the budget: lists that read pages of the log table or of
 * every job, a log's text, the reports and the audit trail. Reads of one item by id and
 * `/healthz` stay free.
 */
export const HEAVY_READ_PATHS = ['/logs', '/logs/duplicates', '/logs/:id/text', '/jobs', '/reports/*rest', '/audit'] as const;

/** Name of the budget in Redis (`<prefix>limit:heavy-read:u<userId>`). */
export const HEAVY_READ_BUDGET = 'heavy-read';

/** A limiter failure is logged at most this often (a Redis outage would log every request). */
const WARN_EVERY_MS = 60_000;

/** The budget `points` per `windowMs` as the Redis limiter can count it (whole-second windows). */
export function heavyReadBudget(points: number, windowMs: number): { points: number; windowMs: number } {
  // The limiter counts whole seconds: a shorter window keeps its rate (50 per 100 ms = 500 per s)
  // rather than being stretched to a second with the same points (10× stricter than asked).
  if (windowMs >= 1000) return { points, windowMs };
  return { points: Math.max(1, Math.floor((points * 1000) / windowMs)), windowMs: 1000 };
}

/**
 * Counts every {@link HEAVY_READ_PATHS} request of the signed-in user (mount it after
 * `requireAuth`): past `points` within `windowMs` it answers 429 `OASIS_ERR_RATE_LIMITED` with
 * `Retry-After` (whole seconds, rounded up) until the window ends. The count lives in Redis, so
 * it is one budget per user across every admin. When the limiter cannot count (Redis failing)
 * the read is let through and a warning logged: reads stay available, and every other bound
 * (list caps, statement timeouts) still holds.
 */
export function heavyReads(deps: { limiters: AttemptLimiters; points: number; windowMs: number; logger: Logger }): Router {
  const limiter = deps.limiters(HEAVY_READ_BUDGET, heavyReadBudget(deps.points, deps.windowMs));
  const r = Router();
  r.get([...HEAVY_READ_PATHS], countRead(limiter, deps.logger));
  return r;
}

function countRead(limiter: AttemptLimiter, logger: Logger): RequestHandler {
  let warnedAt = -Infinity;
  return async (req, res, next) => {
    let waitMs: number;
    try {
      waitMs = await limiter.consume(`u${authOf(res).user.id}`);
    } catch (err) {
      if (Date.now() - warnedAt >= WARN_EVERY_MS) {
        warnedAt = Date.now();
        logger.warn({ err, path: req.path }, 'heavy-read limit not counted (limiter failing); reads let through');
      }
      waitMs = 0;
    }
    if (waitMs > 0) throw new AppError('OASIS_ERR_RATE_LIMITED', 'Too many heavy reads (lists, logs, reports); wait a moment', { retryAfterMs: waitMs });
    next();
  };
}
