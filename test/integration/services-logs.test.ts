import { expect } from 'chai';
import { AppError } from '../../server/src/domain/errors.js';
import type { FinalRecord } from '../../server/src/store/db/index.js';
import { createAdminStack, type AdminStack } from '../helpers/admin-stack.js';
import { finalRecord } from '../helpers/final-records.js';
import { createAppSchema, createJobSchema } from '@oasis/worker-client/contracts';
import { parsed } from '../helpers/parsed.js';

describe('LogService and LogsRepo.writeFinals (MariaDB + Redis)', function () {
  let s: AdminStack;
  let appId: number;
  let jobId: number;
  const t0 = 1_750_000_000_000;
  const final = (n: number, over: Partial<FinalRecord> = {}): FinalRecord =>
    finalRecord({
      id: `${jobId}-FINAL${String(n).padStart(21, '0')}`,
      jobId,
      appId,
      scheduledAt: t0 + n * 1000,
      startedAt: t0 + n * 1000 + 5,
      finishedAt: t0 + n * 1000 + 50,
      workerId: 'w1',
      result: `r${n}`,
      ...over,
    });

  before(async function () {
    s = await createAdminStack();
    appId = (await s.services.apps.create(parsed(createAppSchema, { name: 'reports' }))).id;
    await s.onlineWorker('reports');
    jobId = (await s.services.jobs.create(parsed(createJobSchema, { app: 'reports', name: 'daily', handler: 'h', schedule: { type: 'NONE' } }), s.adminUser)).id;
    await s.repos.logs.writeFinals(
      [final(1), final(2, { status: 'FAILED', error: 'boom', result: null }), final(3)],
      [{ logId: final(1).id, text: 'one\ntwo\nthree', lineCount: 3, truncated: false }],
    );
  });
  after(async function () {
    await s?.close();
  });

  it('writeFinals is idempotent: the same ids again change nothing', async function () {
    await s.repos.logs.writeFinals([final(1), final(3)], [{ logId: final(1).id, text: 'one\ntwo\nthree', lineCount: 3, truncated: false }]);
    const page = await s.services.logs.list({ jobId, limit: 10, withTotal: true });
    expect(page.total).to.equal(3);
    expect(page.items.map((i) => i.result)).to.deep.equal(['r3', null, 'r1']);
    expect(await s.db.models.JobLogText.count()).to.equal(1);
  });

  it('lists in-flight tasks first, then final records newest first, paged over both', async function () {
    const { taskId } = await s.services.jobs.trigger(jobId);
    const all = await s.services.logs.list({ app: 'reports', limit: 10, withTotal: true });
    expect(all.total).to.equal(4);
    expect(all.items.map((i) => i.id)).to.deep.equal([taskId, final(3).id, final(2).id, final(1).id]);
    expect(all.items[1]).to.include({ app: 'reports', status: 'SUCCESS', scheduledAt: t0 + 3000, workerId: 'w1' });
    const page1 = await s.services.logs.list({ app: 'reports', limit: 1 });
    expect(page1.items.map((i) => i.id)).to.deep.equal([taskId]);
    expect(page1.total).to.equal(undefined);
    const page2 = await s.services.logs.list({ app: 'reports', limit: 2, cursor: page1.next! });
    expect(page2.items.map((i) => i.id)).to.deep.equal([final(3).id, final(2).id]);
    const page3 = await s.services.logs.list({ app: 'reports', limit: 2, cursor: page2.next! });
    expect(page3.items.map((i) => i.id)).to.deep.equal([final(1).id]);
    expect(page3.next).to.equal(null);
    const failed = await s.services.logs.list({ status: 'FAILED', limit: 10 });
    expect(failed.items.map((i) => i.id)).to.deep.equal([final(2).id]);
    const queued = await s.services.logs.list({ status: 'QUEUED', limit: 10 });
    expect(queued.items.map((i) => i.id)).to.deep.equal([taskId]);
    expect((await s.services.logs.list({ app: 'nobody', limit: 10, withTotal: true })).total).to.equal(0);
  });

  it('gets one record and its text from line `from`', async function () {
    expect(await s.services.logs.get(final(2).id)).to.include({ status: 'FAILED', error: 'boom' });
    expect(await s.services.logs.text(final(1).id, 1)).to.deep.equal({ lines: ['two', 'three'], from: 1, next: 3, more: false, done: true });
    expect(await s.services.logs.text(final(3).id, 0)).to.deep.equal({ lines: [], from: 0, next: 0, more: false, done: true });
    try {
      await s.services.logs.get('no-such-task');
      expect.fail('expected 404');
    } catch (err) {
      expect((err as AppError).code).to.equal('OASIS_ERR_NOT_FOUND');
    }
  });

  it('writes a batch bigger than one packet (18 MiB of log text) and caps oversized values', async function () {
    const big = (n: number) => `${n}`.repeat(3 * 1024 * 1024);
    const recs = [10, 11, 12, 13, 14, 15].map((n) => final(n, { error: 'e'.repeat(70_000) }));
    await s.repos.logs.writeFinals(
      recs,
      recs.map((r, i) => ({ logId: r.id, text: big(i), lineCount: 1, truncated: false })),
    );
    for (const [i, r] of recs.entries()) {
      expect((await s.repos.logs.getText(r.id))?.text.length).to.equal(3 * 1024 * 1024, `text ${i}`);
      expect((await s.repos.logs.get(r.id))?.error?.length).to.equal(65_535);
    }
  });
});
