/**
 * Read benchmark of the logs list: starts one admin process on an existing database (seeded by
 * `scripts/seed-logs.ts`) and a fresh Redis prefix, then C concurrent clients (keep-alive HTTP,
 * signed in as the admin) request one logs page after another for BENCH_SECONDS per scenario.
 * Prints a markdown table: requests/s, p50 / p99 / max latency, errors per scenario. Run by
 * hand, on a quiet machine (nothing else running):
 *
 *   npx tsx scripts/seed-logs.ts mysql://root@127.0.0.1:3306/oasis_bench_reads   # 10M rows, once
 *   npx tsx bench/api-reads.ts                                                    # BENCH_DB=oasis_bench_reads
 *   BENCH_CLIENTS=32 BENCH_SECONDS=20 npx tsx bench/api-reads.ts
 *
 * Scenarios: an app's first page, one job's first page, a status of an app (FAILED, ~5 % of its
 * rows), a status over every app (ADMIN), the second page of an app by cursor, and a deep page
 * (the cursor after 200 pages). Each request asks `limit=BENCH_LIMIT` (default 50) with no
 * total. The heavy-read rate limit is lifted for the run (OASIS_API_HEAVY_LIMIT).
 * BENCH_ONLY=<text> runs the scenarios whose name contains it. BENCH_ROLES sets the admin's OASIS_ROLES (default all); BENCH_ADMIN_NODE_ARGS passes Node
 * options to it (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" for a profile of where time goes).
 */
import http from 'node:http';
import { ApiClient, signIn } from '../test/helpers/api-client.js';
import { startAdminProcess } from '../test/helpers/processes.js';
import { deleteByPrefix, TEST_REDIS_URL, testPrefix } from '../test/helpers/redis.js';
import { Redis } from 'ioredis';
import mysql from 'mysql2/promise';

const DB = process.env.BENCH_DB ?? 'oasis_bench_reads';
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 16);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WARMUP_S = Number(process.env.BENCH_WARMUP ?? 2);
const LIMIT = Number(process.env.BENCH_LIMIT ?? 50);
const PASSWORD = 'bench-reads-password';

interface LogPage {
  items: { id: string; jobId: number; app: string }[];
  nextCursor: string | null;
}

function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS * 2 });

/** One GET on a kept-alive connection; resolves with the status once the body is read. */
function get(url: URL, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: url.hostname, port: url.port, path: url.pathname + url.search, agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
      res.on('data', () => {});
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
  });
}

/** C clients requesting `path` back to back for `seconds`; latencies of the measured window (after the warm-up). */
async function hammer(base: string, token: string, path: string, seconds: number): Promise<{ rps: number; lat: number[]; errors: number }> {
  const url = new URL(base + path);
  const lat: number[] = [];
  let errors = 0;
  let counting = false;
  let stop = false;
  const client = async () => {
    while (!stop) {
      const t = performance.now();
      const status = await get(url, token).catch(() => 0);
      if (!counting) continue;
      if (status === 200) lat.push(performance.now() - t);
      else errors++;
    }
  };
  const runs = Array.from({ length: CLIENTS }, client);
  await new Promise((r) => setTimeout(r, WARMUP_S * 1000));
  counting = true;
  const from = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  counting = false;
  const took = (performance.now() - from) / 1000;
  stop = true;
  await Promise.all(runs);
  return { rps: (lat.length + errors) / took, lat: lat.sort((a, b) => a - b), errors };
}

const redis = new Redis(TEST_REDIS_URL);
const prefix = testPrefix();
const admin = await startAdminProcess({
  OASIS_DATABASE_URL: `mysql://root@127.0.0.1:3306/${DB}`,
  OASIS_REDIS_URL: TEST_REDIS_URL,
  OASIS_REDIS_PREFIX: prefix,
  OASIS_ADMIN_PASSWORD: PASSWORD,
  OASIS_API_HEAVY_LIMIT: '100000000',
  OASIS_LOG_LEVEL: 'warn',
  ...(process.env.BENCH_ROLES && { OASIS_ROLES: process.env.BENCH_ROLES }),
}, process.env.BENCH_ADMIN_NODE_ARGS ? process.env.BENCH_ADMIN_NODE_ARGS.split(' ') : []);
try {
  const { token } = await signIn(admin.url, 'admin', PASSWORD);
  const api = new ApiClient(admin.url, token);
  // The row count straight from the database: a withTotal over 10 million rows may pass the read deadline.
  const conn = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root', password: '', database: DB });
  const [[counted]] = (await conn.query('SELECT COUNT(*) AS n FROM oasis_job_log')) as unknown as [[{ n: number }]];
  await conn.end();
  const first = (await api.ok<LogPage>('GET', '/api/v1/logs?limit=1')).items[0];
  if (!first) throw new Error(`database ${DB} has no logs: run scripts/seed-logs.ts first`);
  const app = first.app;
  const appPage = await api.ok<LogPage>('GET', `/api/v1/logs?app=${app}&limit=${LIMIT}`);
  const jobId = appPage.items[0]!.jobId;
  let deep: string | null = appPage.nextCursor;
  for (let i = 1; i < 200 && deep; i++) deep = (await api.ok<LogPage>('GET', `/api/v1/logs?app=${app}&limit=${LIMIT}&cursor=${deep}`)).nextCursor;
  const only = process.env.BENCH_ONLY;
  const scenarios: [string, string][] = [
    ['app page', `/api/v1/logs?app=${app}&limit=${LIMIT}`],
    ['job page', `/api/v1/logs?jobId=${jobId}&limit=${LIMIT}`],
    ['status of an app (FAILED)', `/api/v1/logs?app=${app}&status=FAILED&limit=${LIMIT}`],
    ['status of all apps (FAILED)', `/api/v1/logs?status=FAILED&limit=${LIMIT}`],
    ['second page by cursor', `/api/v1/logs?app=${app}&limit=${LIMIT}&cursor=${appPage.nextCursor}`],
    ['page 201 by cursor', `/api/v1/logs?app=${app}&limit=${LIMIT}&cursor=${deep}`],
    // The floor under every row above: an authenticated request that reads nothing.
    ['reference: GET /auth/me', '/api/v1/auth/me'],
  ];
  const rows: string[] = [];
  for (const [name, path] of scenarios.filter(([n]) => !only || n.includes(only))) {
    const r = await hammer(admin.url, token, path, SECONDS);
    rows.push(
      `| ${name} | ${Math.round(r.rps).toLocaleString('en')} | ${pct(r.lat, 50).toFixed(1)} | ${pct(r.lat, 99).toFixed(1)} | ${(r.lat[r.lat.length - 1] ?? NaN).toFixed(1)} | ${r.errors} |`,
    );
    console.error(rows[rows.length - 1]);
  }
  console.log(`\nLogs list reads — ${new Date().toISOString().slice(0, 10)}, ${Number(counted.n).toLocaleString('en')} rows in oasis_job_log (${DB}), ${CLIENTS} clients, limit=${LIMIT}, ${SECONDS} s per scenario after ${WARMUP_S} s warm-up, one admin process\n`);
  console.log('| scenario | requests/s | p50 ms | p99 ms | max ms | errors |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const r of rows) console.log(r);
} finally {
  await admin.kill();
  await deleteByPrefix(redis, prefix);
  redis.disconnect();
  agent.destroy();
}
