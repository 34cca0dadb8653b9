/**
 * A private Sentinel-managed Redis for failover tests: a master, one replica and three sentinels,
 * each a `redis-server` child on a free port under its own temp directory (no persistence: the
 * tests are about failover, not crash), stopped by PID. Never the shared Redis on 6379. The
 * sentinels use short timings (down after 1 s, failover timeout 5 s), so a killed master is
 * replaced within a few seconds.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './processes.js';
import { waitFor } from './wait.js';

/** The name the sentinels monitor the master under (`OASIS_REDIS_SENTINEL_NAME`). */
export const SENTINEL_MASTER_NAME = 'oasis-test';
/** Sentinel `down-after-milliseconds`. */
export const SENTINEL_DOWN_AFTER_MS = 1000;
/** Sentinel `failover-timeout`. */
export const SENTINEL_FAILOVER_TIMEOUT_MS = 5000;
/** The key {@link PrivateSentinel.stallReplication} writes its filler to (outside every admin prefix). */
const FILLER_KEY = 'oasis-test-sentinel:filler';

/** One `redis-server` child (data node or sentinel). */
export interface RedisNode {
  port: number;
  /** The PID of its process. */
  pid(): number;
  /** True while the process is alive (running or stopped). */
  running(): boolean;
  /** Sends `signal` (SIGKILL, SIGSTOP, SIGCONT, …); for SIGKILL/SIGTERM waits until it has exited. */
  signal(signal: NodeJS.Signals): Promise<void>;
}

/** A running private Sentinel setup; see {@link startPrivateSentinel}. */
export interface PrivateSentinel {
  dir: string;
  name: string;
  /** The data nodes: `[0]` the first master, `[1]` its replica. */
  data: readonly RedisNode[];
  sentinels: readonly RedisNode[];
  /** `OASIS_REDIS_SENTINELS` and `OASIS_REDIS_SENTINEL_NAME` of an admin on this Redis. */
  env(): Record<string, string>;
  /** The data node on `port`. */
  node(port: number): RedisNode;
  /** A client of one node (closed by {@link stop}); commands fail at once while it is down. */
  client(port: number): Redis;
  /** The master's port as every running sentinel reports it; null while they disagree. */
  master(): Promise<number | null>;
  /**
   * Waits until every running sentinel reports a master other than `oldPort` and that node
   * answers `role:master`; resolves with its port and how long it took.
   */
  waitForNewMaster(oldPort: number, timeoutMs?: number): Promise<{ port: number; ms: number }>;
  /**
   * Waits until the node on `port` is a replica with its link up (an old master the sentinels
   * demoted); resolves with how long it took.
   */
  waitForReplica(port: number, timeoutMs?: number): Promise<number>;
  /**
   * The clients connected to the node on `port` other than the sentinels, the replication links
   * and this helper's own (`addr` of each): the admins' connections.
   */
  foreignClients(port: number): Promise<string[]>;
  /** `SENTINEL FAILOVER` on the first sentinel, then {@link waitForNewMaster}. */
  failover(): Promise<{ from: number; to: number; ms: number }>;
  /**
   * Makes the replica lag for real: SIGSTOPs it, then writes `fillerMb` MB of filler to the master
   * (one key overwritten, outside every admin prefix), more than the kernel's socket buffers hold.
   * From then on every write the master acknowledges waits in its output buffer to the replica,
   * and is lost if the master dies before the replica reads it. Resolves with the replica's port.
   */
  stallReplication(fillerMb?: number): Promise<number>;
  /** Stops every process by PID (SIGKILL, also ends stopped ones) and removes the directory. Idempotent. */
  stop(): Promise<void>;
}

/** Spawns a `redis-server` with `args`; `ready` (a PING, or a sentinel command) is awaited by the caller. */
function spawnNode(port: number, args: string[]): RedisNode {
  const child: ChildProcess = spawn('redis-server', args, { stdio: 'ignore' });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const alive = () => child.exitCode === null && child.signalCode === null;
  return {
    port,
    pid: () => child.pid ?? -1,
    running: alive,
    async signal(sig) {
      if (!alive()) return;
      child.kill(sig);
      if (sig === 'SIGKILL' || sig === 'SIGTERM') await exited;
    },
  };
}

