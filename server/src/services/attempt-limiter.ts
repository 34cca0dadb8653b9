/**
 * Attempt budgets shared by every admin (the sign-in rate limit), so services never see Redis.
 * Implemented by `store/redis/attempt-limiter.ts` (`RedisAttemptLimiter`, rate-limiter-flexible).
 */
export interface AttemptLimiter {
  /** Counts one attempt of `key`; 0 while within the budget, else the ms until it is allowed again. */
  consume(key: string): Promise<number>;
  /** Gives the last attempt of `key` back (it was not one to count). */
  refund(key: string): Promise<void>;
  /** Forgets every attempt of `key`. */
  reset(key: string): Promise<void>;
}

/** Makes the budget `name`: `points` attempts per key within `windowMs` (from the first attempt). */
export type AttemptLimiters = (name: string, budget: { points: number; windowMs: number }) => AttemptLimiter;
