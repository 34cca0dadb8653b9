/**
 * Fire benchmark: N jobs each firing every second for T seconds, on the local Redis and MariaDB,
 * one admin process and one worker process. Prints fires/s, lateness (worker start minus
 * scheduled time) p50/p99/max, duplicates, misses and final rows written to MySQL.
 *
 *   npm run bench                      # 5000 jobs, 20 s, FIXED_RATE 1000 ms
 *   BENCH_JOBS=1000 BENCH_SECONDS=10 BENCH_SCHEDULE=cron npm run bench
 *
 * BENCH_SCHEDULE=rate spreads jobs over the second (each keeps the phase it was created with);
 * BENCH_SCHEDULE=cron uses `* * * * * *`: every job fires on the same millisecond (worst case).
 * BENCH_DETAIL=1 prints the p99 of each second of the window; BENCH_ADMIN_NODE_ARGS passes Node
 * options to the admin process (e.g. "--max-semi-space-size=64").
 * BENCH_PROFILE=<dir> writes a V8 CPU profile of the admin and of the worker there (open it in
 * Chrome DevTools) — where the time goes when lateness grows.
 * BENCH_API_LOAD=64 measures two windows of BENCH_SECONDS in one run: quiet, then with 64 API
 * clients (BENCH_API_USERS users, default one each) reading the heaviest endpoints and a live
 * channel subscribed (`bench/api-load.ts`); it prints both and what the API served.
 * BENCH_SPLIT=1 runs two admins: one `OASIS_ROLES=scheduler,dispatch,writer` (the worker's) and one
 * `api` (the REST calls and the API load go there), as docs/deployment.md describes.
 * BENCH_ADMINS=N runs N admin processes (all roles) that share the apps; BENCH_APPS=M spreads the
 * jobs round-robin over M apps (default 1; one app is claimed by one admin), served by one worker
 * process (one SDK worker per app, spread over the admins). The table adds the admins' CPU and the
 * Redis commands and CPU per 1,000 fires (from /proc and INFO over the window), and each admin's
 * share of the claims. BENCH_CLUSTER=1 runs on a private 3-master Redis Cluster instead of the
 * test Redis.
 * BENCH_ADMIN_FAKETIME=+3s runs the admin with its wall clock that far off (libfaketime; the
 * worker, which measures lateness, keeps the machine's clock): lateness with a skewed admin.
 */
import mysql from 'mysql2/promise';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster, Redis } from 'ioredis';
import { ApiClient } from '../test/helpers/api-client.js';
import { createTestDatabase } from '../test/helpers/db.js';
import { startApiLoad, type EndpointStats } from './api-load.js';
import { skewedClock } from '../test/helpers/faketime.js';
import { runTs, startAdminProcess } from '../test/helpers/processes.js';
import { waitFor } from '../test/helpers/wait.js';
import { parseExecutions } from '../test/helpers/records.js';
import { startPrivateCluster, type PrivateCluster } from '../test/helpers/private-cluster.js';
import { deleteByPrefix, TEST_REDIS_URL, testPrefix } from '../test/helpers/redis.js';

const JOBS = Number(process.env.BENCH_JOBS ?? 5000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const SCHEDULE = process.env.BENCH_SCHEDULE === 'cron' ? 'cron' : 'rate';
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8000);
const WARMUP_S = Number(process.env.BENCH_WARMUP ?? 10);
const PASSWORD = 'bench-admin-password';
const API_LOAD = Number(process.env.BENCH_API_LOAD ?? 0);
const API_USERS = Number(process.env.BENCH_API_USERS ?? API_LOAD);
const SPLIT = process.env.BENCH_SPLIT === '1';
const ADMINS = Math.max(1, Number(process.env.BENCH_ADMINS ?? 1));
const APPS = Math.max(1, Number(process.env.BENCH_APPS ?? 1));
const CLUSTER = process.env.BENCH_CLUSTER === '1';

