import type { RedisClient } from './connection.js';
import type { Keys } from '../keys.js';

/** API sessions in RedisClient, keyed by the SHA-256 of the bearer token (the token itself is never stored). */
export class RedisSessionStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  async set(tokenHash: string, value: string, ttlMs: number): Promise<void> {
    await this.redis.set(this.keys.session(tokenHash), value, 'PX', ttlMs);
  }

  async get(tokenHash: string): Promise<string | null> {
    return this.redis.get(this.keys.session(tokenHash));
  }

  async delete(tokenHash: string): Promise<void> {
    await this.redis.del(this.keys.session(tokenHash));
  }

  async usersVersion(): Promise<string> {
    return (await this.redis.get(this.keys.usersVersion)) ?? '0';
  }

  async bumpUsersVersion(): Promise<void> {
    await this.redis.incr(this.keys.usersVersion);
  }
}
