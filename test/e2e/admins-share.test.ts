/**
 * Admins share the work (issue 14 item 4): each app is claimed by one live admin (rendezvous
 * hashing over the live schedulers), so two admins split the apps instead of contending for
 * every claim. When one is killed (SIGKILL) its apps move to the survivor within ~2 s (3 ×
 * OASIS_ADMIN_LIVENESS_MS plus a beat); an admin that joins takes its share on its first beats.
 * Checked from the workers' own record: every fire runs once throughout, none lost, none twice.
 */
import { expect } from 'chai';
import { createAppOn, createE2eWorld, type E2eWorld } from '../helpers/e2e-env.js';
import { quietWorkerLogger } from '../helpers/loggers.js';
import { analyse, type Execution } from '../helpers/records.js';
import { sleep, waitFor } from '../helpers/wait.js';

const APPS = 8;
const JOBS_PER_APP = 3;

describe('e2e: admins share the apps; a dead one’s move to the others, a new one takes its share', function () {
  this.timeout(180_000);
  let world: E2eWorld;

  beforeEach(async () => {
    world = await createE2eWorld();
  });
  afterEach(async () => {
    await world.cleanup();
  });

  it('one claimer per app, both admins used; kill -9 → its apps move; a join takes apps; every fire once', async () => {
    const env = { OASIS_ADMIN_LIVENESS_MS: '500' };
    const a = await world.startAdmin(env);
    const b = await world.startAdmin(env);
    const execs: Execution[] = [];
    const jobs: { app: string; id: number }[] = [];
    let api = (await createAppOn(a.url, 'share-setup')).api;
    for (let i = 0; i < APPS; i++) {
      const app = `share${i}`;
      const made = await createAppOn(b.url, app);
      api = made.api;
      const w = world.worker({ urls: [a.url, b.url], app, token: made.token, concurrency: 50, logger: quietWorkerLogger, reconnectMinMs: 100, reconnectMaxMs: 500 });
      w.handle('rec', (ctx) => {
        execs.push({ jobId: ctx.jobId, scheduledAt: ctx.scheduledAt, taskId: ctx.taskId, startedAt: Date.now() });
        return 'ok';
      });
      await w.start();
      for (let j = 0; j < JOBS_PER_APP; j++) {
        const job = await api.ok<{ id: number }>('POST', '/api/v1/jobs', { app, name: `j${j}`, handler: 'rec', schedule: { type: 'FIXED_RATE', everyMs: 1000 } });
        jobs.push({ app, id: job.id });
      }
    }
    /** app → the admins that claimed its jobs' current fires. */
    const claimers = async () => {
      const by = new Map<string, Set<string>>();
      for (const j of jobs) {
        const who = await world.redis.hget(`${world.prefix}{${j.app}}:job:${j.id}`, 'claimedBy');
        const set = by.get(j.app) ?? new Set<string>();
        if (who) set.add(who);
        by.set(j.app, set);
      }
      return by;
    };
    await waitFor(async () => execs.length >= jobs.length * 3, 20_000, 'the jobs to fire');
    await sleep(2000);
    const before = await claimers();
    const all = new Set<string>();
    for (const [app, set] of before) {
      expect([...set], `claimers of ${app}`).to.have.length(1);
      all.add([...set][0] as string);
    }
    expect(all.size, 'apps claimed by both admins').to.equal(2);

    // Kill the admin that owns some apps: they move to the survivor.
    const killedAt = Date.now();
    await a.kill('SIGKILL');
    const survivor = await waitFor(async () => {
      const now = await claimers();
      const ids = new Set([...now.values()].flatMap((s) => [...s]));
      return ids.size === 1 && [...now.values()].every((s) => s.size === 1) && [...ids][0];
    }, 15_000, 'every app claimed by the survivor');
    const movedMs = Date.now() - killedAt;
    console.log(`      apps moved to the survivor ${movedMs} ms after the kill`);
    expect(movedMs, 'ownership moved within ~2 s (+ a fire period to see it)').to.be.below(5000);

    // A third admin joins: it takes a share of the apps.
    const c = await world.startAdmin(env);
    const joinedAt = Date.now();
    await waitFor(async () => {
      const now = await claimers();
      return [...now.values()].some((s) => [...s].some((id) => id !== survivor));
    }, 15_000, 'the new admin to claim an app');
    console.log(`      the new admin claimed its first app ${Date.now() - joinedAt} ms after /healthz answered`);
    await sleep(3000);
    const after = await claimers();
    const sharedBy = new Set([...after.values()].flatMap((s) => [...s]));
    expect(sharedBy.size, 'apps shared by the survivor and the newcomer').to.equal(2);
    void c;

    for (const j of jobs) await api.ok('POST', `/api/v1/jobs/${j.id}/stop`);
    await sleep(2000);
    const { byJob, duplicates, gaps } = analyse(execs, 1000);
    expect(duplicates, 'fires run twice').to.equal(0);
    expect(gaps, 'fires never run').to.equal(0);
    expect(byJob.size).to.equal(jobs.length);
  });
});