/** The `field:value` lines of an INFO section. */
function infoFields(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0) m.set(line.slice(0, i), line.slice(i + 1).trim());
  }
  return m;
}

/** A SENTINEL reply's flat `[field, value, …]` list as a map. */
function pairs(flat: string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (let i = 0; i + 1 < flat.length; i += 2) m.set(flat[i] as string, flat[i + 1] as string);
  return m;
}

/**
 * Starts a master, a replica of it and three sentinels (quorum 2) under a new temp directory, and
 * waits until the replica's link is up and every sentinel knows the master, the replica and the
 * two other sentinels (so a failover can be elected at once).
 * @throws {Error} when a process exits or the setup does not settle within 30 s.
 */
export async function startPrivateSentinel(): Promise<PrivateSentinel> {
  const dir = await mkdtemp(join(tmpdir(), 'oasis-sentinel-'));
  const name = SENTINEL_MASTER_NAME;
  const clients = new Map<number, Redis>();
  const client = (port: number): Redis => {
    let c = clients.get(port);
    if (!c) {
      c = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 0, connectTimeout: 1000, retryStrategy: () => 200 });
      c.on('error', () => undefined);
      clients.set(port, c);
    }
    return c;
  };
  const data: RedisNode[] = [];
  const sentinels: RedisNode[] = [];
  const stop = async () => {
    for (const c of clients.values()) c.disconnect();
    clients.clear();
    await Promise.all([...data, ...sentinels].map((n) => n.signal('SIGKILL')));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const [masterPort, replicaPort] = [await freePort(), await freePort()];
    for (const [port, extra] of [[masterPort, []], [replicaPort, ['--replicaof', '127.0.0.1', String(masterPort)]]] as const) {
      const d = join(dir, String(port));
      await mkdir(d);
      data.push(spawnNode(port, [
        '--port', String(port), '--bind', '127.0.0.1', '--dir', d, '--save', '', '--appendonly', 'no',
        // A full sync starts at once (not after the 5 s wait for more replicas).
        '--protected-mode', 'no', '--repl-diskless-sync-delay', '0', '--logfile', join(d, 'redis.log'), ...extra,
      ]));
    }
    await waitFor(async () => {
      for (const n of data) if (!n.running()) throw new Error(`redis-server ${n.port} exited; see ${dir}/${n.port}/redis.log`);
      const repl = infoFields(await client(replicaPort).info('replication'));
      return repl.get('master_link_status') === 'up';
    }, 20_000, 'the replica linked to the master');

    // Each sentinel is told its id, the replica and the other sentinels up front, rather than
    // finding them through the master's hello channel (every 2 s): the setup settles in ~1 s.
    const ids = [0, 1, 2].map(() => randomBytes(20).toString('hex'));
    const ports = [await freePort(), await freePort(), await freePort()];
    for (const [i, port] of ports.entries()) {
      const conf = join(dir, `sentinel-${port}.conf`);
      await writeFile(conf, [
        `port ${port}`, 'bind 127.0.0.1', 'protected-mode no', `dir ${dir}`, `logfile ${join(dir, `sentinel-${port}.log`)}`,
        `sentinel myid ${ids[i]}`,
        `sentinel monitor ${name} 127.0.0.1 ${masterPort} 2`,
        `sentinel down-after-milliseconds ${name} ${SENTINEL_DOWN_AFTER_MS}`,
        `sentinel failover-timeout ${name} ${SENTINEL_FAILOVER_TIMEOUT_MS}`,
        `sentinel parallel-syncs ${name} 1`,
        `sentinel known-replica ${name} 127.0.0.1 ${replicaPort}`,
        ...ports.flatMap((p, j) => (j === i ? [] : [`sentinel known-sentinel ${name} 127.0.0.1 ${p} ${ids[j]}`])),
        '',
      ].join('\n'));
      sentinels.push(spawnNode(port, [conf, '--sentinel']));
    }
    await waitFor(async () => {
      for (const sn of sentinels) {
        if (!sn.running()) throw new Error(`sentinel ${sn.port} exited; see ${dir}`);
        const s = client(sn.port);
        const addr = (await s.call('SENTINEL', 'get-master-addr-by-name', name)) as string[] | null;
        if (addr?.[1] !== String(masterPort)) return false;
        // Every peer answering: no s_down, disconnected or other flag beside its role.
        const replicas = ((await s.call('SENTINEL', 'replicas', name)) as string[][]).map(pairs);
        if (replicas.length !== 1 || replicas[0]?.get('flags') !== 'slave' || replicas[0]?.get('master-link-status') !== 'ok') return false;
        const others = ((await s.call('SENTINEL', 'sentinels', name)) as string[][]).map(pairs);
        if (others.length !== 2 || others.some((o) => o.get('flags') !== 'sentinel')) return false;
      }
      return true;
    }, 30_000, 'the sentinels to agree on the master, its replica and each other', 200);
  } catch (err) {
    await stop();
    throw err;
  }

  const master = async (): Promise<number | null> => {
    const seen = new Set<string>();
    for (const sn of sentinels) {
      if (!sn.running()) continue;
      const addr = (await client(sn.port).call('SENTINEL', 'get-master-addr-by-name', name)) as string[] | null;
      seen.add(addr?.[1] ?? '');
    }
    const [only] = [...seen];
    return seen.size === 1 && only ? Number(only) : null;
  };
  const waitForNewMaster = async (oldPort: number, timeoutMs = 30_000) => {
    const t0 = Date.now();
    const port = await waitFor(async () => {
      const p = await master();
      if (p === null || p === oldPort) return false;
      const role = infoFields(await client(p).info('replication')).get('role');
      return role === 'master' && p;
    }, timeoutMs, `the sentinels to report a new master (not ${oldPort})`);
    return { port, ms: Date.now() - t0 };
  };
  const node = (port: number) => {
    const n = data.find((d) => d.port === port);
    if (!n) throw new Error(`no data node on ${port}`);
    return n;
  };
  const waitForReplica = async (port: number, timeoutMs = 30_000) => {
    const t0 = Date.now();
    await waitFor(async () => {
      const repl = infoFields(await client(port).info('replication'));
      return repl.get('role') === 'slave' && repl.get('master_link_status') === 'up';
    }, timeoutMs, `${port} to be a linked replica`);
    return Date.now() - t0;
  };
  const foreignClients = async (port: number) => {
    const c = client(port);
    const [own, list] = await Promise.all([c.client('ID'), c.client('LIST')]);
    const foreign: string[] = [];
    for (const line of String(list).split('\n')) {
      const f = new Map(line.trim().split(' ').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)] as const));
      if (!f.has('id') || f.get('id') === String(own)) continue;
      if ((f.get('name') ?? '').startsWith('sentinel-') || /[SM]/.test(f.get('flags') ?? '')) continue;
      foreign.push(f.get('addr') ?? '?');
    }
    return foreign;
  };
  return {
    dir,
    name,
    data,
    sentinels,
    env: () => ({ OASIS_REDIS_SENTINELS: sentinels.map((s) => `127.0.0.1:${s.port}`).join(','), OASIS_REDIS_SENTINEL_NAME: name }),
    node,
    client,
    master,
    waitForNewMaster,
    waitForReplica,
    foreignClients,
    async failover() {
      const from = await waitFor(master, 10_000, 'the sentinels to agree on the master');
      const t0 = Date.now();
      await client((sentinels[0] as RedisNode).port).call('SENTINEL', 'FAILOVER', name);
      const { port } = await waitForNewMaster(from);
      return { from, to: port, ms: Date.now() - t0 };
    },
    async stallReplication(fillerMb = 32) {
      const m = await waitFor(master, 10_000, 'the sentinels to agree on the master');
      const replica = data.find((d) => d.port !== m && d.running());
      if (!replica) throw new Error('no running replica');
      await replica.signal('SIGSTOP');
      // Overwriting one key keeps the master's memory small; the replication stream carries it all.
      const mb = 'x'.repeat(1024 * 1024);
      const c = client(m);
      for (let i = 0; i < fillerMb; i++) await c.set(FILLER_KEY, mb);
      return replica.port;
    },
    stop,
  };
}
