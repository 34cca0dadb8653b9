import { expect } from 'chai';
import { dayRange, utcDay } from '../../server/src/domain/days.js';
import { createRepositories, openDatabase, type Database, type FinalRecord, type Repositories } from '../../server/src/store/db/index.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { finalRecord, RECORD_T0 } from '../helpers/final-records.js';

/** How the admin's writers write final records into MySQL: no deadlocks between writers, no fire merged silently. */
describe('final records in the database: writers side by side, duplicates kept apart', function () {
  this.timeout(60_000);
  let testDb: TestDatabase;
  let dbs: Database[];
  let repos: Repositories[];

  beforeEach(async () => {
    testDb = await createTestDatabase();
    dbs = [await openDatabase(testDb.url), await openDatabase(testDb.url)];
    await dbs[0]!.sync();
    repos = dbs.map((db) => createRepositories(db));
  });
  afterEach(async () => {
    await Promise.all(dbs.map((db) => db.close()));
    await testDb.drop();
  });

  const rows = async (sql: string): Promise<Record<string, unknown>[]> => (await dbs[0]!.sequelize.query(sql))[0] as Record<string, unknown>[];

  it('two writers upserting the same report rows in opposite orders never deadlock, and count each record once', async () => {
    const jobs = Array.from({ length: 40 }, (_, i) => i + 1);
    let seq = 0;
    // Each batch touches every job's report row of the day; one writer's batches list the jobs
    // upwards, the other's downwards: rows locked in batch order would cross.
    const batch = (order: number[]): FinalRecord[] =>
      order.map((jobId) => finalRecord({ id: `${jobId}-d${++seq}`, jobId, scheduledAt: RECORD_T0 + seq }));
    const rounds = 15;
    const writer = async (r: Repositories, order: number[]) => {
      for (let i = 0; i < rounds; i++) await r.logs.writeFinals(batch(order), []);
    };
    await Promise.all([writer(repos[0]!, jobs), writer(repos[1]!, [...jobs].reverse()), writer(repos[0]!, jobs), writer(repos[1]!, [...jobs].reverse())]);
    const [total] = await rows('SELECT COUNT(*) AS n FROM oasis_job_log');
    expect(Number(total?.n)).to.equal(4 * rounds * jobs.length);
    const [counted] = await rows('SELECT SUM(count) AS n FROM oasis_job_log_report');
    expect(Number(counted?.n)).to.equal(4 * rounds * jobs.length);
  });

  it('the report recount of a day and writers of that day at the same time never deadlock', async () => {
    const day = utcDay(RECORD_T0);
    const { start, end } = dayRange(day);
    let seq = 0;
    let writing = true;
    const writer = async (r: Repositories) => {
      for (let i = 0; i < 25; i++) {
        const batch = Array.from({ length: 40 }, (_, j) => finalRecord({ id: `${j + 1}-r${++seq}`, jobId: j + 1, scheduledAt: RECORD_T0 + seq }));
        await r.logs.writeFinals(batch, []);
      }
    };
    const recounts = async (r: Repositories) => {
      while (writing) await r.reports.refreshDay(day, start, end);
    };
    const recounting = recounts(repos[1]!);
    try {
      await Promise.all([writer(repos[0]!), writer(repos[1]!)]);
    } finally {
      writing = false;
      await recounting;
    }
    await repos[0]!.reports.refreshDay(day, start, end);
    const [counted] = await rows('SELECT SUM(count) AS n FROM oasis_job_log_report');
    expect(Number(counted?.n)).to.equal(2 * 25 * 40);
  });

  it('keeps the first record of a fire and stores a second one apart, once, however often it is delivered', async () => {
    const first = finalRecord({ id: '7-first', jobId: 7, status: 'SUCCESS', result: '"one"' });
    const second = finalRecord({ id: '7-second', jobId: 7, status: 'FAILED', error: 'ran again', workerId: 'w2' });
    const out1 = await repos[0]!.logs.writeFinals([first], []);
    expect(out1.duplicates).to.deep.equal([]);
    const out2 = await repos[0]!.logs.writeFinals([second], []);
    expect(out2.duplicates.map((d) => [d.id, d.firstId])).to.deep.equal([['7-second', '7-first']]);
    // The same stream entry delivered again (same task id): idempotent, not a new duplicate.
    expect((await repos[1]!.logs.writeFinals([second], [])).duplicates).to.deep.equal([]);
    expect((await repos[1]!.logs.writeFinals([first], [])).duplicates).to.deep.equal([]);

    const kept = await repos[0]!.logs.get('7-first');
    expect(kept).to.include({ status: 'SUCCESS', result: '"one"', workerId: 'w' });
    expect(await repos[0]!.logs.get('7-second')).to.equal(null);
    const page = await repos[0]!.logs.listDuplicates({ jobId: 7, limit: 10, offset: 0 });
    expect(page.total).to.equal(1);
    expect(page.items[0]).to.include({ id: '7-second', firstId: '7-first', jobId: 7, status: 'FAILED', error: 'ran again', workerId: 'w2', scheduledAt: RECORD_T0 });
    const [report] = await rows("SELECT SUM(count) AS n FROM oasis_job_log_report WHERE status = 'SUCCESS'");
    expect(Number(report?.n)).to.equal(1);
    const counts = await repos[0]!.reports.duplicates({ fromDay: utcDay(RECORD_T0), toDay: utcDay(RECORD_T0) });
    expect(counts).to.deep.equal([{ day: utcDay(RECORD_T0), count: 1 }]);
  });

  it('finds two records of one fire in the same batch, and the same task id twice in a batch is one record', async () => {
    const a = finalRecord({ id: '8-a', jobId: 8, shardIndex: 1, shardTotal: 2 });
    const b = finalRecord({ id: '8-b', jobId: 8, shardIndex: 1, shardTotal: 2, status: 'LOST' });
    const other = finalRecord({ id: '8-c', jobId: 8, shardIndex: 0, shardTotal: 2 });
    const out = await repos[0]!.logs.writeFinals([a, other, a, b], []);
    expect(out.duplicates.map((d) => [d.id, d.firstId])).to.deep.equal([['8-b', '8-a']]);
    const page = await repos[0]!.logs.list({ jobId: 8, limit: 10 });
    expect(page.items.map((i) => i.id).sort()).to.deep.equal(['8-a', '8-c']);
    expect((await repos[0]!.logs.listDuplicates({ limit: 10, offset: 0 })).items.map((d) => d.id)).to.deep.equal(['8-b']);
  });

  it('two writers racing with two records of one fire keep one row and one duplicate', async () => {
    for (let i = 0; i < 20; i++) {
      const a = finalRecord({ id: `9-a${i}`, jobId: 9, scheduledAt: RECORD_T0 + i });
      const b = finalRecord({ id: `9-b${i}`, jobId: 9, scheduledAt: RECORD_T0 + i, status: 'FAILED' });
      const [x, y] = await Promise.all([repos[0]!.logs.writeFinals([a], []), repos[1]!.logs.writeFinals([b], [])]);
      expect(x.duplicates.length + y.duplicates.length).to.equal(1);
    }
    const [logs] = await rows('SELECT COUNT(*) AS n FROM oasis_job_log WHERE job_id = 9');
    expect(Number(logs?.n)).to.equal(20);
    const [dups] = await rows('SELECT COUNT(*) AS n FROM oasis_job_log_duplicate WHERE job_id = 9');
    expect(Number(dups?.n)).to.equal(20);
  });

  it('keeps a second record of a fire apart on SQLite too (embedded mode)', async () => {
    const lite = await openDatabase('sqlite::memory:');
    try {
      await lite.sync();
      const r = createRepositories(lite);
      await r.logs.writeFinals([finalRecord({ id: '5-a', jobId: 5 })], []);
      const out = await r.logs.writeFinals([finalRecord({ id: '5-b', jobId: 5, status: 'FAILED' }), finalRecord({ id: '5-a', jobId: 5 })], []);
      expect(out.duplicates.map((d) => [d.id, d.firstId])).to.deep.equal([['5-b', '5-a']]);
      expect((await r.logs.get('5-a'))?.status).to.equal('SUCCESS');
      expect((await r.logs.listDuplicates({ jobId: 5, limit: 10, offset: 0 })).total).to.equal(1);
    } finally {
      await lite.close();
    }
  });
});
