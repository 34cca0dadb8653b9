import { expect } from 'chai';
import { dayRange, lastDays, utcDay } from '../../server/src/domain/days.js';
import { silentLogger } from '../../server/src/domain/logger.js';
import type { TaskStatus } from '../../server/src/domain/types.js';
import { Sweeper } from '../../server/src/maintenance/sweeper.js';
import { WorkerRegistry } from '../../server/src/registry/worker-registry.js';
import { ReportService } from '../../server/src/services/report-service.js';
import { createRepositories, openDatabase, type FinalRecord, type Repositories } from '../../server/src/store/db/index.js';
import { createHotStore } from '../../server/src/store/redis/hot-store.js';
import { LeaderLock } from '../../server/src/store/redis/leader-lock.js';
import { createAdminStack, type AdminStack } from '../helpers/admin-stack.js';
import { ApiClient } from '../helpers/api-client.js';
import { finalRecord } from '../helpers/final-records.js';
import { waitFor } from '../helpers/wait.js';
import { createAppSchema } from '@oasis/worker-client/contracts';
import { parsed } from '../helpers/parsed.js';

const DAY = 24 * 3600 * 1000;
let seq = 0;

function rec(jobId: number, appId: number, status: TaskStatus, scheduledAt: number): FinalRecord {
  return finalRecord({ id: `${jobId}-r${++seq}`, jobId, appId, status, scheduledAt, startedAt: scheduledAt, finishedAt: scheduledAt + 1 });
}

const zero = { SUCCESS: 0, FAILED: 0, TIMEOUT: 0, KILLED: 0, LOST: 0, DISCARDED: 0, NO_WORKER: 0 };

/** Writes a fixed set of records around `now`: today, yesterday (just before midnight), 3 and 10 days ago. */
async function seed(repos: Repositories, now: number, apps: { a: number; b: number }): Promise<FinalRecord[]> {
  const today = dayRange(utcDay(now)).start;
  const records = [
    rec(1, apps.a, 'SUCCESS', today + 1000),
    rec(1, apps.a, 'SUCCESS', today + 2000),
    rec(1, apps.a, 'FAILED', today + 3000),
    rec(2, apps.b, 'TIMEOUT', today + 4000),
    rec(1, apps.a, 'SUCCESS', today - 1), // yesterday, last millisecond
    rec(2, apps.b, 'NO_WORKER', today - DAY),
    rec(1, apps.a, 'LOST', today - 3 * DAY + 5),
    rec(1, apps.a, 'SUCCESS', today - 10 * DAY),
  ];
  await repos.logs.writeFinals(records, []);
  return records;
}

