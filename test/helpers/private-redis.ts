/**
 * A private `redis-server` for fault tests: AOF on, on a free port, in its own directory, stopped
 * by PID. Never the shared Redis on 6379. It can be killed, restarted on the same port (it replays
 * its AOF) and have its AOF rolled back to an earlier copy (a host crash that lost the tail).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cp, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './processes.js';
import { waitFor } from './wait.js';

/** A running private Redis; see {@link startPrivateRedis}. */
export interface PrivateRedis {
  port: number;
  url: string;
  dir: string;
  /** The PID of the current server process (changes on restart). */
  pid(): number;
  /** Sends `signal` to the server (SIGKILL, SIGSTOP, SIGCONT, …) and, for SIGKILL/SIGTERM, waits until it has exited. */
  signal(signal: NodeJS.Signals): Promise<void>;
  /** True while the server process is alive (running or stopped). */
  running(): boolean;
  /** Starts the server again on the same port and directory (after a kill) and waits until it answers. */
  restart(): Promise<void>;
  /** Copies the AOF directory aside (call {@link restoreAof} after a kill to go back to it). */
  snapshotAof(): Promise<void>;
  /** Replaces the AOF directory with the last snapshot; only while the server is down. */
  restoreAof(): Promise<void>;
  /** Stops the server by PID (SIGKILL) and removes nothing (the caller owns `dir`). Idempotent. */
  stop(): Promise<void>;
}

const AOF_DIR = 'appendonlydir';

/**
 * Starts a private Redis under `dir` (created) with `appendonly yes` and `appendfsync` as given
 * (default `always`: nothing acknowledged is lost on a kill, like the private Redis the admin
 * starts). Automatic AOF rewrites are off, so a snapshot of the AOF directory stays consistent.
 */
export async function startPrivateRedis(dir: string, appendfsync: 'always' | 'everysec' = 'always'): Promise<PrivateRedis> {
  await mkdir(dir, { recursive: true });
  const port = await freePort();
  let child: ChildProcess | null = null;
  const args = [
    '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '',
    '--appendonly', 'yes', '--appendfsync', appendfsync, '--appenddirname', AOF_DIR,
    '--auto-aof-rewrite-percentage', '0', '--aof-load-truncated', 'yes',
    '--logfile', join(dir, 'redis.log'), '--protected-mode', 'no',
  ];
  const exited = (c: ChildProcess) =>
    c.exitCode !== null || c.signalCode !== null ? Promise.resolve() : new Promise<void>((r) => c.once('exit', () => r()));
  const launch = async () => {
    child = spawn('redis-server', args, { stdio: 'ignore' });
    const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => undefined);
    try {
      await waitFor(async () => {
        if (child?.exitCode !== null) throw new Error(`redis-server exited (${child?.exitCode}); see ${dir}/redis.log`);
        if (probe.status !== 'ready') await probe.connect().catch(() => undefined);
        // Loading an AOF answers LOADING until it is done.
        return (await probe.ping()) === 'PONG';
      }, 20_000, `private redis on ${port}`);
    } finally {
      probe.disconnect();
    }
  };
  await launch();
  const self: PrivateRedis = {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    pid: () => child?.pid ?? -1,
    running: () => child !== null && child.exitCode === null && child.signalCode === null,
    async signal(sig) {
      const c = child;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      c.kill(sig);
      if (sig === 'SIGKILL' || sig === 'SIGTERM') await exited(c);
    },
    async restart() {
      const c = child;
      if (c && c.exitCode === null && c.signalCode === null) throw new Error('private redis is still running');
      await launch();
    },
    async snapshotAof() {
      await rm(join(dir, `${AOF_DIR}.snapshot`), { recursive: true, force: true });
      await cp(join(dir, AOF_DIR), join(dir, `${AOF_DIR}.snapshot`), { recursive: true });
    },
    async restoreAof() {
      const c = child;
      if (c && c.exitCode === null && c.signalCode === null) throw new Error('restore the AOF only while the server is down');
      await rm(join(dir, AOF_DIR), { recursive: true, force: true });
      await cp(join(dir, `${AOF_DIR}.snapshot`), join(dir, AOF_DIR), { recursive: true });
    },
    async stop() {
      // SIGKILL ends a stopped (SIGSTOP) process too.
      await self.signal('SIGKILL');
    },
  };
  return self;
}
