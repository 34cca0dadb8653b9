/**
 * Final-writer benchmark (issue 11 item 5): results arrive at a steady rate (default 500/s) on
 * one admin's final writers (`FinalWriterPool`, as main.ts builds it, nudged per results batch as
 * the dispatcher does), with Redis on 127.0.0.1:6379 and a private MariaDB (so it can be hung).
 *
 *   npx tsx bench/writer.ts                       # 500/s, 30 s steady, then a 60 s outage
 *   BENCH_RATE=1000 BENCH_SECONDS=20 BENCH_OUTAGE_S=30 BENCH_WRITERS=4 npx tsx bench/writer.ts
 *
 * Phase `steady`: how long after its end each record is committed in MySQL (p50 / p99 / max, from
 * the writer's commit of its batch) and the largest backlog in the stream. Phase `outage`: the
 * private MariaDB is SIGSTOPped for BENCH_OUTAGE_S seconds while results keep coming, then woken;
 * `drain` is the time from the wake until every record that ended before it is committed (results
 * still coming meanwhile). At the end every record must be in MySQL exactly once (rows = ended,
 * no duplicates).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAppSchema, createJobSchema } from '@oasis/worker-client/contracts';
import { silentLogger } from '../server/src/domain/logger.js';
import { FinalWriterPool, rememberedAppIds } from '../server/src/results/final-writers.js';
import type { WrittenRecord } from '../server/src/results/final-writer.js';
import { createAdminStack } from '../test/helpers/admin-stack.js';
import { parsed } from '../test/helpers/parsed.js';
import { startPrivateMariaDb } from '../test/helpers/private-mariadb.js';
import { sleep, waitFor } from '../test/helpers/wait.js';

const RATE = Number(process.env.BENCH_RATE ?? 500);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const OUTAGE_S = Number(process.env.BENCH_OUTAGE_S ?? 60);
const WRITERS = process.env.BENCH_WRITERS;
const TICK_MS = 100;
const APP = 'bench-writer';

const pct = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

const dir = await mkdtemp(join(tmpdir(), 'oasis-bench-writer-'));
const maria = await startPrivateMariaDb(join(dir, 'maria'));
const url = await maria.createDatabase('oasis_bench');
const s = await createAdminStack({ OASIS_DATABASE_URL: url, ...(WRITERS && { OASIS_WRITERS: WRITERS }) });
try {
  await s.services.apps.create(parsed(createAppSchema, { name: APP, title: 'bench' }));
  const job = await s.services.jobs.create(parsed(createJobSchema, { app: APP, name: 'j', handler: 'h', schedule: { type: 'NONE' } }), s.adminUser);
  await s.store.workers.register(APP, { workerId: 'w', concurrency: 1_000_000, handlers: ['h'], host: null, pid: null, adminId: 'a', conn: 'c' }, Date.now() + 3_600_000);

  /** When each record was committed, minus when it ended (ms), by the phase it ended in. */
  const latency = new Map<string, number[]>();
  let phase = 'warmup';
  const endedIn = new Map<string, string>();
  let wakeAt = Infinity;
  const onWritten = (_app: string, records: readonly WrittenRecord[]) => {
    const now = Date.now();
    for (const r of records) {
      const p = endedIn.get(r.id);
      if (p === undefined) continue; // delivered again after a failed batch: counted the first time
      endedIn.delete(r.id);
      const list = latency.get(p) ?? [];
      list.push(now - (r.finishedAt ?? now));
      latency.set(p, list);
    }
  };
  const pool = new FinalWriterPool({
    count: s.config.writers,
    adminId: 'bench',
    finals: s.store.finals,
    apps: async () => [APP],
    appId: rememberedAppIds((name) => s.repos.apps.idOf(name)),
    write: (records, texts) => s.repos.logs.writeFinals(records, texts),
    logger: silentLogger,
    onWritten: [onWritten],
    effects: s.effects,
  });
  pool.start();

  let ended = 0;
  let endedBeforeWake = 0;
  let maxBacklog = 0;
  let producing = true;
  const perTick = Math.max(1, Math.round((RATE * TICK_MS) / 1000));
  const producer = (async () => {
    let next = Date.now();
    while (producing) {
      const ids = await Promise.all(Array.from({ length: perTick }, async () => (await s.hot.trigger(job, { triggerType: 'API' })).taskId as string));
      await s.store.tasks.pull(APP, 'w', perTick * 4, Date.now(), 30_000);
      const now = Date.now();
      await s.store.tasks.complete(APP, 'w', ids.map((taskId) => ({ taskId, attempt: 1, status: 'SUCCESS' as const, output: '"ok"', startedAt: now, finishedAt: now })), now, 15_000);
      for (const id of ids) endedIn.set(id, phase);
      ended += ids.length;
      pool.nudge();
      next += TICK_MS;
      await sleep(Math.max(0, next - Date.now()));
    }
  })();
  const sampler = setInterval(() => {
    void s.store.finals.backlog([APP]).then((n) => {
      if (phase !== 'warmup') maxBacklog = Math.max(maxBacklog, n);
    });
  }, 100);

  const rows: string[][] = [];
  const row = (name: string, extra: string) => {
    const l = (latency.get(name) ?? []).sort((a, b) => a - b);
    rows.push([name, String(l.length), `${pct(l, 50)} ms`, `${pct(l, 99)} ms`, `${l[l.length - 1] ?? NaN} ms`, String(maxBacklog), extra]);
  };

  await sleep(3000);
  phase = 'steady';
  await sleep(SECONDS * 1000);
  phase = 'outage';
  await waitFor(() => [...endedIn.values()].every((p) => p !== 'steady'), 30_000, 'steady records written');
  row('steady', '');
  maxBacklog = 0;

  maria.hang();
  await sleep(OUTAGE_S * 1000);
  endedBeforeWake = ended;
  wakeAt = Date.now();
  const backlogAtWake = await s.store.finals.backlog([APP]);
  maria.wake();
  phase = 'after';
  await waitFor(() => [...endedIn.values()].every((p) => p !== 'outage'), 120_000, 'the backlog written', 20);
  const drainMs = Date.now() - wakeAt;
  row('outage', `backlog ${backlogAtWake} at wake, drained in ${(drainMs / 1000).toFixed(1)} s`);

  producing = false;
  await producer;
  await waitFor(() => endedIn.size === 0, 60_000, 'every record written');
  clearInterval(sampler);
  await pool.stop();
  const [[count]] = (await s.db.sequelize.query('SELECT COUNT(*) AS n FROM oasis_job_log')) as [{ n: number }[], unknown];
  const [[dups]] = (await s.db.sequelize.query('SELECT COUNT(*) AS n FROM oasis_job_log_duplicate')) as [{ n: number }[], unknown];

  console.log(`\nfinal writer: ${RATE} results/s, ${s.config.writers} writers, ${SECONDS} s steady, ${OUTAGE_S} s database outage (SIGSTOP); ended before the wake: ${endedBeforeWake}\n`);
  console.log('| phase | records | commit after end p50 | p99 | max | max backlog | |');
  console.log('|---|---:|---:|---:|---:|---:|---|');
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
  console.log(`\nrows in MySQL: ${count?.n} of ${ended} ended; duplicates: ${dups?.n}`);
} finally {
  await s.close();
  await maria.stop();
  await rm(dir, { recursive: true, force: true });
}
