import { expect } from 'chai';
import { createAdminStack, type AdminStack } from '../helpers/admin-stack.js';
import type { ApiClient } from '../helpers/api-client.js';

interface JobJson {
  id: number;
  app: string;
  name: string;
  handler: string;
  params: string;
  schedule: unknown;
  routing: string;
  timeoutMs: number;
  misfire: { policy: string; thresholdMs: number };
  enabled: boolean;
  version: number;
  nextFireAt: number | null;
  createdAt: number;
  updatedAt: number;
}

const JOB_KEYS = [
  'id', 'app', 'name', 'handler', 'params', 'schedule', 'misfire', 'overlap', 'routing', 'timeoutMs', 'retry',
  'childJobIds', 'childOptions', 'alarm', 'script', 'scriptVersion', 'enabled', 'paused', 'pauseNote', 'skipNext',
  'runs', 'version', 'nextFireAt', 'createdAt', 'updatedAt',
];

describe('API: apps, jobs, logs, workers', function () {
  let s: AdminStack;
  let api: ApiClient;
  before(async function () {
    s = await createAdminStack();
    api = await s.signIn();
  });
  after(async function () {
    await s?.close();
  });

  it('POST /apps answers 201 with the token once; GET /apps never shows it', async function () {
    const r = await api.call('POST', '/api/v1/apps', { name: 'shop', title: 'Shop' });
    expect(r.status).to.equal(201);
    expect(r.body).to.have.all.keys('id', 'name', 'title', 'token');
    expect((r.body as { token: string }).token).to.match(/^[A-Za-z0-9_-]{43}$/);
    const list = await api.ok<Array<Record<string, unknown>>>('GET', '/api/v1/apps');
    const shop = list.find((a) => a.name === 'shop');
    expect(shop).to.have.all.keys('id', 'name', 'title', 'createdAt');
    expect(JSON.stringify(list)).to.not.include((r.body as { token: string }).token);
    const dup = await api.call('POST', '/api/v1/apps', { name: 'shop', title: 'Again' });
    expect(dup.status).to.equal(409);
    expect(dup.body).to.include({ code: 'OASIS_ERR_CONFLICT', error: 'Conflict' });
  });

  it('creates, lists, reads, updates and deletes a job', async function () {
    const created = await api.call('POST', '/api/v1/jobs', {
      app: 'shop',
      name: 'restock',
      handler: 'shop.restock',
      params: '{"sku":1}',
      schedule: { type: 'CRON', cron: '0 */10 * * * *', timezone: 'Asia/Tokyo' },
      timeoutMs: 30_000,
      misfire: { policy: 'SKIP', thresholdMs: 2000 },
    });
    expect(created.status).to.equal(201);
    const job = created.body as JobJson;
    expect(Object.keys(job)).to.deep.equal(JOB_KEYS);
    expect(job).to.include({ app: 'shop', name: 'restock', handler: 'shop.restock', enabled: true, version: 1, timeoutMs: 30_000 });
    expect(job.misfire).to.deep.equal({ policy: 'SKIP', thresholdMs: 2000 });
    expect(job.nextFireAt).to.be.a('number').and.greaterThan(Date.now());

    const list = await api.ok<JobJson[]>('GET', '/api/v1/jobs?app=shop');
    expect(list.map((j) => j.id)).to.deep.equal([job.id]);
    expect(await api.ok<JobJson[]>('GET', '/api/v1/jobs?app=nobody')).to.deep.equal([]);
    expect(await api.ok<JobJson>('GET', `/api/v1/jobs/${job.id}`)).to.deep.equal(job);

    const updated = await api.ok<JobJson>('PUT', `/api/v1/jobs/${job.id}`, {
      handler: 'shop.restock2',
      schedule: { type: 'FIXED_RATE', everyMs: 1000 },
    });
    expect(updated).to.include({ handler: 'shop.restock2', version: 2, name: 'restock' });
    expect(updated.schedule).to.deep.equal({ type: 'FIXED_RATE', everyMs: 1000 });

    expect((await api.call('DELETE', `/api/v1/jobs/${job.id}`)).status).to.equal(204);
    const gone = await api.call('GET', `/api/v1/jobs/${job.id}`);
    expect(gone.status).to.equal(404);
    expect(gone.body).to.include({ code: 'OASIS_ERR_NOT_FOUND', error: 'Not Found' });
  });

  it('stops and starts a job; a stopped job still triggers (202 {taskId}) and the task is listed', async function () {
    const job = await api.ok<JobJson>('POST', '/api/v1/jobs', {
      app: 'shop',
      name: 'ping',
      handler: 'shop.ping',
      schedule: { type: 'FIXED_RATE', everyMs: 3_600_000 },
    });
    await s.onlineWorker('shop');
    const stopped = await api.ok<JobJson>('POST', `/api/v1/jobs/${job.id}/stop`);
    expect(stopped).to.include({ enabled: false, nextFireAt: null, version: 2 });
    const trig = await api.call('POST', `/api/v1/jobs/${job.id}/trigger`, { params: 'once' });
    expect(trig.status).to.equal(202);
    const { taskId } = trig.body as { taskId: string };
    expect(taskId).to.be.a('string');
    const started = await api.ok<JobJson>('POST', `/api/v1/jobs/${job.id}/start`);
    expect(started).to.include({ enabled: true, version: 3 });
    expect(started.nextFireAt).to.be.a('number');

    const logs = await api.ok<{ items: Array<Record<string, unknown>>; total: number }>('GET', `/api/v1/logs?jobId=${job.id}&withTotal=1`);
    expect(logs.total).to.equal(1);
    expect(logs.items[0]).to.include({ id: taskId, jobId: job.id, status: 'QUEUED', triggerType: 'MANUAL', params: 'once' });
    expect(logs.items[0]).to.include.keys('scheduledAt', 'startedAt', 'finishedAt', 'workerId', 'attempt', 'result', 'error');
    expect(await api.ok('GET', `/api/v1/logs/${taskId}`)).to.include({ id: taskId, status: 'QUEUED' });
    expect(await api.ok('GET', `/api/v1/logs/${taskId}/text?from=0`)).to.deep.equal({ lines: [], from: 0, next: 0, more: false, done: false });
    expect((await api.call('GET', '/api/v1/logs/nope')).status).to.equal(404);
  });

  it('answers 400 OASIS_ERR_BAD_CRON with the reason, 400 for an unknown app and a bad time zone', async function () {
    const bad = await api.call('POST', '/api/v1/jobs', {
      app: 'shop',
      name: 'bad',
      handler: 'h',
      schedule: { type: 'CRON', cron: '0 0 31 2 *' },
    });
    expect(bad.status).to.equal(400);
    expect(bad.body).to.include({ statusCode: 400, code: 'OASIS_ERR_BAD_CRON', error: 'Bad Request' });
    expect((bad.body as { message: string }).message).to.match(/day of month/i);

    const unknown = await api.call('POST', '/api/v1/jobs', { app: 'nobody', name: 'x', handler: 'h', schedule: { type: 'NONE' } });
    expect(unknown.status).to.equal(400);
    expect(unknown.body).to.include({ code: 'OASIS_ERR_UNKNOWN_APP' });

    const tz = await api.call('POST', '/api/v1/jobs', {
      app: 'shop',
      name: 'tz',
      handler: 'h',
      schedule: { type: 'CRON', cron: '* * * * *', timezone: 'Nowhere/Land' },
    });
    expect(tz.status).to.equal(400);
    expect(tz.body).to.include({ code: 'OASIS_ERR_BAD_TIMEZONE' });

    const update = await api.call('PUT', '/api/v1/jobs/999999', { enabled: false });
    expect(update.status).to.equal(404);
  });

  it('GET /workers lists the workers, by app too', async function () {
    const all = await api.ok<Array<{ workerId: string; app: string }>>('GET', '/api/v1/workers');
    expect(all.map((w) => [w.app, w.workerId])).to.deep.equal([['shop', 'test-worker']]);
    expect(await api.ok('GET', '/api/v1/workers?app=nope')).to.deep.equal([]);
  });
});
