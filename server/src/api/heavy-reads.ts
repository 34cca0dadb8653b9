/**
 * Admission control of the expensive reads: a per-user request budget shared by every admin,
 * so a dashboard left open or a polling script cannot take the event loop from the scheduler.
 */
import type { Request, RequestHandler } from 'express';
import { AppError } from '../domain/errors.js';
import type { Logger } from '../domain/logger.js';
import type { AttemptLimiter, AttemptLimiters } from '../services/attempt-limiter.js';
import { authOf } from './auth.js';

/**
 * The heavy reads, GET of `/logs`, `/logs/duplicates`, `/logs/:id/text`, `/jobs`, `/reports/*`
 * and `/audit` (under `/api/v1`): lists that read pages of the log table or of every job, a
 * log's text, the reports and the audit trail. Reads of one item by id and `/healthz` stay free.
 * A path test, not routes: the middlewares below declare no route of their own.
 */
const HEAVY_READ_PATH = /^\/(?:logs(?:\/duplicates|\/[^/]+\/text)?|jobs|reports\/.+|audit)\/?$/;

const isHeavyRead = (req: Request): boolean => req.method === 'GET' && HEAVY_READ_PATH.test(req.path);

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
 * Counts every heavy read ({@link HEAVY_READ_PATH}) of the signed-in user (mount it after
 * `requireAuth`): past `points` within `windowMs` it answers 429 `OASIS_ERR_RATE_LIMITED` with
 * `Retry-After` (whole seconds, rounded up) until the window ends. The count lives in Redis, so
 * it is one budget per user across every admin. When the limiter cannot count (Redis failing)
 * the read is let through and a warning logged: reads stay available, and every other bound
 * (list caps, statement timeouts) still holds.
 */
export function heavyReads(deps: { limiters: AttemptLimiters; points: number; windowMs: number; logger: Logger }): RequestHandler {
  const limiter = deps.limiters(HEAVY_READ_BUDGET, heavyReadBudget(deps.points, deps.windowMs));
  const count = countRead(limiter, deps.logger);
  return (req, res, next) => (isHeavyRead(req) ? count(req, res, next) : next());
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

/** Heavy reads waiting for a slot, at most, per slot; past it a read is refused at once (429). */
const WAITING_PER_SLOT = 64;

/**
 * At most `slots` heavy reads run at once on this admin; the others wait their turn (first come,
 * first served), and past `slots × 64` waiting a read is answered 429 with `Retry-After: 1`.
 * The reads share the event loop with the scheduler: this bounds how much of it they take, and
 * so how late a fire can be made by any number of readers, whatever their users' budgets.
 */
export function heavyReadSlots(slots: number): RequestHandler {
  let running = 0;
  const waiting: (() => void)[] = [];
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else running--;
  };
  return (req, res, next) => {
    if (!isHeavyRead(req)) {
      next();
      return;
    }
    const start = () => {
      let done = false;
      const end = () => {
        if (done) return;
        done = true;
        release();
      };
      res.once('finish', end);
      res.once('close', end);
      next();
    };
    if (running < slots) {
      running++;
      start();
    } else if (waiting.length < slots * WAITING_PER_SLOT) {
      waiting.push(start);
    } else {
      next(new AppError('OASIS_ERR_RATE_LIMITED', 'The admin is busy with other reads; retry in a moment', { retryAfterMs: 1000 }));
    }
  };
}
