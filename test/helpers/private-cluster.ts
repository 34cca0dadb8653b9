/**
 * A private 3-master Redis Cluster for tests: three `redis-server --cluster-enabled yes` children
 * on free ports under one directory, joined by `redis-cli --cluster create`, stopped by PID. The
 * reshard test moves a live app's slot with `redis-cli --cluster reshard`; `scripts/test-cluster.ts`
 * starts one for the suite's cluster tier (`.ci/run`, `npm run test:cluster`).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from '../../server/src/store/redis/connection.js';
import { waitFor } from './wait.js';

export interface ClusterNode {
  port: number;
  /** `127.0.0.1:<port>` */
  address: string;
  pid: number;
}

export interface PrivateCluster {
  nodes: ClusterNode[];
  /** `127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3` (OASIS_REDIS_CLUSTER_NODES). */
  seeds: string;
  dir: string;
  /** The node id of each master, by port. */
  ids(): Promise<Map<number, string>>;
  /** The port of the master serving `slot`. */
  ownerOf(slot: number): Promise<number>;
  /** The slots a master serves, lowest first. */
  slotsOf(port: number): Promise<number[]>;
  /**
   * Moves the lowest `count` slots of master `fromPort` to master `toPort` with
   * `redis-cli --cluster reshard` (one key per MIGRATE when `pipeline` is 1, so a slot stays
   * half-moved for longer). Resolves with redis-cli's output once it exits 0.
   */
  reshard(fromPort: number, toPort: number, count: number, pipeline?: number): Promise<string>;
  /** Stops every node by PID and removes the directory. Idempotent. */
  stop(): Promise<void>;
}

/** The cluster slot of `key` (CRC16 of its hash tag or whole name, mod 16384), as Redis computes it. */
export function slotOf(key: string): number {
  const open = key.indexOf('{');
  if (open >= 0) {
    const close = key.indexOf('}', open + 1);
    if (close > open + 1) key = key.slice(open + 1, close);
  }
  let crc = 0;
  for (const byte of Buffer.from(key)) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc % 16384;
}

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((res, rej) => {
    const c = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    c.stderr.on('data', (d: Buffer) => (out += d.toString()));
    c.once('exit', (code) => (code === 0 ? res(out) : rej(new Error(`${cmd} ${args.join(' ')} exited ${code}:\n${out}`))));
  });
}

/** Starts a 3-master cluster (no replicas) under `dir`; throws when redis-server is not installed. */
export async function startPrivateCluster(dir: string, opts: { masters?: number } = {}): Promise<PrivateCluster> {
  if (spawnSync('redis-server', ['--version']).status !== 0) throw new Error('redis-server is not installed');
  await mkdir(dir, { recursive: true });
  const children: ChildProcess[] = [];
  const nodes: ClusterNode[] = [];
  const stop = async () => {
    await Promise.all(
      children.splice(0).map(
        (c) =>
          new Promise<void>((r) => {
            if (c.exitCode !== null || c.signalCode !== null) return r();
            c.once('exit', () => r());
            c.kill('SIGKILL');
          }),
      ),
    );
    await rm(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < (opts.masters ?? 3); i++) {
      const port = await freePort();
      const d = join(dir, String(port));
      await mkdir(d, { recursive: true });
      const child = spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`,
          '--cluster-node-timeout', '5000', '--dir', d, '--save', '', '--appendonly', 'no', '--logfile', join(d, 'redis.log')],
        { stdio: 'ignore' },
      );
      children.push(child);
      nodes.push({ port, address: `127.0.0.1:${port}`, pid: child.pid ?? -1 });
    }
    for (const n of nodes) {
      await waitFor(async () => (await run('redis-cli', ['-p', String(n.port), 'ping']).catch(() => '')).includes('PONG'), 10_000, `cluster node ${n.port}`);
    }
    await run('redis-cli', ['--cluster', 'create', ...nodes.map((n) => n.address), '--cluster-replicas', '0', '--cluster-yes']);
    await waitFor(async () => {
      for (const n of nodes) {
        const info = await run('redis-cli', ['-p', String(n.port), 'cluster', 'info']);
        if (!info.includes('cluster_state:ok')) return false;
      }
      return true;
    }, 20_000, 'cluster_state:ok on every node');
  } catch (err) {
    await stop();
    throw err;
  }
  const client = (port: number) => new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1, lazyConnect: true });
  const slotsTable = async () => {
    const c = client(nodes[0]?.port ?? 0);
    try {
      return (await c.call('CLUSTER', 'SLOTS')) as [number, number, [string, number, string]][];
    } finally {
      c.disconnect();
    }
  };
  const ids = async () => {
    const out = new Map<number, string>();
    for (const [, , [, port, id]] of await slotsTable()) out.set(port, id);
    return out;
  };
  return {
    nodes,
    seeds: nodes.map((n) => n.address).join(','),
    dir,
    ids,
    async ownerOf(slot) {
      for (const [lo, hi, [, port]] of await slotsTable()) if (slot >= lo && slot <= hi) return port;
      throw new Error(`slot ${slot} is served by no node`);
    },
    async slotsOf(port) {
      const out: number[] = [];
      for (const [lo, hi, [, p]] of await slotsTable()) if (p === port) for (let s = lo; s <= hi; s++) out.push(s);
      return out.sort((a, b) => a - b);
    },
    async reshard(fromPort, toPort, count, pipeline = 10) {
      const byPort = await ids();
      return run('redis-cli', [
        '--cluster', 'reshard', `127.0.0.1:${fromPort}`,
        '--cluster-from', byPort.get(fromPort) ?? '', '--cluster-to', byPort.get(toPort) ?? '',
        '--cluster-slots', String(count), '--cluster-pipeline', String(pipeline), '--cluster-yes',
      ]);
    },
    stop,
  };
}