describe('daily report: recounted per UTC day, job and status', function () {
  this.timeout(30_000);

  it('recounts yesterday only early in the day (late records), today always', async () => {
    const refreshed: string[] = [];
    const at = (iso: string) =>
      new ReportService({
        reports: { refreshDay: async (day: string) => void refreshed.push(day) } as never,
        apps: {} as never,
        now: () => Date.parse(iso),
      });
    await at('2026-11-25T01:00:00Z').refresh();
    expect(refreshed).to.deep.equal(['2026-11-24', '2026-11-25']);
    refreshed.length = 0;
    await at('2026-11-25T12:00:00Z').refresh();
    expect(refreshed).to.deep.equal(['2026-11-25']);
  });

  describe('on MariaDB, through the API', () => {
    let s: AdminStack;
    let api: ApiClient;
    let ids: { a: number; b: number };
    beforeEach(async () => {
      s = await createAdminStack();
      await s.services.apps.create(parsed(createAppSchema, { name: 'rep-a', title: 'A' }));
      await s.services.apps.create(parsed(createAppSchema, { name: 'rep-b', title: 'B' }));
      ids = { a: (await s.repos.apps.idOf('rep-a'))!, b: (await s.repos.apps.idOf('rep-b'))! };
      api = await s.signIn();
    });
    afterEach(async () => {
      await s.close();
    });

    it('is counted up by the writer as records arrive, without a refresh; a batch written twice counts once', async () => {
      const now = Date.now();
      const records = await seed(s.repos, now, ids);
      await s.repos.logs.writeFinals(records.slice(0, 3), []); // a redelivery
      const today = (await s.services.reports.daily({ days: 1 })).days[0]!;
      expect(today.counts).to.deep.equal({ ...zero, SUCCESS: 2, FAILED: 1, TIMEOUT: 1 });
      const before = (await s.services.reports.daily({ days: 11 })).days.map((d) => d.total);
      await s.services.reports.refresh(lastDays(11, now));
      expect((await s.services.reports.daily({ days: 11 })).days.map((d) => d.total)).to.deep.equal(before);
    });

    it('counts records per day and status; recounting after a redelivery or a refresh changes nothing', async () => {
      const now = Date.now();
      const records = await seed(s.repos, now, ids);
      const days = lastDays(11, now);
      await s.services.reports.refresh(days);
      // The writer may deliver a batch twice: same rows, same counts.
      await s.repos.logs.writeFinals(records, []);
      await s.services.reports.refresh(days);
      await s.services.reports.refresh(); // today (and yesterday early in the day) again

      const week = await api.ok<{ days: { day: string; counts: Record<string, number>; total: number }[] }>('GET', '/api/v1/reports/daily?days=7');
      expect(week.days.map((d) => d.day)).to.deep.equal(lastDays(7, now));
      const at = (back: number) => week.days[6 - back]!;
      expect(at(0)).to.deep.equal({ day: utcDay(now), counts: { ...zero, SUCCESS: 2, FAILED: 1, TIMEOUT: 1 }, total: 4, duplicates: 0 });
      expect(at(1).counts).to.deep.equal({ ...zero, SUCCESS: 1, NO_WORKER: 1 });
      expect(at(2)).to.deep.include({ total: 0, counts: zero });
      expect(at(3)).to.deep.include({ total: 1, counts: { ...zero, LOST: 1 } });

      const month = await api.ok<{ days: { day: string; total: number }[] }>('GET', '/api/v1/reports/daily?days=30');
      expect(month.days).to.have.length(30);
      expect(month.days.reduce((n, d) => n + d.total, 0)).to.equal(8);

      const appB = await api.ok<{ days: { total: number; counts: Record<string, number> }[] }>('GET', '/api/v1/reports/daily?days=7&app=rep-b');
      expect(appB.days.map((d) => d.total)).to.deep.equal([0, 0, 0, 0, 0, 1, 1]);
      const job1 = await api.ok<{ days: { total: number }[] }>('GET', '/api/v1/reports/daily?days=7&jobId=1');
      expect(job1.days.map((d) => d.total)).to.deep.equal([0, 0, 0, 1, 0, 1, 3]);
      const none = await api.ok<{ days: { total: number }[] }>('GET', '/api/v1/reports/daily?days=7&app=rep-none');
      expect(none.days.map((d) => d.total)).to.deep.equal([0, 0, 0, 0, 0, 0, 0]);

      // More records later: the next refresh recounts them.
      await s.repos.logs.writeFinals([rec(2, ids.b, 'SUCCESS', dayRange(utcDay(now)).start + 9000)], []);
      await s.services.reports.refresh([utcDay(now)]);
      const again = await api.ok<{ days: { total: number; counts: Record<string, number> }[] }>('GET', '/api/v1/reports/daily?days=7');
      expect(again.days[6]).to.deep.include({ total: 5 });
      expect(again.days[6]!.counts['SUCCESS']).to.equal(3);
    });

    it('refuses other ranges and unknown query fields', async () => {
      for (const q of ['days=8', 'days=abc', 'jobId=0', 'app=Bad_Name', 'foo=1']) {
        const r = await api.call('GET', `/api/v1/reports/daily?${q}`);
        expect(r.status, q).to.equal(400);
        expect((r.body as { code: string }).code).to.equal('OASIS_ERR_VALIDATION');
      }
      expect((await new ApiClient(s.baseUrl).call('GET', '/api/v1/reports/daily')).status).to.equal(401);
    });

    it('is refreshed by the maintenance leader', async () => {
      const now = Date.now();
      await seed(s.repos, now, ids);
      const hot = createHotStore(s.redis.redis, s.redis.keys);
      const sweeper = new Sweeper({
        apps: () => hot.schedule.apps(),
        tasks: hot.tasks,
        registry: new WorkerRegistry({ workers: hot.workers, apps: () => hot.schedule.apps(), config: s.config, effects: s.effects, logger: silentLogger }),
        lock: new LeaderLock(s.redis.redis, s.redis.keys.maintenanceLock, 3000),
        config: { sweepMs: 50, workerTtlMs: 15_000, noWorkerGraceMs: 30_000 },
        logger: silentLogger,
        effects: s.effects,
        chores: [{ name: 'daily-report', everyMs: 60_000, run: () => s.services.reports.refresh(lastDays(2, Date.now())) }],
      });
      sweeper.start();
      try {
        await waitFor(async () => (await s.services.reports.daily({ days: 2 })).days[1]!.total === 4, 10_000, 'report refreshed by the leader');
      } finally {
        await sweeper.stop();
      }
      expect((await s.services.reports.daily({ days: 2 })).days[0]!.total).to.equal(2);
    });
  });

  it('works the same on SQLite', async () => {
    const db = await openDatabase('sqlite::memory:');
    try {
      await db.sync();
      const repos = createRepositories(db);
      const now = Date.UTC(2026, 10, 25, 12);
      await seed(repos, now, { a: 1, b: 2 });
      const reports = new ReportService({ reports: repos.reports, apps: { idOf: async (n) => (n === 'b' ? 2 : null) }, now: () => now });
      await reports.refresh(lastDays(11, now));
      await reports.refresh(lastDays(11, now));
      const week = await reports.daily({ days: 7 });
      expect(week.days.map((d) => d.total)).to.deep.equal([0, 0, 0, 1, 0, 2, 4]);
      expect(week.days[6]!.counts).to.deep.equal({ ...zero, SUCCESS: 2, FAILED: 1, TIMEOUT: 1 });
      expect((await reports.daily({ days: 7, app: 'b' })).days.map((d) => d.total)).to.deep.equal([0, 0, 0, 0, 0, 1, 1]);
      // A non-admin's apps: only b is readable, so asking for a yields nothing.
      expect((await reports.daily({ days: 7, app: 'a', apps: ['b'] })).days.every((d) => d.total === 0)).to.equal(true);
    } finally {
      await db.close();
    }
  });
});