/** CPU seconds (user + system) a process used so far, from /proc (Linux). */
function cpuSeconds(pid: number | undefined): number {
  if (!pid) return NaN;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

/** The local MariaDB server's PID (the benchmark's database runs on this machine), if any. */
function mariadbPid(): number | undefined {
  const r = spawnSync('pidof', ['mariadbd']);
  const pid = Number(String(r.stdout).trim().split(' ')[0]);
  return Number.isFinite(pid) && pid > 0 ? pid : undefined;
}

/** Commands processed and CPU seconds of every Redis server (every master of a cluster). */
async function redisTotals(nodes: Redis[]): Promise<{ commands: number; cpu: number }> {
  let commands = 0;
  let cpu = 0;
  for (const n of nodes) {
    const info = await n.info();
    const num = (name: string) => Number(new RegExp(`^${name}:([0-9.]+)`, 'm').exec(info)?.[1] ?? NaN);
    commands += num('total_commands_processed');
    cpu += num('used_cpu_user') + num('used_cpu_sys');
  }
  return { commands, cpu };
}

interface WindowStats {
  expected: number;
  seen: number;
  duplicates: number;
  misses: number;
  lateness: number[];
  written: number;
  /** CPU seconds of each admin over the window. */
  adminCpu: number[];
  redisCommands: number;
  redisCpu: number;
  /** CPU seconds of the worker process and of the (local) MariaDB server over the window; NaN when unknown. */
  workerCpu: number;
  mariadbCpu: number;
  /** Apps whose sampled job was last claimed by each admin, most first. */
  appsByAdmin: number[];
}

/** Node options that profile a process when BENCH_PROFILE names a directory. */
function profileArgs(name: string): string[] {
  const dir = process.env.BENCH_PROFILE;
  // One directory per process: the tsx loader thread writes a profile of its own next to the main one.
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}/${name}`] : [];
}

function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

async function main() {
  const db = await createTestDatabase();
  const prefix = testPrefix();
  let cluster: PrivateCluster | null = null;
  if (CLUSTER) cluster = await startPrivateCluster(join(tmpdir(), `oasis-bench-cluster-${process.pid}`));
  const seeds = cluster?.nodes.map((n) => ({ host: '127.0.0.1', port: n.port })) ?? [];
  const redis = cluster ? new Cluster(seeds) : new Redis(TEST_REDIS_URL);
  const servers = cluster ? cluster.nodes.map((n) => new Redis({ host: '127.0.0.1', port: n.port })) : [new Redis(TEST_REDIS_URL)];
  const recordKey = `${prefix}record`;
  const stores = {
    ...(cluster ? { OASIS_REDIS_CLUSTER_NODES: cluster.seeds } : { OASIS_REDIS_URL: TEST_REDIS_URL }),
    OASIS_REDIS_PREFIX: prefix,
    OASIS_DATABASE_URL: db.url,
    OASIS_ADMIN_PASSWORD: PASSWORD,
    OASIS_LOG_LEVEL: process.env.BENCH_ADMIN_LOG ?? 'error',
  };
  const admin = await startAdminProcess({
    ...stores,
    ...(SPLIT && { OASIS_ROLES: 'scheduler,dispatch,writer' }),
    ...(process.env.BENCH_ADMIN_FAKETIME ? skewedClock(process.env.BENCH_ADMIN_FAKETIME) : {}),
  }, [...profileArgs('admin'), ...(process.env.BENCH_ADMIN_NODE_ARGS ?? '').split(' ').filter(Boolean)]);
  const apiAdmin = SPLIT ? await startAdminProcess({ ...stores, OASIS_ROLES: 'api' }) : admin;
  const admins = [admin];
  for (let i = 1; i < ADMINS; i++) admins.push(await startAdminProcess(stores, profileArgs(`admin${i}`)));
  const appNames = APPS === 1 ? ['bench'] : Array.from({ length: APPS }, (_, i) => `bench${i}`);
  let worker: ReturnType<typeof runTs> | null = null;
  try {
    const api = new ApiClient(apiAdmin.url);
    await api.login('admin', PASSWORD);
    const tokens: string[] = [];
    for (const name of appNames) tokens.push((await api.ok<{ token: string }>('POST', '/api/v1/apps', { name, title: name })).token);
    worker = runTs('test/e2e/fixtures/recording-worker.ts', {
      OASIS_URLS: admins.map((a) => a.url).join(','),
      OASIS_APP: appNames.join(','),
      OASIS_TOKEN: tokens.join(','),
      ...(cluster && { OASIS_TEST_REDIS_CLUSTER: cluster.seeds }),
      OASIS_CONCURRENCY: String(Math.ceil(CONCURRENCY / APPS)),
      OASIS_TEST_RECORD_KEY: recordKey,
      OASIS_TEST_REDIS_URL: TEST_REDIS_URL,
      OASIS_TEST_LOG: '0',
    }, profileArgs('worker'));
    await waitFor(async () => worker!.output().includes('worker started'), 20_000, 'worker start');

    process.stdout.write(`creating ${JOBS} jobs (${SCHEDULE})…\n`);
    const created = Date.now();
    const schedule = SCHEDULE === 'cron' ? { type: 'CRON', cron: '* * * * * *' } : { type: 'FIXED_RATE', everyMs: 1000 };
    let next = 0;
    const ids: number[] = [];
    const firstJobOf = new Map<string, number>();
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < JOBS) {
          const i = next++;
          const app = appNames[i % APPS] as string;
          const j = await api.ok<{ id: number }>('POST', '/api/v1/jobs', { app, name: `bench-${i}`, handler: 'record', schedule });
          if (!firstJobOf.has(app)) firstJobOf.set(app, j.id);
          ids.push(j.id);
        }
      }),
    );
    process.stdout.write(`created in ${((Date.now() - created) / 1000).toFixed(1)} s; warming up ${WARMUP_S} s, measuring ${SECONDS} s…\n`);
    await new Promise((r) => setTimeout(r, WARMUP_S * 1000));
    const measure = async (): Promise<WindowStats & { from: number; to: number }> => {
      const from = Math.ceil(Date.now() / 1000) * 1000;
      const to = from + SECONDS * 1000;
      await new Promise((r) => setTimeout(r, from - Date.now()));
      const cpu0 = admins.map((a) => cpuSeconds(a.child.pid));
      const side0 = [cpuSeconds(worker?.child.pid), cpuSeconds(mariadbPid())];
      const redis0 = await redisTotals(servers);
      await new Promise((r) => setTimeout(r, to - Date.now()));
      const cpu = admins.map((a, i) => cpuSeconds(a.child.pid) - (cpu0[i] as number));
      const workerCpu = cpuSeconds(worker?.child.pid) - (side0[0] as number);
      const mariadbCpu = cpuSeconds(mariadbPid()) - (side0[1] as number);
      const redis1 = await redisTotals(servers);
      // Who claimed what: each job hash names the admin that claimed its last fire.
      const claimedBy = new Map<string, number>();
      for (const name of appNames) {
        const who = await redis.hget(`${prefix}{${name}}:job:${firstJobOf.get(name) ?? 0}`, 'claimedBy');
        claimedBy.set(who ?? '?', (claimedBy.get(who ?? '?') ?? 0) + 1);
      }
      await new Promise((r) => setTimeout(r, 3000));
      const execs = parseExecutions(await redis.lrange(recordKey, 0, -1)).filter((e) => e.scheduledAt >= from && e.scheduledAt < to);
      const seen = new Set<string>();
      let duplicates = 0;
      for (const e of execs) {
        const k = `${e.jobId}:${e.scheduledAt}`;
        if (seen.has(k)) duplicates++;
        seen.add(k);
      }
      if (process.env.BENCH_DETAIL) {
        // p99 per second of the window: periodic spikes (a chore, GC) stand out from steady queueing.
        const perSecond = new Map<number, number[]>();
        for (const e of execs) {
          const sec = Math.floor((e.scheduledAt - from) / 1000);
          const list = perSecond.get(sec) ?? [];
          list.push(e.startedAt - e.scheduledAt);
          perSecond.set(sec, list);
        }
        const line = [...perSecond.entries()]
          .sort((a, b) => a[0] - b[0])
          .map(([sec, l]) => `${sec}:${pct(l.sort((a, b) => a - b), 99)}`)
          .join(' ');
        process.stdout.write(`p99 per second (s:ms): ${line}\n`);
      }
      // Every job fires once a second: exactly SECONDS fires of each fall in the window.
      const expected = JOBS * SECONDS;
      return {
        from,
        to,
        expected,
        seen: seen.size,
        duplicates,
        misses: expected - seen.size,
        lateness: execs.map((e) => e.startedAt - e.scheduledAt).sort((a, b) => a - b),
        written: 0,
        adminCpu: cpu,
        redisCommands: redis1.commands - redis0.commands,
        redisCpu: redis1.cpu - redis0.cpu,
        workerCpu,
        mariadbCpu,
        appsByAdmin: [...claimedBy.values()].sort((a, b) => b - a),
      };
    };
    const windows: (WindowStats & { from: number; to: number })[] = [await measure()];
    let served: Awaited<ReturnType<Awaited<ReturnType<typeof startApiLoad>>['stop']>> | null = null;
    if (API_LOAD > 0) {
      process.stdout.write(`starting ${API_LOAD} API clients (${API_USERS} users) and a live channel…\n`);
      const load = await startApiLoad(apiAdmin.url, api, { clients: API_LOAD, users: Math.max(1, API_USERS), jobIds: ids, password: PASSWORD });
      await new Promise((r) => setTimeout(r, 3000));
      load.reset();
      windows.push(await measure());
      served = await load.stop();
    }

    await new Promise((r) => setTimeout(r, 3000));
    const conn = await mysql.createConnection(db.url);
    for (const win of windows) {
      const [rows] = await conn.query('SELECT COUNT(*) AS n FROM oasis_job_log WHERE scheduled_at >= ? AND scheduled_at < ?', [win.from, win.to]);
      win.written = Number((rows as { n: number }[])[0]?.n ?? 0);
    }
    await conn.end();
    const misses = windows.reduce((n, x) => n + x.misses, 0);
    const duplicates = windows.reduce((n, x) => n + x.duplicates, 0);

    const col = (f: (x: WindowStats) => string) => windows.map(f);
    const table: [string, ...string[]][] = [
      ['', ...(windows.length > 1 ? ['quiet', `${API_LOAD} API clients`] : ['value'])],
      ['jobs', ...col(() => String(JOBS))],
      ['schedule', ...col(() => (SCHEDULE === 'cron' ? 'cron * * * * * * (same ms)' : 'FIXED_RATE 1000 ms (spread)'))],
      ['window (s)', ...col(() => String(SECONDS))],
      ['admins', ...col(() => (SPLIT ? 'scheduler,dispatch,writer + api' : ADMINS === 1 ? 'one (all roles)' : `${ADMINS} (all roles)`))],
      ['apps', ...col(() => String(APPS))],
      ['redis', ...col(() => (CLUSTER ? 'private 3-master cluster' : 'one server'))],
      ['admin wall clock', ...col(() => (process.env.BENCH_ADMIN_FAKETIME ? `${process.env.BENCH_ADMIN_FAKETIME} (libfaketime)` : "the machine's"))],
      ['expected fires', ...col((x) => String(x.expected))],
      ['executed fires', ...col((x) => String(x.seen))],
      ['fires/s', ...col((x) => (x.seen / SECONDS).toFixed(0))],
      ['lateness min (ms)', ...col((x) => String(x.lateness[0] ?? NaN))],
      ['lateness p50 (ms)', ...col((x) => String(pct(x.lateness, 50)))],
      ['lateness p99 (ms)', ...col((x) => String(pct(x.lateness, 99)))],
      ['lateness max (ms)', ...col((x) => String(x.lateness[x.lateness.length - 1] ?? NaN))],
      ['duplicates', ...col((x) => String(x.duplicates))],
      ['misses', ...col((x) => String(x.misses))],
      ['final rows in MySQL', ...col((x) => String(x.written))],
      ['apps claimed per admin', ...col((x) => x.appsByAdmin.join(' / '))],
      ['admin CPU s per 1,000 fires', ...col((x) => ((x.adminCpu.reduce((a, b) => a + b, 0) / x.seen) * 1000).toFixed(3))],
      ['  each admin, CPU % of a core', ...col((x) => x.adminCpu.map((c) => ((c / SECONDS) * 100).toFixed(0)).join(' / '))],
      ['Redis commands per 1,000 fires', ...col((x) => ((x.redisCommands / x.seen) * 1000).toFixed(0))],
      ['Redis CPU s per 1,000 fires', ...col((x) => ((x.redisCpu / x.seen) * 1000).toFixed(3))],
      ['worker CPU s per 1,000 fires', ...col((x) => ((x.workerCpu / x.seen) * 1000).toFixed(3))],
      ['MariaDB CPU s per 1,000 fires', ...col((x) => ((x.mariadbCpu / x.seen) * 1000).toFixed(3))],
    ];
    const widths = table[0]!.map((_, c) => Math.max(...table.map((row) => (row[c] ?? '').length)));
    const line = (row: string[]) => `| ${row.map((v, c) => v.padEnd(widths[c] ?? 0)).join(' | ')} |\n`;
    process.stdout.write(`\n${line(table[0]!.map((v, c) => (c === 0 ? 'metric' : v)))}|${widths.map((n) => '-'.repeat(n + 2)).join('|')}|\n`);
    for (const row of table.slice(1)) process.stdout.write(line(row));
    if (served) {
      process.stdout.write(`\nAPI during the loaded window (${served.seconds.toFixed(0)} s, ${served.liveEvents} live-channel task events):\n\n`);
      process.stdout.write('| endpoint | requests/s | p50 ms | p99 ms | 429 | failed |\n|---|---:|---:|---:|---:|---:|\n');
      const all: EndpointStats = { name: 'all', ok: 0, limited: 0, failed: 0, latencies: [] };
      for (const e of [...served.endpoints, all]) {
        if (e !== all) {
          all.ok += e.ok;
          all.limited += e.limited;
          all.failed += e.failed;
          all.latencies.push(...e.latencies);
        }
        const l = [...e.latencies].sort((a, b) => a - b);
        process.stdout.write(`| ${e.name} | ${(e.ok / served.seconds).toFixed(0)} | ${pct(l, 50).toFixed(1)} | ${pct(l, 99).toFixed(1)} | ${e.limited} | ${e.failed} |\n`);
      }
    }
    if (process.env.BENCH_ADMIN_LOG) {
      const delays = admin.output().split('\n').filter((l) => l.includes('event loop delay'));
      process.stdout.write(`\nadmin event loop delay, every 10 s:\n${delays.map((l) => { const j = JSON.parse(l) as { p50: number; p99: number; max: number }; return `  p50 ${j.p50.toFixed(1)}  p99 ${j.p99.toFixed(1)}  max ${j.max.toFixed(1)} ms`; }).join('\n')}\n`);
    }
    if (misses > 0 || duplicates > 0) {
      process.stdout.write(`\n--- admin output (tail) ---\n${admin.output().slice(-3000)}\n--- worker output (tail) ---\n${worker.output().slice(-3000)}\n`);
    }
  } finally {
    await worker?.kill('SIGTERM');
    for (const a of admins) await a.kill('SIGTERM');
    if (apiAdmin !== admin) await apiAdmin.kill('SIGTERM');
    await deleteByPrefix(redis, prefix);
    redis.disconnect();
    for (const s of servers) s.disconnect();
    await cluster?.stop();
    await db.drop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${String((err as Error).stack ?? err)}\n`);
    process.exit(1);
  },
);
