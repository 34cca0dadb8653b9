/**
 * Fills `oasis_job_log` of a database with N final records, fast, for read benchmarks
 * (`bench/api-reads.ts`) and for trying the dashboard on a big history.
 *
 *   npx tsx scripts/seed-logs.ts mysql://root@127.0.0.1:3306/oasis_bench_reads            # 10,000,000 rows
 *   SEED_ROWS=1000000 SEED_APPS=5 SEED_JOBS=200 npx tsx scripts/seed-logs.ts mysql://…/db
 *
 * The database is created when missing and its tables made as the admin makes them (`sync()`).
 * Apps `seed-0` … `seed-<SEED_APPS-1>` are created (no jobs: an admin started on the database
 * has nothing to fire; logs outlive their job anyway). Rows spread like a real history: job j
 * belongs to app j mod SEED_APPS, jobs get Zipf-like shares of the rows (a few very busy, many
 * rare), scheduled times over the last SEED_DAYS days (default 30) ending now, statuses ~90 %
 * SUCCESS, 5 % FAILED, 2 % TIMEOUT, the rest KILLED / LOST / NO_WORKER / DISCARDED; triggers
 * mostly CRON. Ids are real task ids (`<jobId>-<ulid>`).
 *
 * How it is fast: the secondary indexes of the table are dropped, rows go in primary-key order
 * (job by job, in the order of their id strings) as multi-row INSERTs of SEED_BATCH rows (default
 * 4,000) over two connections, then the indexes are built again in one ALTER TABLE (a sorted
 * build instead of 10 million random inserts into each). Existing rows stay; a second run adds
 * more (fresh ids). MySQL / MariaDB only.
 */
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { openDatabase, parseMysqlUrl } from '../server/src/store/db/open.js';

const url = process.argv[2];
if (!url || !/^(mysql|mariadb):\/\//.test(url)) {
  console.error('usage: npx tsx scripts/seed-logs.ts mysql://user:pass@host:port/database [rows]');
  process.exit(2);
}
const ROWS = Number(process.argv[3] ?? process.env.SEED_ROWS ?? 10_000_000);
const APPS = Number(process.env.SEED_APPS ?? 10);
const JOBS = Number(process.env.SEED_JOBS ?? 1000);
const DAYS = Number(process.env.SEED_DAYS ?? 30);
const BATCH = Number(process.env.SEED_BATCH ?? 4000);
const CONNECTIONS = 2;

const STATUSES: [string, number][] = [
  ['SUCCESS', 0.9],
  ['FAILED', 0.05],
  ['TIMEOUT', 0.02],
  ['KILLED', 0.01],
  ['LOST', 0.01],
  ['NO_WORKER', 0.005],
  ['DISCARDED', 0.005],
];
const TRIGGERS: [string, number][] = [
  ['CRON', 0.9],
  ['FIXED', 0.04],
  ['RETRY', 0.03],
  ['MANUAL', 0.01],
  ['API', 0.01],
  ['CHILD', 0.01],
];

