/**
 * The logs list pages by cursor (keyset on scheduled time and id), in flight first, then final
 * records; `total` only when asked (`withTotal=1`); a malformed cursor or an `offset` is a 400.
 */
import { expect } from 'chai';
import { createAppSchema, createJobSchema, type LogPage } from '@oasis/worker-client/contracts';
import type { FinalRecord } from '../../server/src/store/db/index.js';
import { createAdminStack, type AdminStack } from '../helpers/admin-stack.js';
import type { ApiClient } from '../helpers/api-client.js';
import { finalRecord } from '../helpers/final-records.js';
import { parsed } from '../helpers/parsed.js';

describe('GET /api/v1/logs pages by cursor (MariaDB + Redis)', function () {
  let s: AdminStack;
  let api: ApiClient;
  let appId: number;
  let jobA: number;
  let jobB: number;
  const t0 = 1_750_000_000_000;
  /** Final records: 12 of job A (4 FAILED), 5 of job B; records 3..6 of A share one scheduled time (ties are ordered by id). */
  const finals: FinalRecord[] = [];
  const inflight: string[] = [];

  /** Every page of `path` (a query string without cursor), `limit` a page, and the pages' sizes. */
  async function walk(query: string): Promise<{ ids: string[]; sizes: number[]; pages: LogPage[] }> {
    const ids: string[] = [];
    const sizes: number[] = [];
    const pages: LogPage[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 50; i++) {
      const page: LogPage = await api.ok<LogPage>('GET', `/api/v1/logs?${query}${cursor ? `&cursor=${cursor}` : ''}`);
      pages.push(page);
      ids.push(...page.items.map((x) => x.id));
      sizes.push(page.items.length);
      cursor = page.nextCursor;
      if (cursor === null) return { ids, sizes, pages };
    }
    throw new Error('the cursor never ended');
  }

  before(async function () {
    s = await createAdminStack();
    api = await s.signIn();
    appId = (await s.services.apps.create(parsed(createAppSchema, { name: 'paged' }))).id;
    await s.onlineWorker('paged');
    const job = (name: string) => s.services.jobs.create(parsed(createJobSchema, { app: 'paged', name, handler: 'h', schedule: { type: 'NONE' } }), s.adminUser);
    jobA = (await job('a')).id;
    jobB = (await job('b')).id;
    for (let n = 1; n <= 12; n++) {
      const at = n >= 3 && n <= 6 ? t0 + 3000 : t0 + n * 1000;
      finals.push(finalRecord({ id: `${jobA}-F${String(n).padStart(3, '0')}`, jobId: jobA, appId, scheduledAt: at, shardIndex: n, status: n % 3 === 0 ? 'FAILED' : 'SUCCESS' }));
    }
    for (let n = 1; n <= 5; n++) finals.push(finalRecord({ id: `${jobB}-F${String(n).padStart(3, '0')}`, jobId: jobB, appId, scheduledAt: t0 + n * 1000 + 500 }));
    await s.repos.logs.writeFinals(finals, []);
    for (let i = 0; i < 3; i++) inflight.push((await s.services.jobs.trigger(jobA)).taskId!);
    for (let i = 0; i < 2; i++) inflight.push((await s.services.jobs.trigger(jobB)).taskId!);
  });
  after(async function () {
    await s?.close();
  });

  /** Final records newest scheduled first, ties by id descending. */
  const expectedFinals = (keep: (r: FinalRecord) => boolean) =>
    finals
      .filter(keep)
      .sort((a, b) => b.scheduledAt - a.scheduledAt || (a.id < b.id ? 1 : -1))
      .map((r) => r.id);
  /** In-flight tasks newest scheduled first (triggered later = scheduled later; ties by id descending). */
  async function expectedInflight(jobId?: number): Promise<string[]> {
    const items = await Promise.all(inflight.map((id) => s.services.logs.get(id)));
    return items
      .filter((i) => jobId === undefined || i.jobId === jobId)
      .sort((a, b) => b.scheduledAt - a.scheduledAt || (a.id < b.id ? 1 : -1))
      .map((i) => i.id);
  }

  it('walks an app page by page: in flight first, then final records, each once, nextCursor null at the end', async function () {
    const { ids, sizes, pages } = await walk('app=paged&limit=4');
    expect(ids).to.deep.equal([...(await expectedInflight()), ...expectedFinals(() => true)]);
    expect(sizes.slice(0, -1).every((n) => n === 4)).to.equal(true);
    expect(pages.every((p) => p.total === undefined)).to.equal(true);
  });

  it('walks one job and one status by cursor, and a status that only exists in flight', async function () {
    expect((await walk(`jobId=${jobA}&limit=3`)).ids).to.deep.equal([...(await expectedInflight(jobA)), ...expectedFinals((r) => r.jobId === jobA)]);
    expect((await walk('app=paged&status=FAILED&limit=2')).ids).to.deep.equal(expectedFinals((r) => r.status === 'FAILED'));
    expect((await walk(`jobId=${jobB}&status=QUEUED&limit=1`)).ids).to.deep.equal(await expectedInflight(jobB));
    expect((await walk('status=SUCCESS&limit=5')).ids).to.deep.equal(expectedFinals((r) => r.status === 'SUCCESS'));
  });

  it('gives total only when asked (withTotal=1), counting in flight and final', async function () {
    const page = await api.ok<LogPage>('GET', '/api/v1/logs?app=paged&limit=2&withTotal=1');
    expect(page.total).to.equal(inflight.length + finals.length);
    expect((await api.ok<LogPage>('GET', `/api/v1/logs?jobId=${jobB}&withTotal=1`)).total).to.equal(2 + 5);
    expect((await api.ok<LogPage>('GET', '/api/v1/logs?app=paged&status=FAILED&withTotal=1')).total).to.equal(4);
    expect((await api.ok<LogPage>('GET', '/api/v1/logs?app=nobody&withTotal=1')).total).to.equal(0);
  });

  it('continues after an in-flight task that ended since its page was read', async function () {
    const first = await api.ok<LogPage>('GET', '/api/v1/logs?app=paged&limit=2');
    const all = await expectedInflight();
    expect(first.items.map((i) => i.id)).to.deep.equal(all.slice(0, 2));
    await s.services.logs.kill(all[1]!, 'gone before the next page');
    inflight.splice(inflight.indexOf(all[1]!), 1);
    const next = await api.ok<LogPage>('GET', `/api/v1/logs?app=paged&limit=2&cursor=${first.nextCursor}`);
    expect(next.items.map((i) => i.id)).to.deep.equal(all.slice(2, 4));
  });

  it('merges the apps of an ADMIN list without app, also by in-flight status', async function () {
    await s.services.apps.create(parsed(createAppSchema, { name: 'other' }));
    await s.onlineWorker('other');
    const other = (await s.services.jobs.create(parsed(createJobSchema, { app: 'other', name: 'o', handler: 'h', schedule: { type: 'NONE' } }), s.adminUser)).id;
    const mine = [(await s.services.jobs.trigger(other)).taskId!, (await s.services.jobs.trigger(other)).taskId!];
    inflight.push(...mine);
    const expected = await expectedInflight();
    expect(expected).to.include.members(mine);
    expect((await walk('limit=3')).ids).to.deep.equal([...expected, ...expectedFinals(() => true)]);
    expect((await walk('status=QUEUED&limit=2')).ids).to.deep.equal(expected);
    expect((await api.ok<LogPage>('GET', '/api/v1/logs?withTotal=1&limit=1')).total).to.equal(expected.length + finals.length);
  });

  it('looks at a bounded number of in-flight tasks per status-filtered page, and still finds every match', async function () {
    // 1,500 queued tasks newer than 3 running ones, written as the scripts write them.
    const k = s.redis.keys.app('paged');
    const p = s.redis.redis.pipeline();
    const at = Date.now() + 3_600_000;
    const running: string[] = [];
    for (let i = 0; i < 1503; i++) {
      const id = `${jobB}-BULK${String(i).padStart(5, '0')}`;
      const status = i < 3 ? 'RUNNING' : 'QUEUED';
      if (i < 3) running.push(id);
      p.hset(k.task(id), { id, jobId: String(jobB), handler: 'h', params: '', scheduledAt: String(at + i), attempt: '1', triggerType: 'API', shardIndex: '0', shardTotal: '1', timeoutMs: '0', status, target: '', createdAt: String(at) });
      p.zadd(k.inflight, at + i, id);
    }
    await p.exec();
    const { ids, sizes } = await walk('app=paged&status=RUNNING&limit=50');
    expect(ids).to.deep.equal(running.reverse());
    expect(sizes[0], 'the first page looked at 1,000 queued tasks only').to.equal(0);
  });

  it('answers 400 OASIS_ERR_VALIDATION for a malformed cursor, an offset and a limit above 500', async function () {
    for (const q of ['cursor=nope', 'cursor=eyJ4IjoxfQ', `cursor=${Buffer.from('{"p":"d","s":"x","i":1}').toString('base64url')}`, 'cursor=', 'offset=10', 'limit=501']) {
      const r = await api.call('GET', `/api/v1/logs?app=paged&${q}`);
      expect(r.status, q).to.equal(400);
      expect(r.body, q).to.include({ code: 'OASIS_ERR_VALIDATION' });
    }
  });
});
