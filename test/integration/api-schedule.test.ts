import { expect } from 'chai';
import { createAdminStack, type AdminStack } from '../helpers/admin-stack.js';
import type { ApiClient } from '../helpers/api-client.js';

interface Fires {
  fires: number[];
  basis?: string;
  skipNext?: number;
}

const HOUR = 3_600_000;

describe('API: schedule previews (next-fires, preview)', function () {
  let s: AdminStack;
  let admin: ApiClient;
  let viewer: ApiClient;
  let other: ApiClient;

  before(async function () {
    s = await createAdminStack();
    admin = await s.signIn();
    await admin.ok('POST', '/api/v1/apps', { name: 'prev', title: 'Previews' });
    await admin.ok('POST', '/api/v1/apps', { name: 'elsewhere', title: 'Other' });
    await admin.ok('POST', '/api/v1/users', { username: 'vera', password: 'viewer-pass', role: 'VIEWER', apps: ['prev'] });
    await admin.ok('POST', '/api/v1/users', { username: 'otto', password: 'viewer-pass', role: 'VIEWER', apps: ['elsewhere'] });
    viewer = await s.signIn('vera', 'viewer-pass');
    other = await s.signIn('otto', 'viewer-pass');
  });
  after(async function () {
    await s?.close();
  });

  const createJob = (name: string, schedule: unknown, extra: Record<string, unknown> = {}) =>
    admin.ok<{ id: number; nextFireAt: number | null }>('POST', '/api/v1/jobs', { app: 'prev', name, handler: 'h', schedule, ...extra });

  describe('POST /api/v1/schedule/preview', () => {
    it('answers the next fires of a cron in its zone (default 5)', async () => {
      const r = await viewer.ok<Fires>('POST', '/api/v1/schedule/preview', {
        schedule: { type: 'CRON', cron: '0 0 9 * * *', timezone: 'Asia/Tokyo' },
      });
      expect(r.fires).to.have.length(5);
      expect(r.fires[0]).to.be.above(Date.now());
      for (const t of r.fires) expect(new Date(t).getUTCHours()).to.equal(0); // 09:00 JST
      for (let i = 1; i < r.fires.length; i++) expect((r.fires[i] as number) - (r.fires[i - 1] as number)).to.equal(24 * HOUR);
    });

    it('honours count, startAt, endAt and maxRuns', async () => {
      const startAt = Date.UTC(2030, 0, 1);
      const r = await admin.ok<Fires>('POST', '/api/v1/schedule/preview', {
        schedule: { type: 'FIXED_RATE', everyMs: HOUR, startAt, endAt: startAt + 10 * HOUR },
        count: 20,
      });
      expect(r.fires).to.deep.equal(Array.from({ length: 11 }, (_, k) => startAt + k * HOUR));
      const capped = await admin.ok<Fires>('POST', '/api/v1/schedule/preview', {
        schedule: { type: 'FIXED_RATE', everyMs: HOUR, startAt, maxRuns: 2 },
        count: 20,
      });
      expect(capped.fires).to.deep.equal([startAt, startAt + HOUR]);
    });

    it('previews ONCE and NONE', async () => {
      const at = Date.now() + 86_400_000;
      expect((await admin.ok<Fires>('POST', '/api/v1/schedule/preview', { schedule: { type: 'ONCE', at } })).fires).to.deep.equal([at]);
      expect((await admin.ok<Fires>('POST', '/api/v1/schedule/preview', { schedule: { type: 'NONE' } })).fires).to.deep.equal([]);
    });

    it('answers 400 with the precise reason for a bad cron, zone, window, instant or count', async () => {
      const cases: [unknown, string, RegExp][] = [
        [{ schedule: { type: 'CRON', cron: '0 0 25 * * *' } }, 'OASIS_ERR_BAD_CRON', /^Cron "0 0 25 \* \* \*" is not valid: /],
        [{ schedule: { type: 'CRON', cron: '* * *' } }, 'OASIS_ERR_BAD_CRON', /must have 5 or 6 fields/],
        [{ schedule: { type: 'CRON', cron: '* * * * *', timezone: 'Mars/Olympus' } }, 'OASIS_ERR_BAD_TIMEZONE', /Unknown time zone "Mars\/Olympus"/],
        [
          { schedule: { type: 'FIXED_RATE', everyMs: 1000, startAt: 2_000_000_000_000, endAt: 1_900_000_000_000 } },
          'OASIS_ERR_VALIDATION',
          /^schedule\.endAt \(2030-03-17T17:46:40\.000Z\) must be after schedule\.startAt \(2033-05-18T03:33:20\.000Z\)$/,
        ],
        [{ schedule: { type: 'ONCE', at: 1_000_000_000_000 } }, 'OASIS_ERR_VALIDATION', /^schedule\.at \(2001-09-09T01:46:40\.000Z\) is in the past$/],
        [{ schedule: { type: 'NONE' }, count: 101 }, 'OASIS_ERR_VALIDATION', /^body\.count: /],
        [{ schedule: { type: 'FIXED_RATE', everyMs: 5 } }, 'OASIS_ERR_VALIDATION', /^body\.schedule\.everyMs: /],
        [{}, 'OASIS_ERR_VALIDATION', /^body\.schedule: /],
      ];
      for (const [body, code, message] of cases) {
        const r = await admin.call('POST', '/api/v1/schedule/preview', body);
        expect(r.status, JSON.stringify(body)).to.equal(400);
        expect(r.body).to.have.all.keys('statusCode', 'code', 'error', 'message');
        expect(r.body, JSON.stringify(body)).to.include({ statusCode: 400, code });
        expect((r.body as { message: string }).message, JSON.stringify(body)).to.match(message);
      }
    });
  });

  describe('GET /api/v1/jobs/:id/next-fires', () => {
    it('starts from the job pending fire (basis "next") and follows its plan', async () => {
      const job = await createJob('rate', { type: 'FIXED_RATE', everyMs: HOUR });
      const r = await viewer.ok<Fires>('GET', `/api/v1/jobs/${job.id}/next-fires?count=3`);
      expect(r).to.deep.equal({
        fires: [job.nextFireAt as number, (job.nextFireAt as number) + HOUR, (job.nextFireAt as number) + 2 * HOUR],
        basis: 'next',
        skipNext: 0,
        complete: true,
      });
    });

    it('for a stopped job, answers the plan fires from now (basis "now")', async () => {
      const job = await createJob('stopped', { type: 'CRON', cron: '0 0 * * * *' }, { enabled: false });
      expect(job.nextFireAt).to.equal(null);
      const r = await admin.ok<Fires>('GET', `/api/v1/jobs/${job.id}/next-fires`);
      expect(r.basis).to.equal('now');
      expect(r.fires).to.have.length(5);
      expect(r.fires[0]).to.be.above(Date.now() - 1000);
      for (const t of r.fires) expect(t % HOUR).to.equal(0);
    });

    it('stops at maxRuns', async () => {
      const job = await createJob('capped', { type: 'FIXED_RATE', everyMs: HOUR, maxRuns: 2 });
      const r = await admin.ok<Fires>('GET', `/api/v1/jobs/${job.id}/next-fires?count=10`);
      expect(r.fires).to.have.length(2);
    });

    it('answers 400 for a bad count, 404 for an unknown job, the same 404 to a user who may not read the job', async () => {
      const job = await createJob('guarded', { type: 'NONE' });
      for (const q of ['count=0', 'count=101', 'count=abc', 'count=5&x=1']) {
        const r = await admin.call('GET', `/api/v1/jobs/${job.id}/next-fires?${q}`);
        expect(r.status, q).to.equal(400);
        expect(r.body, q).to.include({ code: 'OASIS_ERR_VALIDATION' });
      }
      expect((await admin.call('GET', '/api/v1/jobs/999999/next-fires')).status).to.equal(404);
      // Another app's job does not exist for this user: the same 404 as an unknown id.
      const hidden = await other.call('GET', `/api/v1/jobs/${job.id}/next-fires`);
      expect(hidden.status).to.equal(404);
      expect(hidden.body).to.include({ code: 'OASIS_ERR_NOT_FOUND' });
      expect(await admin.ok<Fires>('GET', `/api/v1/jobs/${job.id}/next-fires`)).to.deep.equal({ fires: [], basis: 'now', skipNext: 0, complete: true });
    });
  });

  it('an update of another field keeps a ONCE schedule whose instant has passed; a new past instant is refused', async () => {
    const job = await createJob('once', { type: 'ONCE', at: Date.now() + 60_000 });
    // Make the stored instant lie in the past, as after the job ran, by saving it straight in the database.
    const past = Date.now() - 60_000;
    await s.db.models.Job.update({ schedule: JSON.stringify({ type: 'ONCE', at: past }) }, { where: { id: job.id } });
    const renamed = await admin.call('PUT', `/api/v1/jobs/${job.id}`, { name: 'once-renamed' });
    expect(renamed.status).to.equal(200);
    const moved = await admin.call('PUT', `/api/v1/jobs/${job.id}`, { schedule: { type: 'ONCE', at: past - 1 } });
    expect(moved.status).to.equal(400);
    expect((moved.body as { message: string }).message).to.match(/is in the past$/);
  });
});
