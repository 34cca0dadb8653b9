import { expect } from 'chai';
import { createAppSchema, createJobSchema, triggerJobSchema, updateJobSchema, type CreateJobBody, type UpdateJobBody } from '@oasis/worker-client/contracts';
import { createAdminStack, type AdminStack } from '../helpers/admin-stack.js';
import { expectAppError } from '../helpers/expect-app-error.js';
import { parsed, withParsed } from '../helpers/parsed.js';

describe('JobService (MariaDB + Redis)', function () {
  let s: AdminStack;
  const cronJob = (over: Partial<CreateJobBody> = {}): CreateJobBody => ({
    app: 'billing',
    name: `job-${Math.random().toString(36).slice(2, 8)}`,
    handler: 'billing.charge',
    schedule: { type: 'CRON', cron: '*/5 * * * * *', timezone: 'Europe/Paris' },
    ...over,
  });
  // The service takes its input parsed, as the REST edge parses a body once; a refused body
  // rejects here like the service's own checks do.
  const create = (body: CreateJobBody) => withParsed(createJobSchema, body, (v) => s.services.jobs.create(v, s.adminUser));
  const update = (id: number, body: UpdateJobBody) => withParsed(updateJobSchema, body, (v) => s.services.jobs.update(id, v, s.adminUser));

  before(async function () {
    s = await createAdminStack();
    await s.services.apps.create(parsed(createAppSchema, { name: 'billing', title: 'Billing' }));
    await s.onlineWorker('billing');
  });
  after(async function () {
    await s?.close();
  });

  it('creates an enabled job with defaults and a next fire time', async function () {
    const before = Date.now();
    const job = await create(cronJob({ name: 'charge' }));
    expect(job).to.include({ app: 'billing', name: 'charge', handler: 'billing.charge', params: '', enabled: true, version: 1 });
    expect(job.routing).to.equal('BUSYOVER');
    expect(job.overlap).to.equal('ALLOW');
    expect(job.timeoutMs).to.equal(0);
    expect(job.misfire).to.deep.equal({ policy: 'SKIP', thresholdMs: s.config.misfireThresholdMs });
    expect(job.retry).to.include({ count: 0 });
    expect(job).to.include({ paused: false, script: null, scriptVersion: 0, skipNext: 0 });
    expect(job.nextFireAt).to.be.a('number');
    expect(job.nextFireAt!).to.be.greaterThan(before).and.at.most(before + 5000 + 1000);
    expect(job.nextFireAt! % 5000).to.equal(0);
    const again = await s.services.jobs.get(job.id);
    expect(again.nextFireAt).to.equal(job.nextFireAt);
    expect(again.schedule).to.deep.equal({ type: 'CRON', cron: '*/5 * * * * *', timezone: 'Europe/Paris' });
  });

  it('lists jobs, by app too', async function () {
    const a = await create(cronJob());
    const all = await s.services.jobs.list();
    expect(all.map((j) => j.id)).to.include(a.id);
    expect((await s.services.jobs.list({ app: 'billing' })).map((j) => j.id)).to.include(a.id);
    expect(await s.services.jobs.list({ app: 'nobody' })).to.deep.equal([]);
  });

  it('bumps the version on every change and keeps the hot copy in step', async function () {
    const job = await create(cronJob());
    const stopped = await s.services.jobs.stop(job.id);
    expect(stopped).to.include({ enabled: false, version: 2, nextFireAt: null });
    expect(await s.hot.nextFireAt('billing', job.id)).to.equal(null);
    const started = await s.services.jobs.start(job.id);
    expect(started).to.include({ enabled: true, version: 3 });
    expect(started.nextFireAt).to.be.a('number');
    const updated = await update(job.id, {
      schedule: { type: 'FIXED_RATE', everyMs: 60_000 },
      params: '{"a":1}',
      misfire: { policy: 'SKIP' },
    });
    expect(updated).to.include({ version: 4, params: '{"a":1}' });
    expect(updated.misfire).to.deep.equal({ policy: 'SKIP', thresholdMs: s.config.misfireThresholdMs });
    expect(updated.nextFireAt! - Date.now()).to.be.within(55_000, 60_001);
    const none = await update(job.id, { schedule: { type: 'NONE' } });
    expect(none.nextFireAt).to.equal(null);
  });

  it('refuses a bad cron with the parser reason, a bad time zone, an unknown app, oversized params', async function () {
    const bad = await expectAppError(
      create(cronJob({ schedule: { type: 'CRON', cron: '61 * * * *' } })),
      'OASIS_ERR_BAD_CRON',
    );
    expect(bad.message).to.match(/61/);
    await expectAppError(create(cronJob({ schedule: { type: 'CRON', cron: 'nope' } })), 'OASIS_ERR_BAD_CRON');
    await expectAppError(
      create(cronJob({ schedule: { type: 'CRON', cron: '0 0 * * *', timezone: 'Mars/Olympus' } })),
      'OASIS_ERR_BAD_TIMEZONE',
    );
    await expectAppError(create(cronJob({ app: 'nobody' })), 'OASIS_ERR_UNKNOWN_APP');
    await expectAppError(
      create(cronJob({ params: 'x'.repeat(s.config.maxParamsBytes + 1) })),
      'OASIS_ERR_VALIDATION',
    );
    await expectAppError(
      create(cronJob({ schedule: { type: 'FIXED_RATE', everyMs: 99 } })),
      'OASIS_ERR_VALIDATION',
    );
  });

  it('refuses a second job of the same name in an app, and a bad update leaves the job as it was', async function () {
    const job = await create(cronJob({ name: 'unique-one' }));
    await expectAppError(create(cronJob({ name: 'unique-one' })), 'OASIS_ERR_CONFLICT');
    await expectAppError(
      update(job.id, { schedule: { type: 'CRON', cron: '* * * * * * *' } }),
      'OASIS_ERR_BAD_CRON',
    );
    const still = await s.services.jobs.get(job.id);
    expect(still.version).to.equal(1);
    expect(still.schedule).to.deep.equal(job.schedule);
  });

  it('triggers a stopped job: the task shows in flight', async function () {
    const job = await create(cronJob({ enabled: false, params: 'p0' }));
    expect(job.nextFireAt).to.equal(null);
    const { taskId } = await s.services.jobs.trigger(job.id, parsed(triggerJobSchema, { params: 'p1' }));
    expect(taskId).to.be.a('string');
    const item = await s.services.logs.get(taskId);
    expect(item).to.include({ id: taskId, jobId: job.id, app: 'billing', status: 'QUEUED', triggerType: 'MANUAL' });
    const page = await s.services.logs.list({ jobId: job.id, limit: 10, withTotal: true });
    expect(page.items.map((i) => i.id)).to.deep.equal([taskId]);
    expect(page.total).to.equal(1);
  });

  it('deletes a job and forgets its hot copy; unknown ids are 404', async function () {
    const job = await create(cronJob());
    await s.services.jobs.delete(job.id);
    expect(await s.hot.nextFireAt('billing', job.id)).to.equal(null);
    await expectAppError(s.services.jobs.get(job.id), 'OASIS_ERR_NOT_FOUND');
    await expectAppError(s.services.jobs.delete(job.id), 'OASIS_ERR_NOT_FOUND');
    await expectAppError(s.services.jobs.start(job.id), 'OASIS_ERR_NOT_FOUND');
    await expectAppError(s.services.jobs.trigger(job.id), 'OASIS_ERR_NOT_FOUND');
  });

  it('stores every policy field; child jobs must exist and may not form a cycle', async function () {
    const a = await create(
      cronJob({
        overlap: 'BUFFER_ALL',
        routing: 'CONSISTENT_HASH',
        timeoutMs: 5000,
        retry: { count: 2, backoff: 'EXPONENTIAL', delayMs: 100, maxDelayMs: 2000, jitter: 0.2 },
        alarm: { emails: ['ops@example.com'], webhooks: ['http://127.0.0.1:9/hook'] },
      }));
    const again = await s.services.jobs.get(a.id);
    expect(again).to.deep.include({
      overlap: 'BUFFER_ALL',
      routing: 'CONSISTENT_HASH',
      retry: { count: 2, backoff: 'EXPONENTIAL', delayMs: 100, maxDelayMs: 2000, jitter: 0.2 },
      alarm: { emails: ['ops@example.com'], webhooks: ['http://127.0.0.1:9/hook'] },
      childOptions: { onFailure: false, passResult: false },
    });
    const b = await create(cronJob({ childJobIds: [a.id], childOptions: { passResult: true } }));
    expect(b.childJobIds).to.deep.equal([a.id]);
    const c = await create(cronJob({ childJobIds: [b.id] }));
    // a → c → b → a would close a cycle; so would a job being its own child.
    const err = await expectAppError(update(a.id, { childJobIds: [c.id] }), 'OASIS_ERR_VALIDATION');
    expect(err.message).to.match(/trigger itself/);
    await expectAppError(update(a.id, { childJobIds: [a.id] }), 'OASIS_ERR_VALIDATION');
    await expectAppError(create(cronJob({ childJobIds: [999_999] })), 'OASIS_ERR_VALIDATION');
    expect((await s.services.jobs.get(a.id)).childJobIds).to.deep.equal([]);
    await expectAppError(create(cronJob({ overlap: 'NOPE' as never })), 'OASIS_ERR_VALIDATION');
    await expectAppError(create(cronJob({ retry: { jitter: 2 } })), 'OASIS_ERR_VALIDATION');
    await expectAppError(create(cronJob({ alarm: { webhooks: ['ftp://x'] } })), 'OASIS_ERR_VALIDATION');
  });

  it('keeps the last 30 versions of a script job and lists them newest first', async function () {
    const job = await create(cronJob({ handler: undefined, script: { language: 'shell', source: 'echo 1' } }));
    expect(job).to.include({ handler: 'script', scriptVersion: 1 });
    for (let i = 2; i <= 32; i++) await update(job.id, { script: { language: 'shell', source: `echo ${i}` } });
    // An edit that leaves the script alone makes no version.
    await update(job.id, { params: 'x' });
    const versions = await s.services.jobs.scriptVersions(job.id);
    expect(versions).to.have.length(30);
    expect(versions[0]).to.include({ version: 32, source: 'echo 32', language: 'shell' });
    expect(versions[29]?.version).to.equal(3);
    expect((await s.services.jobs.get(job.id)).scriptVersion).to.equal(32);
    await expectAppError(create(cronJob({ handler: undefined })), 'OASIS_ERR_VALIDATION');
  });

  it('restores the hot copies Redis lost, and only those', async function () {
    const a = await create(cronJob());
    const b = await create(cronJob({ enabled: false }));
    expect(await s.services.jobs.restoreHotCopies()).to.deep.equal([]);
    // Redis loses job a's hot copy and schedule entry (e.g. restarted without persistence).
    const k = s.redis.keys.app('billing');
    await s.redis.redis.del(k.job(a.id));
    await s.redis.redis.zrem(k.schedule, String(a.id));
    expect(await s.hot.nextFireAt('billing', a.id)).to.equal(null);
    expect(await s.services.jobs.restoreHotCopies()).to.deep.equal([a.id]);
    expect(await s.hot.nextFireAt('billing', a.id)).to.be.a('number');
    expect(await s.hot.nextFireAt('billing', b.id)).to.equal(null);
  });
});
