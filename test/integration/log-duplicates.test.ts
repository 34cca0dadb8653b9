import { expect } from 'chai';
import { logDuplicatePageSchema, dailyReportSchema, createAppSchema, createJobSchema } from '@oasis/worker-client/contracts';
import { utcDay } from '../../server/src/domain/days.js';
import { createAdminStack, type AdminStack } from '../helpers/admin-stack.js';
import type { ApiClient } from '../helpers/api-client.js';
import { finalRecord } from '../helpers/final-records.js';
import { parsed } from '../helpers/parsed.js';

/** A fire recorded twice stays visible: `GET /logs/duplicates` and the daily report's count, with the logs' rights. */
describe('second records of a fire, through the API', function () {
  this.timeout(30_000);
  let s: AdminStack;
  let admin: ApiClient;
  let jobA: number;
  let jobB: number;
  const at = Date.now() - 60_000;

  before(async () => {
    s = await createAdminStack();
    admin = await s.signIn();
    for (const name of ['dup-a', 'dup-b']) await s.services.apps.create(parsed(createAppSchema, { name, title: name }));
    jobA = (await s.services.jobs.create(parsed(createJobSchema, { app: 'dup-a', name: 'a', handler: 'h', schedule: { type: 'NONE' } }), s.adminUser)).id;
    jobB = (await s.services.jobs.create(parsed(createJobSchema, { app: 'dup-b', name: 'b', handler: 'h', schedule: { type: 'NONE' } }), s.adminUser)).id;
    const appA = (await s.repos.apps.idOf('dup-a'))!;
    const appB = (await s.repos.apps.idOf('dup-b'))!;
    await s.repos.logs.writeFinals(
      [finalRecord({ id: `${jobA}-first`, jobId: jobA, appId: appA, scheduledAt: at }), finalRecord({ id: `${jobB}-first`, jobId: jobB, appId: appB, scheduledAt: at })],
      [],
    );
    await s.repos.logs.writeFinals(
      [
        finalRecord({ id: `${jobA}-again`, jobId: jobA, appId: appA, scheduledAt: at, status: 'FAILED', error: 'second run' }),
        finalRecord({ id: `${jobB}-again`, jobId: jobB, appId: appB, scheduledAt: at }),
      ],
      [],
    );
    await admin.ok('POST', '/api/v1/users', { username: 'dup-viewer', password: 'long-enough-pw', role: 'VIEWER', apps: ['dup-a'] });
  });
  after(async () => {
    await s.close();
  });

  it('lists them for an ADMIN, all apps or filtered by app and job, in the contract shape', async () => {
    const all = logDuplicatePageSchema.parse(await admin.ok('GET', '/api/v1/logs/duplicates'));
    expect(all.total).to.equal(2);
    const a = logDuplicatePageSchema.parse(await admin.ok('GET', `/api/v1/logs/duplicates?app=dup-a&jobId=${jobA}&limit=10&offset=0`));
    expect(a.items).to.have.length(1);
    expect(a.items[0]).to.include({ id: `${jobA}-again`, firstId: `${jobA}-first`, app: 'dup-a', status: 'FAILED', error: 'second run', scheduledAt: at });
    // The first record is the one the logs show, unchanged.
    expect(await admin.ok('GET', `/api/v1/logs/${jobA}-first`)).to.include({ status: 'SUCCESS', error: null });
    expect((await admin.call('GET', `/api/v1/logs/${jobA}-again`)).status).to.equal(404);
  });

  it('follows the rights of the logs list: the app is required and must be readable', async () => {
    const viewer = await s.signIn('dup-viewer', 'long-enough-pw');
    const own = logDuplicatePageSchema.parse(await viewer.ok('GET', '/api/v1/logs/duplicates?app=dup-a'));
    expect(own.items.map((i) => i.id)).to.deep.equal([`${jobA}-again`]);
    // One app permitted: it is the filter (as for GET /logs).
    expect(logDuplicatePageSchema.parse(await viewer.ok('GET', '/api/v1/logs/duplicates')).total).to.equal(1);
    // Another app: refused exactly as the logs list refuses it.
    const other = await viewer.call('GET', '/api/v1/logs/duplicates?app=dup-b');
    const list = await viewer.call('GET', '/api/v1/logs?app=dup-b');
    expect(other.status).to.be.oneOf([403, 404]);
    expect(other).to.deep.equal(list);
    const bad = await viewer.call('GET', '/api/v1/logs/duplicates?app=dup-a&status=FAILED');
    expect(bad.status).to.equal(400);
    expect(bad.body).to.include({ code: 'OASIS_ERR_VALIDATION' });
  });

  it('counts them per day in the daily report, apart from the total', async () => {
    const report = dailyReportSchema.parse(await admin.ok('GET', '/api/v1/reports/daily?days=7&app=dup-a'));
    const day = report.days.find((d) => d.day === utcDay(at));
    expect(day).to.include({ total: 1, duplicates: 1 });
    expect(day?.counts.SUCCESS).to.equal(1);
    const all = dailyReportSchema.parse(await admin.ok('GET', '/api/v1/reports/daily?days=7'));
    expect(all.days.reduce((n, d) => n + d.duplicates, 0)).to.equal(2);
  });
});
