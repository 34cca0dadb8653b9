import type { RedisClient } from './connection.js';
import type { Keys } from '../keys.js';

/**
 * Once-only markers shared by every admin: the first caller to claim a name within its TTL wins.
 * Used where the same fact can reach several admins or the same admin twice (a final record
 * delivered again after a failed write), e.g. so an alarm goes out once per task.
 */
export class OnceStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  /**
   * Claims `name` for `ttlMs` (`SET NX PX`).
   * @returns true for the first claim within the TTL, false when someone already holds it.
   */
  async claim(name: string, ttlMs: number): Promise<boolean> {
    const res = await this.redis.set(this.keys.once(name), '1', 'PX', Math.max(1, Math.round(ttlMs)), 'NX');
    return res === 'OK';
  }

  /** Gives a claim back (the action could not be done and may be tried again). */
  async release(name: string): Promise<void> {
    await this.redis.del(this.keys.once(name));
  }
}
