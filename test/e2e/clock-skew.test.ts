/**
 * One clock (issue 12): admin processes whose wall clock is wrong (libfaketime: 3 s fast, 3 s
 * slow, stepped by 5 s and back mid-run) fire on the Redis server's clock, not their own; a
 * worker whose clock is 3 s fast does not fake the lateness the admin records. The test's own
 * clock (and the in-test worker's) is the machine's, so the lateness it measures is real.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { ApiClient } from '../helpers/api-client.js';
import { createAppOn, createE2eWorld, type E2eWorld } from '../helpers/e2e-env.js';
import { skewedClock, steppingClock } from '../helpers/faketime.js';
import { runTs } from '../helpers/processes.js';
import { TEST_REDIS_URL } from '../helpers/redis.js';
import { sleep, waitFor } from '../helpers/wait.js';

const JOBS = 20;
/** How early a fire may start, at most (the bound). */
const EARLY_MS = 50;

interface Run {
  jobId: number;
  scheduledAt: number;
  /** startedAt - scheduledAt on the machine's clock. */
  lateMs: number;
}

function p99(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * 0.99))] ?? NaN;
}

interface Health {
  status: string;
  clock: { synced: boolean; offsetMs: number | null; rttMs: number | null };
}

async function health(url: string): Promise<Health> {
  return (await fetch(`${url}/healthz`)).json() as Promise<Health>;
}

function summary(runs: Run[]): string {
  const late = runs.map((r) => r.lateMs);
  return `${runs.length} fires, min ${Math.min(...late)} ms, p99 ${p99(late)} ms, max ${Math.max(...late)} ms`;
}

