/**
 * Admin-death benchmark (issue 11 item 4): N jobs firing every second on three admin processes
 * and one worker process (which knows all three), on the local Redis and MariaDB; every 5 s one
 * admin is killed with SIGKILL and started again on its port. Prints, per mode, the fires in the
 * window, how many ran, ran twice or never ran, and the lateness (worker start minus scheduled
 * time) p50 / p99 / max of the fires in the window.
 *
 *   npx tsx bench/admin-kill.ts                   # 300 jobs, 30 s, both modes
 *   BENCH_JOBS=500 BENCH_SECONDS=60 npx tsx bench/admin-kill.ts
 *
 * Modes: `liveness` (OASIS_ADMIN_LIVENESS_MS=500: a dead admin's claims are taken over once its
 * liveness lapses, 1.5 s) and `lease only` (OASIS_ADMIN_LIVENESS_MS=60000: its liveness outlasts
 * the 5 s claim lease, so claims come back only when the lease runs out — the behaviour before).
 */
import { Redis } from 'ioredis';
import { ApiClient } from '../test/helpers/api-client.js';
import { createTestDatabase } from '../test/helpers/db.js';
import { freePort, runTs, startAdminProcess, type Proc } from '../test/helpers/processes.js';
import { analyse, parseExecutions } from '../test/helpers/records.js';
import { deleteByPrefix, TEST_REDIS_URL, testPrefix } from '../test/helpers/redis.js';
import { sleep, waitFor } from '../test/helpers/wait.js';

const JOBS = Number(process.env.BENCH_JOBS ?? 300);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const KILL_EVERY_MS = Number(process.env.BENCH_KILL_EVERY_MS ?? 5000);
const WARMUP_S = Number(process.env.BENCH_WARMUP ?? 8);
const PASSWORD = 'bench-admin-password';

interface Row {
  mode: string;
  kills: number;
  fires: number;
  ran: number;
  twice: number;
  unrun: number;
  p50: number;
  p99: number;
  max: number;
}

function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

async function run(mode: string, livenessMs: number): Promise<Row> {
  const db = await createTestDatabase();
  const prefix = testPrefix();
  const redis = new Redis(TEST_REDIS_URL);
  const recordKey = `${prefix}record`;
  const ports = [await freePort(), await freePort(), await freePort()];
  const env = (port: number) => ({
    OASIS_PORT: String(port),
    OASIS_REDIS_URL: TEST_REDIS_URL,
    OASIS_REDIS_PREFIX: prefix,
    OASIS_DATABASE_URL: db.url,
    OASIS_ADMIN_PASSWORD: PASSWORD,
    OASIS_ADMIN_LIVENESS_MS: String(livenessMs),
    OASIS_LOG_LEVEL: 'error',
  });
  const admins: (Proc & { url: string })[] = [];
  let worker: Proc | null = null;
  try {
    // The first admin creates the tables alone; the others start on them.
    admins.push(await startAdminProcess(env(ports[0] as number)));
    for (const port of ports.slice(1)) admins.push(await startAdminProcess(env(port)));
    const api = await ApiClient.signedIn(admins[0]?.url ?? '', 'admin', PASSWORD);
    const { token } = await api.ok<{ token: string }>('POST', '/api/v1/apps', { name: 'bench', title: 'Bench' });
    worker = runTs('test/e2e/fixtures/recording-worker.ts', {
      OASIS_URLS: admins.map((a) => a.url).join(','),
      OASIS_APP: 'bench',
      OASIS_TOKEN: token,
      OASIS_TEST_RECORD_KEY: recordKey,
      OASIS_TEST_REDIS_URL: TEST_REDIS_URL,
      OASIS_TEST_LOG: '0',
      OASIS_CONCURRENCY: '2000',
      OASIS_WORKER_ID: 'bench-w',
    });
    await waitFor(() => worker?.output().includes('worker started'), 30_000, 'worker start');
    const ids: number[] = [];
    for (let i = 0; i < JOBS; i++) {
      const job = await api.ok<{ id: number }>('POST', '/api/v1/jobs', { app: 'bench', name: `j${i}`, handler: 'record', schedule: { type: 'FIXED_RATE', everyMs: 1000 } });
      ids.push(job.id);
    }
    await sleep(WARMUP_S * 1000);

    const from = Date.now();
    let kills = 0;
    while (Date.now() - from < SECONDS * 1000) {
      await sleep(KILL_EVERY_MS);
      const i = kills % admins.length;
      await admins[i]?.kill('SIGKILL');
      kills++;
      admins[i] = await startAdminProcess(env(ports[i] as number));
    }
    const to = Date.now();
    await sleep(3000);
    const live = await ApiClient.signedIn(admins[admins.length - 1]?.url ?? '', 'admin', PASSWORD);
    for (const id of ids) await live.ok('POST', `/api/v1/jobs/${id}/stop`);
    await sleep(2000);

    const all = parseExecutions(await redis.lrange(recordKey, 0, -1));
    const window = all.filter((e) => e.scheduledAt >= from && e.scheduledAt < to);
    const { duplicates, gaps } = analyse(window, 1000);
    const late = window.map((e) => e.startedAt - e.scheduledAt).sort((a, b) => a - b);
    const distinct = new Set(window.map((e) => `${e.jobId}:${e.scheduledAt}`)).size;
    return { mode, kills, fires: distinct + gaps, ran: distinct, twice: duplicates, unrun: gaps, p50: pct(late, 50), p99: pct(late, 99), max: late[late.length - 1] ?? NaN };
  } finally {
    worker?.child.kill('SIGKILL');
    for (const a of admins) await a.kill('SIGKILL');
    await deleteByPrefix(redis, prefix);
    redis.disconnect();
    await db.drop();
  }
}

async function main() {
  const rows: Row[] = [];
  const modes = (process.env.BENCH_MODES ?? 'liveness,lease only').split(',');
  for (const mode of modes) rows.push(await run(mode, mode === 'liveness' ? 500 : 60_000));
  process.stdout.write(`\nadmin-kill: ${JOBS} jobs FIXED_RATE 1000 ms, 3 admins, kill -9 of one every ${KILL_EVERY_MS / 1000} s for ${SECONDS} s (claim lease 5 s)\n\n`);
  process.stdout.write('| mode | kills | fires | ran | ran twice | never ran | p50 ms | p99 ms | max ms |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n');
  for (const r of rows) process.stdout.write(`| ${r.mode} | ${r.kills} | ${r.fires} | ${r.ran} | ${r.twice} | ${r.unrun} | ${r.p50} | ${r.p99} | ${r.max} |\n`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
