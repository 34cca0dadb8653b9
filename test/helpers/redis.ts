import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { makeKeys, type Keys } from '../../server/src/store/keys.js';

/** The Redis server tests use. */
export const TEST_REDIS_URL = process.env.OASIS_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A unique key prefix for one test run, so runs never collide. */
export function testPrefix(): string {
  return `oasis-test-${randomBytes(5).toString('hex')}:`;
}

/** A fresh key prefix on the test Redis, with its connections. */
export interface TestRedis {
  redis: Redis;
  prefix: string;
  keys: Keys;
  /** Another connection to the same server (a second admin, a racing claimer). */
  connect(): Redis;
  /** Deletes every key of the prefix and closes every connection made here. */
  cleanup(): Promise<void>;
}

/** Connects to the test Redis under `prefix` (default: a fresh one). */
export function createTestRedis(prefix = testPrefix()): TestRedis {
  const conns: Redis[] = [];
  const connect = () => {
    const r = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 3 });
    conns.push(r);
    return r;
  };
  const redis = connect();
  return {
    redis,
    prefix,
    keys: makeKeys(prefix),
    connect,
    async cleanup() {
      await deleteByPrefix(redis, prefix);
      for (const c of conns) c.disconnect();
    },
  };
}

/** Deletes every key starting with `prefix` (SCAN + UNLINK, never KEYS). */
export async function deleteByPrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (batch.length) await redis.unlink(...batch);
  } while (cursor !== '0');
}
