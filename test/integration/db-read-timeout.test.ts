/**
 * Expensive reads run with a server-side deadline (`OASIS_DB_READ_TIMEOUT_MS`, here its minimum
 * of 100 ms): a logs read that walks a big table past it answers 503 OASIS_ERR_UNAVAILABLE,
 * never a 500, and the database does not count as down (the next cheap read answers at once).
 */
import { expect } from 'chai';
import { createAppSchema, createJobSchema } from '@oasis/worker-client/contracts';
import { withReadDeadline } from '../../server/src/store/db/guard.js';
import { openDatabase } from '../../server/src/store/db/open.js';
import { createAdminStack, type AdminStack } from '../helpers/admin-stack.js';
import type { ApiClient } from '../helpers/api-client.js';
import { parsed } from '../helpers/parsed.js';

/** Rows of one job: reading them all one by one (no index matches the filter) takes well over 100 ms. */
const ROWS = 300_000;

describe('expensive reads have a statement timeout (MariaDB)', function () {
  this.timeout(120_000);
  let s: AdminStack;
  let api: ApiClient;
  let jobId: number;

  before(async function () {
    s = await createAdminStack({ OASIS_DB_READ_TIMEOUT_MS: '100' });
    api = await s.signIn();
    const appId = (await s.services.apps.create(parsed(createAppSchema, { name: 'big' }))).id;
    jobId = (await s.services.jobs.create(parsed(createJobSchema, { app: 'big', name: 'j', handler: 'h', schedule: { type: 'NONE' } }), s.adminUser)).id;
    await s.db.sequelize.query(
      `INSERT INTO oasis_job_log (id, job_id, app_id, handler, scheduled_at, started_at, finished_at, status, trigger_type, worker_id, shard_index, shard_total, attempt, params, result, error)
       SELECT CONCAT('${jobId}-', LPAD(seq, 20, '0')), ${jobId}, ${appId}, 'h', 1700000000000 + seq * 1000, NULL, 1700000000000 + seq * 1000 + 5,
              'SUCCESS', 'CRON', 'w', 0, 1, 1, REPEAT('p', 200), 'ok', NULL
       FROM seq_1_to_${ROWS}`,
    );
  });
  after(async function () {
    await s?.close();
  });

  it('puts the deadline on SELECTs only, in the form of the server', function () {
    expect(withReadDeadline('SELECT 1', 1500, 'mariadb')).to.equal('SET STATEMENT max_statement_time=1.500 FOR SELECT 1');
    expect(withReadDeadline('SELECT 1', 1500, 'mysql')).to.equal('SELECT /*+ MAX_EXECUTION_TIME(1500) */ 1');
    expect(withReadDeadline('UPDATE t SET a = 1', 1500, 'mariadb')).to.equal('UPDATE t SET a = 1');
  });

  it('answers 503 OASIS_ERR_UNAVAILABLE for a logs page past the deadline, then serves the next read at once', async function () {
    // No final record is LOST: the page reads every row of the job through its index to find none.
    const started = Date.now();
    const slow = await api.call('GET', `/api/v1/logs?jobId=${jobId}&status=LOST&limit=50`);
    expect(slow.status, JSON.stringify(slow.body)).to.equal(503);
    expect(slow.body).to.include({ code: 'OASIS_ERR_UNAVAILABLE' });
    expect((slow.body as { message: string }).message).to.match(/OASIS_DB_READ_TIMEOUT_MS/);
    expect(Date.now() - started, 'stopped near the deadline').to.be.below(2000);
    const quick = await api.call('GET', `/api/v1/logs?app=big&limit=5`);
    expect(quick.status).to.equal(200);
    expect(s.db.up).to.equal(true);
  });

  it('answers 503 for a count past the deadline (withTotal=1 over every row)', async function () {
    const slow = await api.call('GET', `/api/v1/logs?jobId=${jobId}&status=LOST&limit=1&withTotal=1`);
    expect(slow.status).to.equal(503);
    expect(slow.body).to.include({ code: 'OASIS_ERR_UNAVAILABLE' });
  });

  it('lets a read within the deadline through, and other statements have none', async function () {
    const page = await api.ok<{ items: unknown[] }>('GET', `/api/v1/logs?app=big&limit=50`);
    expect(page.items).to.have.length(50);
    // A write far longer than 100 ms is not an expensive read: no statement deadline.
    await s.db.sequelize.query(`UPDATE oasis_job_log SET result = 'ok2' WHERE job_id = ${jobId}`);
  });
});

describe('expensive reads on SQLite: no statement deadline', function () {
  it('runs the logs list and count without one', async function () {
    const db = await openDatabase('sqlite::memory:', { readTimeoutMs: 100 });
    try {
      await db.sync();
      const { LogsRepo } = await import('../../server/src/store/db/logs-repo.js');
      const logs = new LogsRepo(db.models);
      expect(await logs.list({ limit: 5 })).to.deep.equal({ items: [], more: false });
      expect(await logs.count({ status: 'FAILED' })).to.equal(0);
    } finally {
      await db.close();
    }
  });
});
