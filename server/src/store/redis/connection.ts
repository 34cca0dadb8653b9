import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { RedisTopology } from '../../config/schema.js';
import type { Logger } from '../../domain/logger.js';

/**
 * A client of the admin's Redis: one server or Sentinel-managed primary (`Redis`), or a Redis
 * Cluster (`Cluster`). Both take the same commands; what a cluster needs of the callers is that
 * one script, transaction or pipeline touches one slot (every app key carries the `{app}` hash tag,
 * global keys are used one command at a time).
 */
export type RedisClient = Redis | Cluster;

export interface RedisConnection {
  /** Where it connected, for logs: a URL (its password replaced by `***`), `cluster:host:port,…` or `sentinel:<name>@host:port,…`. */
  url: string;
  /** The main client (commands, scripts). */
  client: RedisClient;
  /** Makes another client to the same server or cluster (pub/sub, blocking reads, the clock). */
  duplicate(): RedisClient;
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

/** Another client to the same server or cluster, with the same options (a subscriber). */
export function another(c: RedisClient): RedisClient {
  return (c.duplicate as () => RedisClient)();
}

/** Options of every command client: commands wait out a reconnect instead of failing at once. */
const CLIENT_OPTIONS: RedisOptions = {
  // Reconnect every 50, 100, 150, then 200 ms (ioredis' default backs off to 2 s, which after a
  // primary's death or a restart delayed fires up to ~1.5 s past the failover itself); a command
  // queued meanwhile still waits out ~10 s of outage (50 attempts) before it fails.
  retryStrategy: (times) => Math.min(times * 50, 200),
  maxRetriesPerRequest: 50,
  enableAutoPipelining: true,
};

/**
 * Cluster options. A slot being moved (`redis-cli --cluster reshard`) answers the admin's scripts
 * TRYAGAIN for as long as it moves (see `ScriptRunner`: every script declares the app's fence
 * keys), so TRYAGAIN is retried every 100 ms for up to a minute; MOVED and ASK are followed.
 */
const CLUSTER_OPTIONS: ClusterOptions = {
  enableAutoPipelining: true,
  scaleReads: 'master',
  maxRedirections: 600,
  retryDelayOnTryAgain: 100,
  retryDelayOnMoved: 0,
  retryDelayOnClusterDown: 200,
  retryDelayOnFailover: 200,
};

/**
 * Connects to Redis by topology: a cluster (ioredis `Cluster` over the seed nodes), a
 * Sentinel-managed primary (ioredis asks the sentinels for it and follows a failover), or one
 * server — `url` when given; otherwise 127.0.0.1:6379 when it answers; otherwise a private
 * `redis-server` child (embedded default for a first run).
 * @throws {Error} when nothing can be reached or started.
 */
export async function connectRedis(
  topology: RedisTopology | string | undefined,
  opts: { dataDir: string; logger: Logger; /** Where to look for a local Redis first (tests). */ localUrl?: string },
): Promise<RedisConnection> {
  const t: RedisTopology = typeof topology === 'object' ? topology : { kind: 'single', url: topology };
  if (t.kind === 'cluster') {
    const url = `cluster:${t.nodes.map((n) => `${n.host}:${n.port}`).join(',')}`;
    const options: ClusterOptions = { ...CLUSTER_OPTIONS, redisOptions: { ...CLIENT_OPTIONS, password: t.password } };
    return adoptAll(url, () => new Cluster(t.nodes.map((n) => ({ ...n })), options), opts.logger, null);
  }
  if (t.kind === 'sentinel') {
    const url = `sentinel:${t.name}@${t.sentinels.map((n) => `${n.host}:${n.port}`).join(',')}`;
    const options: RedisOptions = {
      ...CLIENT_OPTIONS,
      sentinels: t.sentinels.map((n) => ({ ...n })),
      name: t.name,
      password: t.password,
      sentinelPassword: t.password,
      // A failover: the old primary turns replica and refuses writes (READONLY); reconnect to
      // the new one and resend the command.
      reconnectOnError: (err) => (err.message.startsWith('READONLY') ? 2 : false),
      // After SENTINEL FAILOVER the old primary stays a primary, taking writes, until the
      // sentinels demote it ~10 s later (then it drops them: it resyncs from the new one), and
      // a client reconnecting meanwhile gets the new one: two primaries, the same fires committed
      // on both. So every client (its duplicates too) leaves at the sentinels' +switch-master,
      // over a subscriber connection per sentinel (test/e2e/redis-sentinel.test.ts).
      failoverDetector: true,
    };
    return adoptAll(url, () => new Redis(options), opts.logger, null);
  }
  let target = t.url;
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
  const url = target;
  return adoptAll(redacted(url), () => new Redis(url, CLIENT_OPTIONS), opts.logger, child);
}

/** `url` with its password replaced by `***`, for logs and /healthz-like output. */
export function redacted(url: string): string {
  return url.replace(/^(rediss?:\/\/[^:@/]*:)[^@/]*@/, '$1***@');
}

/** Makes the main client, answers once it does, and keeps every client made for {@link RedisConnection.close}. */
async function adoptAll(url: string, make: () => RedisClient, logger: Logger, child: ChildProcess | null): Promise<RedisConnection> {
  const clients: RedisClient[] = [];
  const health = new RedisHealth(url, logger);
  const adopt = (c: RedisClient): RedisClient => {
    health.watch(c);
    // ioredis' own duplicate() (a store's subscriber) makes a client without listeners, whose
    // errors Node would print as "[ioredis] Unhandled error event": its copies are adopted too.
    const copy = c.duplicate.bind(c) as () => RedisClient;
    c.duplicate = (() => adopt(copy())) as never;
    clients.push(c);
    return c;
  };
  const fresh = () => adopt(make());
  const client = fresh();
  try {
    await client.ping();
  } catch (err) {
    client.disconnect();
    if (child) child.kill('SIGTERM');
    throw err;
  }
  return {
    url,
    client,
    duplicate: fresh,
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

  watch(c: RedisClient): void {
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
