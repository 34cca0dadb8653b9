import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { AppError } from '../../server/src/domain/errors.js';
import { createRepositories, openDatabase, type Database, type FinalRecord, type Repositories } from '../../server/src/store/db/index.js';

describe('the SQL store on SQLite (embedded mode)', function () {
  let dir: string;
  let db: Database;
  let repos: Repositories;
  let appId: number;

  before(async function () {
    dir = mkdtempSync(join(tmpdir(), 'oasis-sqlite-store-'));
    db = await openDatabase(`sqlite:${join(dir, 'oasis.sqlite')}`);
    await db.sync();
    repos = createRepositories(db);
    appId = (await repos.apps.create({ name: 'embedded', title: 'E', tokenHash: 'f'.repeat(64) })).id;
  });
  after(async function () {
    await db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const fields = (name: string) => ({
    name,
    handler: 'h',
    params: '',
    schedule: { type: 'CRON' as const, cron: '0 * * * *', timezone: 'UTC' },
    routing: 'BUSYOVER' as const,
    timeoutMs: 0,
    misfire: { policy: 'SKIP' as const, thresholdMs: 1000 },
    overlap: 'ALLOW' as const,
    retry: { count: 0, backoff: 'FIXED' as const, delayMs: 0, maxDelayMs: 0, jitter: 0 },
    childJobIds: [],
    childOptions: { onFailure: false, passResult: false },
    alarm: { emails: [], webhooks: [] },
    script: null,
    enabled: true,
    paused: false,
    pauseNote: '',
  });

  it('keeps jobs with their app and bumps versions, even under concurrent updates', async function () {
    const job = await repos.jobs.create(appId, fields('a'));
    expect(job).to.include({ app: 'embedded', version: 1, enabled: true });
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => repos.jobs.update(job.id, (j) => ({ ...j, params: `p${i}` }))),
    );
    expect((await repos.jobs.get(job.id))?.version).to.equal(11);
    try {
      await repos.jobs.create(appId, fields('a'));
      expect.fail('expected a conflict');
    } catch (err) {
      expect((err as AppError).code).to.equal('OASIS_ERR_CONFLICT');
    }
    try {
      await repos.jobs.create(999, fields('b'));
      expect.fail('expected an unknown app');
    } catch (err) {
      expect((err as AppError).code).to.equal('OASIS_ERR_UNKNOWN_APP');
    }
  });

  it('writes finals idempotently (upsert on the task id)', async function () {
    const rec: FinalRecord = {
      id: '1-X',
      jobId: 1,
      appId,
      handler: 'h',
      scheduledAt: 1_700_000_000_000,
      startedAt: null,
      finishedAt: 1_700_000_000_100,
      status: 'SUCCESS',
      triggerType: 'CRON',
      workerId: null,
      shardIndex: 0,
      shardTotal: 1,
      attempt: 1,
      params: '',
      result: 'ok',
      error: null,
    };
    const text = { logId: '1-X', text: 'a\nb', lineCount: 2, truncated: false };
    await repos.logs.writeFinals([rec], [text]);
    await repos.logs.writeFinals([rec], [text]);
    const page = await repos.logs.list({ limit: 10 });
    expect(page.items).to.have.length(1);
    expect(await repos.logs.count({})).to.equal(1);
    expect(page.items[0]).to.include({ id: '1-X', app: 'embedded', scheduledAt: 1_700_000_000_000, result: 'ok' });
    expect(await repos.logs.getText('1-X')).to.deep.equal(text);
    expect(await repos.logs.deleteFinishedBefore(1_700_000_000_101, 100)).to.equal(1);
    expect(await repos.logs.get('1-X')).to.equal(null);
    expect(await repos.logs.getText('1-X')).to.equal(null);
  });
});
