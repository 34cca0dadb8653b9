import { expect } from 'chai';
import { previewFires } from '../../server/src/domain/schedule.js';
import { createAdminStack, type AdminStack } from '../helpers/admin-stack.js';
import { ApiClient } from '../helpers/api-client.js';
import { createAppSchema } from '@oasis/worker-client/contracts';
import { parsed } from '../helpers/parsed.js';

interface LogPage {
  lines: string[];
  from: number;
  next: number;
  more: boolean;
  done: boolean;
}

describe('API limits: no answer is unbounded work or unbounded size', function () {
  this.timeout(60_000);
  let s: AdminStack;
  let admin: ApiClient;
  let jobId: number;
  let appId: number;

  before(async () => {
    s = await createAdminStack();
    admin = await s.signIn();
    appId = (await s.services.apps.create(parsed(createAppSchema, { name: 'lim' }))).id;
    await s.services.apps.create(parsed(createAppSchema, { name: 'other' }));
    jobId = (await admin.ok<{ id: number }>('POST', '/api/v1/jobs', { app: 'lim', name: 'j0', handler: 'h', schedule: { type: 'NONE' } })).id;
  });
  after(async () => {
    await s?.close();
  });

  describe('schedule previews', () => {
    it('stop at their CPU budget and say so (complete: false), always with the first five fires', () => {
      const s1 = { type: 'CRON' as const, cron: '0 0 0 29 2 *', timezone: 'America/Santiago' };
      const cut = previewFires(s1, Date.now(), 100, { budgetMs: 0 });
      expect(cut.fires).to.have.length(5);
      expect(cut.complete).to.equal(false);
      expect(previewFires(s1, Date.now(), 3, { budgetMs: 0 })).to.deep.include({ complete: true });
      const whole = previewFires({ type: 'FIXED_RATE', everyMs: 1000 }, 0, 100, { budgetMs: 10_000 });
      expect(whole).to.deep.include({ complete: true });
      expect(whole.fires).to.have.length(100);
    });

    it('a rare cron in a DST-heavy zone answers the fires found within the budget', async () => {
      const r = await admin.ok<{ fires: number[]; complete: boolean }>('POST', '/api/v1/schedule/preview', {
        schedule: { type: 'CRON', cron: '0 0 0 29 2 *', timezone: 'America/Santiago' },
        count: 100,
      });
      expect(r.fires.length).to.be.at.least(1);
      // 100 leap days take far longer than the budget on this machine; on any machine the answer is honest.
      expect(r.fires.length === 100 || r.complete === false, JSON.stringify({ n: r.fires.length, complete: r.complete })).to.equal(true);
      const quick = await admin.ok<{ fires: number[]; complete: boolean }>('POST', '/api/v1/schedule/preview', {
        schedule: { type: 'FIXED_RATE', everyMs: 1000 },
        count: 100,
      });
      expect(quick.complete).to.equal(true);
      expect(quick.fires).to.have.length(100);
      const job = await admin.ok<{ complete: boolean; fires: number[] }>('GET', `/api/v1/jobs/${jobId}/next-fires?count=100`);
      expect(job).to.deep.include({ complete: true, fires: [] });
    });
  });

  describe('previews are rate-limited per user', () => {
    it('past 60 a minute (previews and next-fires together) → 429 with Retry-After; other users unaffected', async () => {
      await admin.ok('POST', '/api/v1/users', { username: 'previewer', password: 'previewer-pw', role: 'VIEWER', apps: ['lim'] });
      const v = new ApiClient(s.baseUrl);
      await v.login('previewer', 'previewer-pw');
      const body = { schedule: { type: 'FIXED_RATE', everyMs: 1000 } };
      for (let i = 0; i < 59; i++) expect((await v.call('POST', '/api/v1/schedule/preview', body)).status, `preview ${i}`).to.equal(200);
      expect((await v.call('GET', `/api/v1/jobs/${jobId}/next-fires`)).status).to.equal(200);
      const res = await fetch(`${s.baseUrl}/api/v1/schedule/preview`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${(v as unknown as { token: string }).token}` },
        body: JSON.stringify(body),
      });
      expect(res.status).to.equal(429);
      expect(Number(res.headers.get('retry-after'))).to.be.within(1, 60);
      expect(await res.json()).to.include({ code: 'OASIS_ERR_RATE_LIMITED' });
      expect((await v.call('GET', `/api/v1/jobs/${jobId}/next-fires`)).status).to.equal(429);
      expect((await admin.call('POST', '/api/v1/schedule/preview', body)).status).to.equal(200);
    });
  });

  describe('GET /logs/:id/text is paged', () => {
    const line = (i: number) => `${String(i).padStart(6, '0')} ${'x'.repeat(1017)}`; // 1 KiB + newline
    const LINES = 3000;

    before(async () => {
      const id = `${jobId}-pagedlog`;
      await s.repos.logs.writeFinals(
        [{
          id, jobId, appId, handler: 'h', scheduledAt: 1_700_000_000_000, startedAt: 1_700_000_000_001, finishedAt: 1_700_000_000_002,
          status: 'SUCCESS', triggerType: 'MANUAL', workerId: 'w', shardIndex: 0, shardTotal: 1, attempt: 1, params: '', result: null, error: null,
        }],
        [{ logId: id, text: Array.from({ length: LINES }, (_, i) => line(i)).join('\n'), lineCount: LINES, truncated: false }],
      );
    });

    it('answers at most `limit` lines (default 1000) and 1 MiB, with `more` until the last page', async () => {
      const id = `${jobId}-pagedlog`;
      const first = await admin.ok<LogPage>('GET', `/api/v1/logs/${id}/text`);
      expect(first.lines).to.have.length(1000);
      expect(first).to.include({ from: 0, next: 1000, more: true, done: false });
      const big = await admin.ok<LogPage>('GET', `/api/v1/logs/${id}/text?from=0&limit=10000`);
      const bytes = Buffer.byteLength(big.lines.join('\n'), 'utf8');
      expect(bytes).to.be.at.most(1024 * 1024);
      expect(big.lines.length).to.be.below(LINES);
      expect(big.more).to.equal(true);
      // Following `next` gives the whole log, once, in order.
      const all: string[] = [];
      let from = 0;
      for (let page = 0; page < 20; page++) {
        const p = await admin.ok<LogPage>('GET', `/api/v1/logs/${id}/text?from=${from}&limit=700`);
        all.push(...p.lines);
        from = p.next;
        if (!p.more) {
          expect(p.done).to.equal(true);
          break;
        }
      }
      expect(all).to.deep.equal(Array.from({ length: LINES }, (_, i) => line(i)));
      expect((await admin.call('GET', `/api/v1/logs/${id}/text?limit=10001`)).status).to.equal(400);
      expect((await admin.call('GET', `/api/v1/logs/${id}/text?limit=0`)).status).to.equal(400);
    });
  });

  describe('GET /jobs is paged', () => {
    it('answers at most `limit` jobs (1-1000), from `offset`, only of apps the caller may read', async () => {
      for (const name of ['j1', 'j2']) await admin.ok('POST', '/api/v1/jobs', { app: 'lim', name, handler: 'h', schedule: { type: 'NONE' } });
      await admin.ok('POST', '/api/v1/jobs', { app: 'other', name: 'o1', handler: 'h', schedule: { type: 'NONE' } });
      const names = async (q: string, c = admin) => (await c.ok<{ name: string }[]>('GET', `/api/v1/jobs${q}`)).map((j) => j.name);
      expect(await names('')).to.deep.equal(['j0', 'j1', 'j2', 'o1']);
      expect(await names('?limit=2')).to.deep.equal(['j0', 'j1']);
      expect(await names('?limit=2&offset=2')).to.deep.equal(['j2', 'o1']);
      expect(await names('?app=lim&offset=1')).to.deep.equal(['j1', 'j2']);
      expect((await admin.call('GET', '/api/v1/jobs?limit=1001')).status).to.equal(400);
      // A user of two apps out of three pages over those two only.
      await s.services.apps.create(parsed(createAppSchema, { name: 'third' }));
      await admin.ok('POST', '/api/v1/jobs', { app: 'third', name: 't1', handler: 'h', schedule: { type: 'NONE' } });
      await admin.ok('POST', '/api/v1/users', { username: 'two-apps', password: 'two-apps-pw', role: 'VIEWER', apps: ['other', 'third'] });
      const viewer = new ApiClient(s.baseUrl);
      await viewer.login('two-apps', 'two-apps-pw');
      expect(await names('', viewer)).to.deep.equal(['o1', 't1']);
      expect(await names('?limit=1&offset=1', viewer)).to.deep.equal(['t1']);
    });
  });
});
