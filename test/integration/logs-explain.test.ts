/**
 * The queries the logs list issues on `oasis_job_log` (LogsRepo.list and count) are read from
 * an index on MariaDB: EXPLAIN names the index of each common page (all, one app, one job, one
 * status, a status of one app) and shows no full scan and no filesort, and ANALYZE shows that a
 * page, also a later one by cursor, reads about as many rows as it answers (not the table).
 */
import { expect } from 'chai';
import { QueryTypes } from 'sequelize';
import { openDatabase, type Database } from '../../server/src/store/db/open.js';
import { LogsRepo, type LogFilterQuery } from '../../server/src/store/db/logs-repo.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

/** Rows seeded: enough that the optimizer's choice matters (a full scan would read them all). */
const ROWS = 60_000;
const APPS = 4;
const JOBS = 40;
const STATUSES = ['SUCCESS', 'SUCCESS', 'SUCCESS', 'SUCCESS', 'SUCCESS', 'SUCCESS', 'FAILED', 'TIMEOUT', 'NO_WORKER', 'LOST'];

interface Captured {
  sql: string;
  replacements: unknown[];
}

interface ExplainRow {
  table: string;
  type: string;
  key: string | null;
  rows: number;
  Extra: string | null;
}

describe('the logs list reads from indexes (EXPLAIN on MariaDB)', function () {
  this.timeout(120_000);
  let testDb: TestDatabase;
  let db: Database;
  let logs: LogsRepo;
  const captured: Captured[] = [];

  before(async function () {
    testDb = await createTestDatabase();
    db = await openDatabase(testDb.url);
    await db.sync();
    for (let a = 1; a <= APPS; a++) await db.models.App.create({ name: `app${a}`, tokenHash: String(a).repeat(64) } as never);
    // Job j belongs to app (j % APPS) + 1; row n is scheduled at t0 + n s, so scheduled times are unique.
    await db.sequelize.query(
      `INSERT INTO oasis_job_log (id, job_id, app_id, handler, scheduled_at, started_at, finished_at, status, trigger_type, worker_id, shard_index, shard_total, attempt, params, result, error)
       SELECT CONCAT(seq % ${JOBS} + 1, '-', LPAD(seq, 20, '0')), seq % ${JOBS} + 1, (seq % ${JOBS} + 1) % ${APPS} + 1, 'h',
              1700000000000 + seq * 1000, 1700000000000 + seq * 1000 + 5, 1700000000000 + seq * 1000 + 50,
              ELT(seq % ${STATUSES.length} + 1, ${STATUSES.map((s) => `'${s}'`).join(', ')}), 'CRON', 'w1', 0, 1, 1, '', 'ok', NULL
       FROM seq_1_to_${ROWS}`,
    );
    await db.sequelize.query('ANALYZE TABLE oasis_job_log');
    logs = new LogsRepo(db.models);
    // Every statement the repo sends, before the guard adds the read deadline.
    const query = db.sequelize.query.bind(db.sequelize) as (sql: unknown, options?: { replacements?: unknown[] }) => Promise<unknown>;
    (db.sequelize as unknown as { query: typeof query }).query = (sql, options) => {
      if (typeof sql === 'string' && /\boasis_job_log\b/.test(sql)) captured.push({ sql, replacements: options?.replacements ?? [] });
      return query(sql, options);
    };
  });
  after(async function () {
    await db?.close();
    await testDb?.drop();
  });

  /** The statement on oasis_job_log that `run` issues. */
  async function statementOf(run: () => Promise<unknown>): Promise<Captured> {
    captured.length = 0;
    await run();
    expect(captured, 'one statement on oasis_job_log').to.have.length(1);
    return captured[0]!;
  }

  /** EXPLAIN's row of the log table; the app joined by name must be a const row, joined per row by primary key otherwise. */
  async function explain(c: Captured): Promise<ExplainRow> {
    const rows = await db.sequelize.query<ExplainRow>(`EXPLAIN ${c.sql}`, { replacements: c.replacements, type: QueryTypes.SELECT });
    const row = rows.find((r) => r.table === 'l');
    expect(row, JSON.stringify(rows)).to.not.equal(undefined);
    const app = rows.find((r) => r.table === 'a');
    if (app) expect(app.type, JSON.stringify(rows)).to.be.oneOf(['const', 'eq_ref']);
    return row!;
  }

  /** Rows the server read from oasis_job_log running the statement (ANALYZE's r_rows). */
  async function rowsRead(c: Captured): Promise<number> {
    const [row] = await db.sequelize.query<Record<string, string>>(`ANALYZE FORMAT=JSON ${c.sql}`, { replacements: c.replacements, type: QueryTypes.SELECT });
    const plan = JSON.parse(Object.values(row!)[0]!) as unknown;
    let read = -1;
    const walk = (node: unknown): void => {
      if (!node || typeof node !== 'object') return;
      const n = node as Record<string, unknown>;
      if (n.table_name === 'l' && typeof n.r_rows === 'number') read = n.r_rows;
      for (const v of Object.values(n)) walk(v);
    };
    walk(plan);
    expect(read, 'r_rows of table l').to.be.at.least(0);
    return read;
  }

  const pages: { name: string; filter: LogFilterQuery; index: string }[] = [
    { name: 'every log', filter: {}, index: 'ix_log_scheduled' },
    { name: 'one app', filter: { app: 'app2' }, index: 'ix_log_app_scheduled' },
    { name: 'one job', filter: { jobId: 7 }, index: 'ix_log_job_scheduled' },
    { name: 'one status', filter: { status: 'FAILED' }, index: 'ix_log_status_scheduled' },
    { name: 'one status of one app', filter: { app: 'app3', status: 'TIMEOUT' }, index: 'ix_log_app_status_scheduled' },
  ];

  for (const page of pages) {
    it(`${page.name}: the first and a later page use ${page.index}, no full scan, no filesort, ~limit rows read`, async function () {
      const first = await statementOf(() => logs.list({ ...page.filter, limit: 50 }));
      const e1 = await explain(first);
      expect(e1, first.sql).to.include({ key: page.index });
      expect(e1.type).to.not.equal('ALL');
      expect(e1.Extra ?? '').to.not.match(/filesort/i);
      expect(await rowsRead(first)).to.be.at.most(51);

      const one = await logs.list({ ...page.filter, limit: 50 });
      const last = one.items[one.items.length - 1]!;
      const later = await statementOf(() => logs.list({ ...page.filter, limit: 50, after: { scheduledAt: last.scheduledAt, id: last.id } }));
      const e2 = await explain(later);
      expect(e2, later.sql).to.include({ key: page.index });
      expect(e2.type).to.equal('range');
      expect(e2.Extra ?? '').to.not.match(/filesort/i);
      expect(await rowsRead(later)).to.be.at.most(52);
      const ids = (await logs.list({ ...page.filter, limit: 50, after: { scheduledAt: last.scheduledAt, id: last.id } })).items.map((i) => i.id);
      expect(ids).to.not.include(last.id);
      expect(ids).to.have.length(50);
    });

    it(`${page.name}: the count (withTotal) reads ${page.index} only (covering, no full scan)`, async function () {
      const count = await statementOf(() => logs.count(page.filter));
      const e = await explain(count);
      expect(e, count.sql).to.include({ key: page.index });
      expect(e.type).to.not.equal('ALL');
      expect(e.Extra ?? '').to.match(/Using index/);
    });
  }

  it('an existing database without the list indexes gets them at the next start (sync adds indexes by name)', async function () {
    const added = ['ix_log_job_scheduled', 'ix_log_app_status_scheduled', 'ix_log_status_scheduled'];
    await db.sequelize.query(`ALTER TABLE oasis_job_log ${added.map((i) => `DROP INDEX ${i}`).join(', ')}`);
    const names = async () => (await db.sequelize.query<{ Key_name: string }>('SHOW INDEX FROM oasis_job_log', { type: QueryTypes.SELECT })).map((r) => r.Key_name);
    expect(await names()).to.not.include.members(added);
    await db.sync();
    expect(await names()).to.include.members(added);
  });

  it('the counts match the seeded rows', async function () {
    expect(await logs.count({})).to.equal(ROWS);
    expect(await logs.count({ status: 'FAILED' })).to.equal(ROWS / STATUSES.length);
    expect(await logs.count({ jobId: 7 })).to.equal(ROWS / JOBS);
  });
});
