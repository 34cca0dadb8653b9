import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { Redis } from 'ioredis';
import type { Logger } from '../../domain/logger.js';

export interface RedisConnection {
  url: string;
  /** The main client (commands, scripts). */
  client: Redis;
  /** Makes another client to the same server (pub/sub, blocking reads). */
  duplicate(): Redis;
  /** Closes every client made here and stops the private server, if any. */
  close(): Promise<void>;
}

async function answers(url: string): Promise<boolean> {
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 1000, retryStrategy: () => null });
  probe.on('error', () => undefined); // a refused probe is an answer, not an error
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

/** A TCP port free on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => res(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}

/** Starts a private `redis-server` child with AOF under `dataDir`; null when none is installed. */
async function startPrivateRedis(dataDir: string, logger: Logger): Promise<{ url: string; child: ChildProcess } | null> {
  if (spawnSync('redis-server', ['--version']).status !== 0) return null;
  const dir = resolve(dataDir);
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  // Strict durability: every write is on disk before Redis answers (docs/reliability.md, "Redis durability").
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', ''], {
    stdio: 'ignore',
  });
  const url = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 50; i++) {
    if (await answers(url)) {
      logger.info({ url, dir }, 'started a private redis-server (no OASIS_REDIS_URL and none on 127.0.0.1:6379)');
      return { url, child };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  return null;
}

/**
 * Connects to Redis: `url` when given; otherwise 127.0.0.1:6379 when it answers; otherwise a
 * private `redis-server` child (embedded default for a first run).
 * @throws {Error} when nothing can be reached or started.
 */
export async function connectRedis(
  url: string | undefined,
  opts: { dataDir: string; logger: Logger; /** Where to look for a local Redis first (tests). */ localUrl?: string },
): Promise<RedisConnection> {
  let target = url;
  let child: ChildProcess | null = null;
  const local = opts.localUrl ?? 'redis://127.0.0.1:6379';
  if (!target) {
    if (await answers(local)) target = local;
    else {
      const priv = await startPrivateRedis(opts.dataDir, opts.logger);
      if (!priv) throw new Error('No Redis: set OASIS_REDIS_URL, run one on 127.0.0.1:6379, or install redis-server');
      target = priv.url;
      child = priv.child;
    }
  }
  const clients: Redis[] = [];
  const health = new RedisHealth(target, opts.logger);
  const adopt = (c: Redis): Redis => {
    health.watch(c);
    // ioredis' own duplicate() (a store's subscriber) makes a client without listeners, whose
    // errors Node would print as "[ioredis] Unhandled error event": its copies are adopted too.
    const copy = c.duplicate.bind(c);
    c.duplicate = (override) => adopt(copy(override));
    clients.push(c);
    return c;
  };
  const make = () => adopt(new Redis(target, { maxRetriesPerRequest: 20, enableAutoPipelining: true }));
  const client = make();
  await client.ping();
  return {
    url: target,
    client,
    duplicate: make,
    async close() {
      health.closing = true;
      await Promise.allSettled(clients.map((c) => c.quit()));
      if (child) child.kill('SIGTERM');
    },
  };
}

/**
 * Logs a Redis outage once when it starts and once when it ends (not once per client, error or
 * reconnect attempt): every client of the connection reports here.
 */
class RedisHealth {
  private down = false;
  /** Set on close: clients that end then are not an outage. */
  closing = false;

  constructor(
    private readonly url: string,
    private readonly logger: Logger,
  ) {}

  watch(c: Redis): void {
    c.on('error', (err: Error) => this.lost(err.message));
    c.on('end', () => this.lost('connection ended'));
    c.on('ready', () => {
      if (!this.down) return;
      this.down = false;
      this.logger.info({ url: this.url }, 'redis answering again');
    });
  }

  private lost(reason: string): void {
    if (this.down || this.closing) return;
    this.down = true;
    this.logger.warn({ url: this.url, err: reason }, 'redis not answering: clients reconnect, commands wait or fail');
  }
}
