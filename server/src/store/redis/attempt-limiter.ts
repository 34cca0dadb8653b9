import type { RedisClient } from './connection.js';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Keys } from '../keys.js';

/** How many attempts one key may make per window. */
export interface AttemptBudget {
  /** Attempts allowed within a window; the next one is refused. */
  points: number;
  /** Length of the window, from the first attempt (rounded up to whole seconds). */
  windowMs: number;
}

/**
 * One attempt budget shared by every admin: a fixed window per key, counted in Redis by
 * rate-limiter-flexible (`RateLimiterRedis`, one atomic script per attempt) under
 * `<prefix>limit:<name>:<key>`. Implements the services' `AttemptLimiter` port.
 */
export class RedisAttemptLimiter {
  private readonly limiter: RateLimiterRedis;

  constructor(redis: RedisClient, keys: Keys, name: string, budget: AttemptBudget) {
    this.limiter = new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: keys.limit(name),
      points: budget.points,
      duration: Math.max(1, Math.ceil(budget.windowMs / 1000)),
    });
  }

  /**
   * Counts one attempt of `key`, atomically, so concurrent attempts cannot all slip under the
   * budget. @returns 0 while within the budget, else the ms until the window ends (≥ 1).
   * @throws when Redis fails (the caller refuses the attempt rather than let it through uncounted).
   */
  async consume(key: string): Promise<number> {
    try {
      await this.limiter.consume(key);
      return 0;
    } catch (err) {
      // The library rejects with a RateLimiterRes when over budget, with an Error when Redis failed.
      if (err instanceof RateLimiterRes) return Math.max(1, err.msBeforeNext);
      throw err;
    }
  }

  /** Gives one attempt back (it succeeded); never leaves a negative count behind. */
  async refund(key: string): Promise<void> {
    const res = await this.limiter.reward(key, 1);
    // The window may have ended in between: a fresh key at -1 would be a free attempt.
    if (res.consumedPoints <= 0) await this.limiter.delete(key);
  }

  /** Forgets every attempt of `key`. */
  async reset(key: string): Promise<void> {
    await this.limiter.delete(key);
  }
}

/** Builds {@link RedisAttemptLimiter}s on one connection. */
export function attemptLimiters(redis: RedisClient, keys: Keys): (name: string, budget: AttemptBudget) => RedisAttemptLimiter {
  return (name, budget) => new RedisAttemptLimiter(redis, keys, name, budget);
}
