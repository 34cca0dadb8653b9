/**
 * MySQL read replicas (`OASIS_DATABASE_REPLICA_URLS`) on real replication: a private MariaDB
 * primary and a replica of it (`helpers/mariadb-replication.ts`), the admin's API over both.
 * Replication is stopped (`STOP SLAVE`: a replica that lags without end) to tell who answered:
 * what was written since is only on the primary. Shown: a save and the reads of one's own
 * writes answer from the primary; the logs list and count, log texts, reports, the jobs list and
 * the audit list answer from the replica (stale while it lags, and rows put on the replica alone
 * show); the statement deadline holds on the replica; only marked reads ever reach it (its
 * general log); a hung or stopped replica sends those reads to the primary within the query
 * deadline, then at once, and a replica answering again gets them back.
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { createAppSchema, createJobSchema, type JobJson, type LogPage } from '@oasis/worker-client/contracts';
import { openDatabase } from '../../server/src/store/db/open.js';
import { createAdminStack, type AdminStack } from '../helpers/admin-stack.js';
import type { ApiClient } from '../helpers/api-client.js';
import { finalRecord } from '../helpers/final-records.js';
import { REPLICA_READER, startReplicatedMariaDb, type ReplicatedMariaDb } from '../helpers/mariadb-replication.js';
import { parsed } from '../helpers/parsed.js';
import { waitFor } from '../helpers/wait.js';

/** The admin's query deadline here: a hung replica costs a marked read about this long once. */
const QUERY_TIMEOUT_MS = 1500;
/** A job id the primary never has: its records are put on the replica alone. */
const REPLICA_ONLY_JOB = 900_001;
/** Records of {@link REPLICA_ONLY_JOB}: reading them all one by one takes well over the 100 ms read deadline. */
const REPLICA_ONLY_ROWS = 300_000;

interface AuditPageJson {
  items: { targetType: string; targetId: string | null; action: string }[];
  total: number;
}
interface DailyJson {
  days: { day: string; total: number }[];
}