/** A small deterministic generator (xorshift32): the same run seeds the same spread. */
let state = 0x9e3779b9;
function rand(): number {
  state ^= state << 13;
  state ^= state >>> 17;
  state ^= state << 5;
  return (state >>> 0) / 4294967296;
}
function pick(table: [string, number][]): string {
  let r = rand();
  for (const [v, p] of table) {
    if ((r -= p) < 0) return v;
  }
  return table[0]![0];
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** A ULID of `ms` whose random part is `tail` (10 Crockford characters), so ids of one job sort by time. */
function ulid(ms: number, tail: string): string {
  let t = '';
  for (let i = 0, v = ms; i < 10; i++, v = Math.floor(v / 32)) t = CROCKFORD[v % 32] + t;
  return t + tail;
}
function counterTail(n: number): string {
  let s = '';
  for (let i = 0, v = n; i < 16; i++, v = Math.floor(v / 32)) s = CROCKFORD[v % 32] + s;
  return s;
}

/** Rows of each job: Zipf-like shares (s = 0.8), at least one each, summing to ROWS. */
function shares(): number[] {
  const w = Array.from({ length: JOBS }, (_, i) => 1 / Math.pow(i + 1, 0.8));
  const sum = w.reduce((a, b) => a + b, 0);
  const n = w.map((x) => Math.max(1, Math.floor((x / sum) * ROWS)));
  let left = ROWS - n.reduce((a, b) => a + b, 0);
  for (let i = 0; left > 0; i = (i + 1) % JOBS, left--) n[i]!++;
  return n;
}

const target = parseMysqlUrl(url);
const started = Date.now();
// Creates the database and the tables (with every index) as the admin does.
const db = await openDatabase(url);
await db.sync();
await db.close();

const conns = await Promise.all(
  Array.from({ length: CONNECTIONS }, () =>
    mysql.createConnection({ host: target.host, port: target.port, user: target.user, password: target.password, database: target.database }),
  ),
);
const [main] = conns as [mysql.Connection];

for (let a = 0; a < APPS; a++) {
  await main.query('INSERT IGNORE INTO oasis_app (name, title, token_hash, created_at, updated_at) VALUES (?, ?, ?, NOW(3), NOW(3))', [
    `seed-${a}`,
    `Seeded app ${a}`,
    randomBytes(32).toString('hex'),
  ]);
}
const [appRows] = await main.query<mysql.RowDataPacket[]>("SELECT id, name FROM oasis_app WHERE name LIKE 'seed-%'");
const appIdOf = new Map(appRows.map((r) => [String(r.name), Number(r.id)]));

// The secondary indexes, to build again after the load.
const [indexRows] = await main.query<mysql.RowDataPacket[]>(
  `SELECT INDEX_NAME AS name, NON_UNIQUE AS nonUnique, GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX) AS cols
   FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'oasis_job_log' AND INDEX_NAME <> 'PRIMARY'
   GROUP BY INDEX_NAME, NON_UNIQUE ORDER BY INDEX_NAME`,
  [target.database],
);
const indexes = indexRows.map((r) => ({ name: String(r.name), unique: Number(r.nonUnique) === 0, cols: String(r.cols).split(',') }));
if (indexes.length) await main.query(`ALTER TABLE oasis_job_log ${indexes.map((i) => `DROP INDEX \`${i.name}\``).join(', ')}`);
console.log(`dropped ${indexes.length} secondary indexes; loading ${ROWS.toLocaleString('en')} rows…`);

const perJob = shares();
// Job ids in the order of their id strings ("1-…" < "10-…" < "100-…" < "2-…"): rows go in primary-key order.
const jobOrder = Array.from({ length: JOBS }, (_, i) => i + 1).sort((a, b) => (String(a) < String(b) ? -1 : 1));
const now = Date.now();
const span = DAYS * 86_400_000;
const runTag = counterTail(Math.floor(rand() * 2 ** 30)).slice(-4);

/** Values of one job's rows, `BATCH` at a time. */
function* batchesOf(jobId: number): Generator<string> {
  const n = perJob[jobId - 1]!;
  const appId = appIdOf.get(`seed-${jobId % APPS}`)!;
  const step = span / n;
  const worker = `worker-${jobId % 16}`;
  let rows: string[] = [];
  for (let k = 0; k < n; k++) {
    const at = Math.floor(now - span + k * step + rand() * step * 0.5);
    const status = pick(STATUSES);
    const trigger = pick(TRIGGERS);
    const startedAt = status === 'NO_WORKER' || status === 'DISCARDED' ? 'NULL' : String(at + 2 + Math.floor(rand() * 30));
    const finishedAt = at + 5 + Math.floor(rand() * 2000);
    const attempt = trigger === 'RETRY' ? 2 : 1;
    const id = `${jobId}-${ulid(at, runTag + counterTail(k).slice(-12))}`;
    const error = status === 'SUCCESS' ? 'NULL' : `'${status.toLowerCase()}: seeded failure'`;
    rows.push(
      `('${id}',${jobId},${appId},'seed.job${jobId}',${at},${startedAt},${finishedAt},'${status}','${trigger}',${startedAt === 'NULL' ? 'NULL' : `'${worker}'`},${k % 7 === 0 ? 1 : 0},${k % 7 === 0 ? 2 : 1},${attempt},'{"n":${k}}',${status === 'SUCCESS' ? "'ok'" : 'NULL'},${error})`,
    );
    if (rows.length === BATCH) {
      yield rows.join(',');
      rows = [];
    }
  }
  if (rows.length) yield rows.join(',');
}

const INSERT =
  'INSERT INTO oasis_job_log (id, job_id, app_id, handler, scheduled_at, started_at, finished_at, status, trigger_type, worker_id, shard_index, shard_total, attempt, params, result, error) VALUES ';
let written = 0;
let lastReport = Date.now();
/** Loads the jobs of `slice` (contiguous in key order) on one connection. */
async function load(conn: mysql.Connection, slice: number[]): Promise<void> {
  for (const jobId of slice) {
    for (const values of batchesOf(jobId)) {
      await conn.query(INSERT + values);
      written += values.split('),(').length;
      if (Date.now() - lastReport > 5000) {
        lastReport = Date.now();
        console.log(`  ${written.toLocaleString('en')} rows, ${Math.round(written / ((Date.now() - started) / 1000)).toLocaleString('en')}/s`);
      }
    }
  }
}
const cut = Math.ceil(jobOrder.length / CONNECTIONS);
await Promise.all(conns.map((c, i) => load(c, jobOrder.slice(i * cut, (i + 1) * cut))));
const loadedAt = Date.now();
console.log(`loaded ${written.toLocaleString('en')} rows in ${((loadedAt - started) / 1000).toFixed(1)} s; building ${indexes.length} indexes…`);

if (indexes.length) {
  await main.query(
    `ALTER TABLE oasis_job_log ${indexes.map((i) => `ADD ${i.unique ? 'UNIQUE ' : ''}INDEX \`${i.name}\` (${i.cols.map((c) => `\`${c}\``).join(',')})`).join(', ')}`,
  );
}
await main.query('ANALYZE TABLE oasis_job_log');
const [[count]] = (await main.query('SELECT COUNT(*) AS n FROM oasis_job_log')) as unknown as [[{ n: number }]];
console.log(
  `indexes built in ${((Date.now() - loadedAt) / 1000).toFixed(1)} s; oasis_job_log has ${Number(count.n).toLocaleString('en')} rows ` +
    `(${APPS} apps, ${JOBS} jobs, ${DAYS} days); total ${((Date.now() - started) / 1000).toFixed(1)} s`,
);
await Promise.all(conns.map((c) => c.end()));
