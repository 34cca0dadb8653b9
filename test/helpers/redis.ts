import { randomBytes } from 'node:crypto';
import { Cluster, Redis } from 'ioredis';
import type { RedisClient } from '../../server/src/store/redis/connection.js';
import { makeKeys, type Keys } from '../../server/src/store/keys.js';

/** The Redis server tests use (a single server; with OASIS_TEST_REDIS_CLUSTER, the cluster is used instead). */
export const TEST_REDIS_URL = process.env.OASIS_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * `host:port,…` of a Redis Cluster the tests run against instead of the single server
 * (`npm run test:cluster`, `.ci/run`): admins get it as OASIS_REDIS_CLUSTER_NODES.
 */
export const TEST_REDIS_CLUSTER = process.env.OASIS_TEST_REDIS_CLUSTER ?? '';

/** The settings that point an admin at the test Redis (one of OASIS_REDIS_URL and OASIS_REDIS_CLUSTER_NODES). */
export function testRedisEnv(): Record<string, string> {
  return TEST_REDIS_CLUSTER ? { OASIS_REDIS_CLUSTER_NODES: TEST_REDIS_CLUSTER } : { OASIS_REDIS_URL: TEST_REDIS_URL };
}

/** A new client of the test Redis: the cluster when one is set, else the single server. */
export function connectTestRedis(opts: { maxRetriesPerRequest?: number } = {}): RedisClient {
  const maxRetriesPerRequest = opts.maxRetriesPerRequest ?? 3;
  if (!TEST_REDIS_CLUSTER) return new Redis(TEST_REDIS_URL, { maxRetriesPerRequest });
  const nodes = TEST_REDIS_CLUSTER.split(',').map((hp) => {
    const i = hp.lastIndexOf(':');
    return { host: hp.slice(0, i), port: Number(hp.slice(i + 1)) };
  });
  return new Cluster(nodes, { redisOptions: { maxRetriesPerRequest }, maxRedirections: 600, retryDelayOnTryAgain: 100 });
}

/** A unique key prefix for one test run, so runs never collide. */
export function testPrefix(): string {
  return `oasis-test-${randomBytes(5).toString('hex')}:`;
}

/** A fresh key prefix on the test Redis, with its connections. */
export interface TestRedis {
  redis: RedisClient;
  prefix: string;
  keys: Keys;
  /** Another connection to the same server (a second admin, a racing claimer). */
  connect(): RedisClient;
  /** Deletes every key of the prefix and closes every connection made here. */
  cleanup(): Promise<void>;
}

/** Connects to the test Redis under `prefix` (default: a fresh one). */
export function createTestRedis(prefix = testPrefix()): TestRedis {
  const conns: RedisClient[] = [];
  const connect = () => {
    const r = connectTestRedis();
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

/** Every key matching `pattern` (SCAN, never KEYS; on a cluster, on every master). */
export async function scanKeys(redis: RedisClient, pattern: string): Promise<string[]> {
  const out: string[] = [];
  const nodes: Redis[] = redis instanceof Cluster ? redis.nodes('master') : [redis];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, batch] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      out.push(...batch);
    } while (cursor !== '0');
  }
  return out;
}

/** Deletes every key starting with `prefix` (on a cluster, one key at a time: a batch spans slots). */
export async function deleteByPrefix(redis: RedisClient, prefix: string): Promise<void> {
  const keys = await scanKeys(redis, `${prefix}*`);
  for (let i = 0; i < keys.length; i += 1000) {
    const batch = keys.slice(i, i + 1000);
    await (redis instanceof Cluster ? Promise.all(batch.map((k) => redis.unlink(k))) : redis.unlink(...batch));
  }
}