describe('MySQL read replicas (private MariaDB primary + replica, real replication)', function () {
  this.timeout(120_000);
  const db = `oasis_repl_${randomBytes(5).toString('hex')}`;
  let pair: ReplicatedMariaDb;
  let s: AdminStack;
  let api: ApiClient;
  let appId: number;
  let logJob: number;

  const count = async (on: 'primary' | 'replica', sql: string, values: unknown[] = []): Promise<number> => {
    const [row] = await pair[on].query<{ n: number | string }[]>(db, sql, values);
    return Number(row?.n ?? 0);
  };
  const logsOf = (jobId: number, extra = '') => api.ok<LogPage>('GET', `/api/v1/logs?jobId=${jobId}&limit=5${extra}`);
  const reportTotal = async (jobId: number) => (await api.ok<DailyJson>('GET', `/api/v1/reports/daily?days=7&jobId=${jobId}`)).days.reduce((n, d) => n + d.total, 0);

  before(async function () {
    pair = await startReplicatedMariaDb();
    // Every statement a client sends the replica, with who sent it (mysql.general_log).
    await pair.replica.query('', "SET GLOBAL log_output = 'TABLE'");
    await pair.replica.query('', 'SET GLOBAL general_log = 1');
    s = await createAdminStack({
      OASIS_DATABASE_URL: `${pair.primary.rootUrl}${db}`,
      OASIS_DATABASE_REPLICA_URLS: pair.readerUrl(db),
      OASIS_DB_QUERY_TIMEOUT_MS: String(QUERY_TIMEOUT_MS),
      OASIS_DB_READ_TIMEOUT_MS: '100',
    });
    api = await s.signIn();
    appId = (await s.services.apps.create(parsed(createAppSchema, { name: 'rep' }))).id;
    logJob = (await s.services.jobs.create(parsed(createJobSchema, { app: 'rep', name: 'logged', handler: 'h', schedule: { type: 'NONE' } }), s.adminUser)).id;
    await pair.caughtUp();
    // The database may have reached the replica just after the open's first check.
    await waitFor(() => s.db.replicas === 'up', 5000, 'replicas up');
  });
  after(async function () {
    await s?.close();
    await pair?.stop();
  });

  it('(a) a save and the reads of what it saved answer from the primary while replication is stopped', async function () {
    await pair.pause();
    const auditBefore = await count('replica', 'SELECT COUNT(*) AS n FROM oasis_audit');
    const created = await api.ok<JobJson>('POST', '/api/v1/jobs', { app: 'rep', name: 'fresh', handler: 'h', schedule: { type: 'NONE' } });
    expect(created).to.include({ name: 'fresh', app: 'rep', version: 1 });
    expect(await count('replica', 'SELECT COUNT(*) AS n FROM oasis_job WHERE id = ?', [created.id]), 'not on the replica').to.equal(0);
    // Read back by id, changed (a locked read in a transaction) and answered as saved: the primary.
    expect(await api.ok<JobJson>('GET', `/api/v1/jobs/${created.id}`)).to.include({ id: created.id, name: 'fresh' });
    const changed = await api.ok<JobJson>('PUT', `/api/v1/jobs/${created.id}`, { handler: 'h2' });
    expect(changed).to.include({ handler: 'h2', version: 2 });
    expect(await api.ok<JobJson>('GET', `/api/v1/jobs/${created.id}`)).to.include({ handler: 'h2', version: 2 });
    // The jobs list and the audit list tolerate lag: the replica answers, without the new job yet.
    const listed = await api.ok<JobJson[]>('GET', '/api/v1/jobs?app=rep');
    expect(listed.map((j) => j.id)).to.include(logJob).and.not.include(created.id);
    await waitFor(async () => (await count('primary', 'SELECT COUNT(*) AS n FROM oasis_audit')) >= auditBefore + 2, 5000, 'audit entries on the primary');
    expect((await api.ok<AuditPageJson>('GET', '/api/v1/audit?limit=1')).total).to.equal(auditBefore);

    await pair.resume();
    expect((await api.ok<JobJson[]>('GET', '/api/v1/jobs?app=rep')).map((j) => j.id)).to.include(created.id);
    expect((await api.ok<AuditPageJson>('GET', '/api/v1/audit?limit=1')).total).to.equal(await count('primary', 'SELECT COUNT(*) AS n FROM oasis_audit'));
  });

  it('(b) the logs list and count, duplicates and the daily report answer from the replica; a log text not replicated yet from the primary', async function () {
    await pair.pause();
    const id = `${logJob}-R1`;
    await s.repos.logs.writeFinals(
      [finalRecord({ id, jobId: logJob, appId, scheduledAt: Date.now() - 3_600_000, startedAt: Date.now() - 3_599_000, finishedAt: Date.now() - 3_598_000 })],
      [{ logId: id, text: 'line 1\nline 2', lineCount: 2, truncated: false }],
    );
    expect(await count('primary', 'SELECT COUNT(*) AS n FROM oasis_job_log WHERE id = ?', [id])).to.equal(1);
    const stale = await logsOf(logJob, '&withTotal=1');
    expect(stale.items, 'the replica has not got it').to.deep.equal([]);
    expect(stale.total).to.equal(0);
    expect(await reportTotal(logJob)).to.equal(0);
    expect((await api.ok<{ total: number }>('GET', `/api/v1/logs/duplicates?jobId=${logJob}`)).total).to.equal(0);
    // One record by id, and its text: the replica misses it, the primary has it (never "done, no lines").
    expect(await api.ok<{ id: string }>('GET', `/api/v1/logs/${id}`)).to.include({ id });
    expect(await api.ok<{ lines: string[]; done: boolean }>('GET', `/api/v1/logs/${id}/text`)).to.include({ done: true }).and.deep.include({ lines: ['line 1', 'line 2'] });

    await pair.resume();
    const fresh = await logsOf(logJob, '&withTotal=1');
    expect(fresh.items.map((i) => i.id)).to.deep.equal([id]);
    expect(fresh.total).to.equal(1);
    expect(await reportTotal(logJob)).to.equal(1);
    // Now a hit on the replica.
    expect(await api.ok<{ lines: string[] }>('GET', `/api/v1/logs/${id}/text`)).to.deep.include({ lines: ['line 1', 'line 2'] });
  });

  it('(b) rows put on the replica alone show in the list; past OASIS_DB_READ_TIMEOUT_MS a replica read answers 503 and is not run again on the primary', async function () {
    // Root may write on the replica (the reader may not); ids the primary never writes.
    await pair.replica.query(
      db,
      `INSERT INTO oasis_job_log (id, job_id, app_id, handler, scheduled_at, started_at, finished_at, status, trigger_type, worker_id, shard_index, shard_total, attempt, params, result, error)
       SELECT CONCAT('${REPLICA_ONLY_JOB}-', LPAD(seq, 20, '0')), ${REPLICA_ONLY_JOB}, ${appId}, 'h', 1700000000000 + seq * 1000, NULL, 1700000000000 + seq * 1000 + 5,
              'SUCCESS', 'CRON', 'w', 0, 1, 1, REPEAT('p', 200), 'ok', NULL
       FROM seq_1_to_${REPLICA_ONLY_ROWS}`,
    );
    expect((await logsOf(REPLICA_ONLY_JOB)).items).to.have.length(5);
    const started = Date.now();
    // No record of the job is LOST: the read walks all its rows on the replica to find none.
    const slow = await api.call('GET', `/api/v1/logs?jobId=${REPLICA_ONLY_JOB}&status=LOST&limit=50`);
    expect(slow.status, JSON.stringify(slow.body)).to.equal(503);
    expect(slow.body).to.include({ code: 'OASIS_ERR_UNAVAILABLE' });
    expect((slow.body as { message: string }).message).to.match(/OASIS_DB_READ_TIMEOUT_MS/);
    expect(Date.now() - started, 'stopped near the deadline').to.be.below(2000);
    // Not a replica failure: it still serves, and the primary never ran the read (it would answer 200, empty).
    expect(s.db.replicas).to.equal('up');
    expect(s.db.up).to.equal(true);
    expect((await logsOf(REPLICA_ONLY_JOB)).items).to.have.length(5);
  });

  it('only marked reads reached the replica: SELECTs of the listed tables, never a write, a user, a session or DDL', async function () {
    const rows = await pair.replica.query<{ q: string }[]>(
      '',
      "SELECT CONVERT(argument USING utf8mb4) AS q FROM mysql.general_log WHERE user_host LIKE ? AND command_type = 'Query'",
      [`${REPLICA_READER.user}%`],
    );
    const queries = rows.map((r) => r.q);
    expect(queries.length).to.be.above(5);
    const reads = queries.filter((q) => !/^SET time_zone = /.test(q) && q !== 'SELECT 1');
    for (const q of reads) expect(q, q).to.match(/^(SET STATEMENT max_statement_time=[0-9.]+ FOR )?SELECT /);
    const tables = new Set(reads.flatMap((q) => q.match(/\boasis_[a-z_]+/g) ?? []));
    const allowed = ['oasis_job_log', 'oasis_job_log_text', 'oasis_job_log_report', 'oasis_job_log_duplicate', 'oasis_job', 'oasis_app', 'oasis_audit'];
    expect([...tables].filter((t) => !allowed.includes(t)), 'tables read on the replica').to.deep.equal([]);
    // Each lag-tolerant read was seen there; the expensive ones with their deadline.
    for (const t of ['oasis_job_log', 'oasis_job_log_text', 'oasis_job_log_report', 'oasis_job_log_duplicate', 'oasis_job', 'oasis_audit']) expect(tables, t).to.include(t);
    expect(reads.some((q) => q.startsWith('SET STATEMENT max_statement_time=0.100 FOR SELECT') && q.includes('oasis_job_log'))).to.equal(true);
  });

  it('(c) a hung replica: marked reads answer from the primary within the query deadline, then at once; back on the replica once it answers', async function () {
    pair.replica.hang();
    try {
      let started = Date.now();
      // The primary has no record of the job: an empty page is the primary's answer.
      expect((await logsOf(REPLICA_ONLY_JOB)).items).to.deep.equal([]);
      expect(Date.now() - started, 'failed over within the query deadline').to.be.below(QUERY_TIMEOUT_MS + 1500);
      expect(s.db.replicas).to.equal('down');
      started = Date.now();
      expect((await logsOf(REPLICA_ONLY_JOB)).items).to.deep.equal([]);
      expect(await reportTotal(logJob)).to.equal(1);
      expect(Date.now() - started, 'straight to the primary').to.be.below(1000);
    } finally {
      pair.replica.wake();
    }
    await waitFor(() => s.db.replicas === 'up', 10_000, 'replicas up again');
    expect((await logsOf(REPLICA_ONLY_JOB)).items).to.have.length(5);
  });

  it('(c) a stopped replica: marked reads answer from the primary at once', async function () {
    await pair.replica.stop();
    const started = Date.now();
    expect((await logsOf(REPLICA_ONLY_JOB)).items).to.deep.equal([]);
    expect((await logsOf(logJob)).items).to.have.length(1);
    expect(await reportTotal(logJob)).to.equal(1);
    expect((await api.ok<JobJson[]>('GET', '/api/v1/jobs?app=rep')).length).to.equal(2);
    expect((await api.ok<AuditPageJson>('GET', '/api/v1/audit?limit=1')).total).to.be.above(0);
    expect(Date.now() - started, 'no wait for the dead replica').to.be.below(1500);
    expect(s.db.replicas).to.equal('down');
    expect(s.db.up).to.equal(true);
  });
});

describe('read replicas need a MySQL primary', function () {
  it('refuses replicas beside SQLite', async function () {
    let err: unknown;
    await openDatabase('sqlite::memory:', { replicaUrls: ['mysql://root@127.0.0.1:1/x'] }).catch((e: unknown) => (err = e));
    expect((err as Error).message).to.match(/mysql:\/\/ primary/);
  });
});
