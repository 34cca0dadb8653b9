import type { Redis } from 'ioredis';
import type { Keys } from '../keys.js';

/**
 * Windowed counters in Redis (`<prefix>count:<name>`), shared by every admin: the login rate
 * limit counts failed sign-ins per username and client address with them.
 */
export class RedisCounterStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  /** Adds one; the window (`windowMs`) starts at the first hit. Returns the new count. */
  async hit(name: string, windowMs: number): Promise<number> {
    const key = this.keys.counter(name);
    const [[, count]] = (await this.redis.multi().incr(key).pexpire(key, windowMs, 'NX').exec()) as [[unknown, number]];
    return Number(count);
  }

  /** The current count (0 when none or expired). */
  async get(name: string): Promise<number> {
    return Number((await this.redis.get(this.keys.counter(name))) ?? 0);
  }

  async reset(name: string): Promise<void> {
    await this.redis.del(this.keys.counter(name));
  }
}