describe('e2e: one clock — admins and workers with a wrong wall clock', function () {
  this.timeout(120_000);
  let world: E2eWorld;
  let dir: string;

  beforeEach(async () => {
    world = await createE2eWorld();
    dir = await mkdtemp(join(tmpdir(), 'oasis-clock-'));
  });
  afterEach(async () => {
    await world.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  /** An in-test worker (the machine's clock) recording every run's lateness. */
  async function recordingWorker(url: string[], app: string, token: string): Promise<Run[]> {
    const runs: Run[] = [];
    const w = world.worker({ urls: url, app, token, concurrency: 64, workerId: 'clock-w' });
    w.handle('lat', (ctx) => {
      runs.push({ jobId: ctx.jobId, scheduledAt: ctx.scheduledAt, lateMs: Date.now() - ctx.scheduledAt });
      return 'ok';
    });
    await w.start();
    return runs;
  }

  async function createJobs(api: ApiClient, app: string, handler = 'lat'): Promise<number[]> {
    const ids: number[] = [];
    for (let i = 0; i < JOBS; i++) {
      const job = await api.ok<{ id: number }>('POST', '/api/v1/jobs', { app, name: `c${i}`, handler, schedule: { type: 'CRON', cron: '* * * * * *' } });
      ids.push(job.id);
    }
    return ids;
  }

  async function stopJobs(api: ApiClient, ids: number[]): Promise<void> {
    for (const id of ids) await api.ok('POST', `/api/v1/jobs/${id}/stop`);
    await sleep(1500);
  }

  function expectOnTime(runs: Run[], what: string): void {
    process.stdout.write(`      ${what}: ${summary(runs)}\n`);
    const early = runs.filter((r) => r.lateMs < -EARLY_MS);
    expect(early.length, `${what}: fires more than ${EARLY_MS} ms early (${summary(runs)})`).to.equal(0);
    expect(p99(runs.map((r) => r.lateMs)), `${what}: p99 lateness (${summary(runs)})`).to.be.below(1000);
    const seen = new Set(runs.map((r) => `${r.jobId}:${r.scheduledAt}`));
    expect(seen.size, `${what}: fires run twice`).to.equal(runs.length);
  }

  it('two admins, one 3 s fast: no fire runs early', async () => {
    const good = await world.startAdmin();
    const fast = await world.startAdmin(skewedClock('+3s'));
    const { api, token } = await createAppOn(good.url, 'skew');
    const runs = await recordingWorker([good.url, fast.url], 'skew', token);
    const ids = await createJobs(api, 'skew');
    await sleep(8000);
    await stopJobs(api, ids);
    expect(runs.length, 'fires run').to.be.at.least(JOBS * 5);
    expectOnTime(runs, 'one admin +3 s');
    // The fast admin knows, says so at start, and shows it.
    const h = await health(fast.url);
    expect(h.status).to.equal('ok');
    expect(h.clock.synced).to.equal(true);
    expect(Math.abs((h.clock.offsetMs as number) + 3000), `offset ${h.clock.offsetMs} ≈ -3000 ms`).to.be.below(100);
    expect(fast.output()).to.include("wall clock is off the Redis server's");
    expect((await health(good.url)).clock.offsetMs as number).to.be.within(-100, 100);
  });

  it('one admin 3 s slow: fires are not late', async () => {
    const slow = await world.startAdmin(skewedClock('-3s'));
    const { api, token } = await createAppOn(slow.url, 'slow');
    const runs = await recordingWorker([slow.url], 'slow', token);
    const ids = await createJobs(api, 'slow');
    await sleep(7000);
    await stopJobs(api, ids);
    expect(runs.length, 'fires run').to.be.at.least(JOBS * 4);
    expectOnTime(runs, 'admin -3 s');
  });

  it('one admin whose wall clock steps 5 s ahead and back mid-run: no fire early, none late', async () => {
    const clock = await steppingClock(join(dir, 'faketime'));
    const admin = await world.startAdmin(clock.env);
    const { api, token } = await createAppOn(admin.url, 'step');
    const runs = await recordingWorker([admin.url], 'step', token);
    const ids = await createJobs(api, 'step');
    await sleep(3000);
    await clock.step('+5s');
    await sleep(4000);
    await clock.step('+0');
    await sleep(4000);
    await stopJobs(api, ids);
    expect(runs.length, 'fires run').to.be.at.least(JOBS * 8);
    expectOnTime(runs, 'admin stepped +5 s and back');
    // Both steps were noticed and logged.
    const changes = admin.output().split('\n').filter((l) => l.includes("offset to the Redis server's clock changed"));
    expect(changes.length, `offset changes logged:\n${admin.output().slice(-3000)}`).to.be.at.least(2);
  });

  it('a worker 3 s fast: the lateness the admin records is the real one, and its offset is listed', async () => {
    const admin = await world.startAdmin();
    const { api, token } = await createAppOn(admin.url, 'wfast');
    const w = runTs(
      'test/e2e/fixtures/recording-worker.ts',
      {
        OASIS_URLS: admin.url,
        OASIS_APP: 'wfast',
        OASIS_TOKEN: token,
        OASIS_TEST_RECORD_KEY: `${world.prefix}record`,
        OASIS_TEST_REDIS_URL: TEST_REDIS_URL,
        OASIS_TEST_LOG: '0',
        OASIS_WORKER_ID: 'fast-worker',
        ...skewedClock('+3s'),
      },
    );
    world.procs.push(w);
    await waitFor(() => w.output().includes('worker started') || (w.child.exitCode !== null && Promise.reject(new Error(w.output()))), 20_000, 'worker start');
    const ids = await createJobs(api, 'wfast', 'record');
    await sleep(6000);
    const workers = await api.ok<{ workerId: string; clockOffsetMs?: number | null }[]>('GET', '/api/v1/workers?app=wfast');
    await stopJobs(api, ids);

    const records: { startedAt: number | null; finishedAt: number | null; scheduledAt: number; status: string }[] = [];
    for (const id of ids) records.push(...(await api.ok<{ items: typeof records }>('GET', `/api/v1/logs?jobId=${id}&limit=100`)).items);
    const done = records.filter((r) => r.status === 'SUCCESS' && r.startedAt !== null);
    expect(done.length, 'final records').to.be.at.least(JOBS * 3);
    const late = done.map((r) => (r.startedAt as number) - r.scheduledAt);
    const runs = done.map((r) => ({ jobId: 0, scheduledAt: r.scheduledAt, lateMs: (r.startedAt as number) - r.scheduledAt }));
    process.stdout.write(`      worker +3 s, as recorded: ${summary(runs)}; offset listed ${workers.find((x) => x.workerId === 'fast-worker')?.clockOffsetMs} ms\n`);
    expect(Math.min(...late), `recorded lateness (${summary(runs)})`).to.be.at.least(-EARLY_MS);
    expect(p99(late), `recorded p99 lateness (${summary(runs)})`).to.be.below(1000);
    expect(done.every((r) => (r.finishedAt as number) >= (r.startedAt as number)), 'finishedAt ≥ startedAt').to.equal(true);
    const offset = workers.find((x) => x.workerId === 'fast-worker')?.clockOffsetMs;
    expect(offset, 'the worker clock offset the admin lists').to.be.a('number');
    expect(Math.abs((offset as number) + 3000), `offset ${offset} ms ≈ -3000 ms`).to.be.below(100);
  });
});
