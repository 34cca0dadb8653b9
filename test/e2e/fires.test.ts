import { expect } from 'chai';
import type { ApiClient } from '../helpers/api-client.js';
import { makeKeys } from '../../server/src/store/keys.js';
import { createAppOn, createE2eWorld, type E2eWorld } from '../helpers/e2e-env.js';
import { runTs } from '../helpers/processes.js';
import { analyse, parseExecutions } from '../helpers/records.js';
import { TEST_REDIS_URL } from '../helpers/redis.js';
import { waitFor } from '../helpers/wait.js';

interface LogPage {
  items: { id: string; jobId: number; scheduledAt: number; status: string; workerId: string | null; startedAt: number | null }[];
  total: number;
}

describe('e2e: admin and worker as separate processes', function () {
  this.timeout(180_000);
  let world: E2eWorld;

  beforeEach(async () => {
    world = await createE2eWorld();
  });
  afterEach(async () => {
    await world.cleanup();
  });

  async function startWorker(urls: string[], token: string, app: string) {
    const w = runTs('test/e2e/fixtures/recording-worker.ts', {
      OASIS_URLS: urls.join(','),
      OASIS_APP: app,
      OASIS_TOKEN: token,
      OASIS_TEST_RECORD_KEY: `${world.prefix}record`,
      OASIS_TEST_REDIS_URL: TEST_REDIS_URL,
      OASIS_WORKER_ID: `w-${Math.random().toString(36).slice(2, 8)}`,
    });
    world.procs.push(w);
    await waitFor(async () => w.output().includes('worker started') || (w.child.exitCode !== null && Promise.reject(new Error(w.output()))), 20_000, 'worker start');
    return w;
  }

  async function executions() {
    return parseExecutions(await world.redis.lrange(`${world.prefix}record`, 0, -1));
  }

  async function finalRows(api: ApiClient, jobId: number): Promise<LogPage> {
    return api.ok<LogPage>('GET', `/api/v1/logs?jobId=${jobId}&limit=500&withTotal=1`);
  }

  it('fires a job every second N times: each once, 1000 ms apart, with N final rows in MySQL', async () => {
    const admin = await world.startAdmin();
    const { api, token } = await createAppOn(admin.url, 'e2e');
    await startWorker([admin.url], token, 'e2e');

    const job = await api.ok<{ id: number; nextFireAt: number }>('POST', '/api/v1/jobs', {
      app: 'e2e',
      name: 'every-second',
      handler: 'record',
      schedule: { type: 'CRON', cron: '* * * * * *' },
    });
    expect(job.nextFireAt).to.be.a('number');
    await waitFor(async () => (await executions()).length >= 6, 20_000, '6 executions');
    await api.ok('POST', `/api/v1/jobs/${job.id}/stop`);
    await new Promise((r) => setTimeout(r, 1500));

    const execs = await executions();
    const { byJob, duplicates, gaps } = analyse(execs, 1000);
    expect(duplicates, 'duplicate fires').to.equal(0);
    expect(gaps, 'missed fires').to.equal(0);
    const times = byJob.get(job.id) ?? [];
    expect(times.length).to.be.at.least(6);
    expect(times.every((t) => t % 1000 === 0), 'cron fires on whole seconds').to.equal(true);

    const rows = await waitFor(
      async () => {
        const page = await finalRows(api, job.id);
        return page.items.length === times.length && page.items.every((i) => i.status === 'SUCCESS') && page;
      },
      15_000,
      'final rows in MySQL',
    );
    expect(rows.total).to.equal(times.length);
    expect(rows.items.map((i) => i.scheduledAt).sort((a, b) => a - b)).to.deep.equal(times);
    for (const i of rows.items) expect(i.startedAt! - i.scheduledAt, 'lateness').to.be.below(1000);
    // The handler's ctx.log lines were persisted with every final record.
    for (const i of rows.items) {
      const text = await api.ok<{ lines: string[]; done: boolean }>('GET', `/api/v1/logs/${i.id}/text`);
      expect(text.done).to.equal(true);
      expect(text.lines.join('\n')).to.include(`recorded ${job.id} @ ${i.scheduledAt}`);
    }
  });

  it('a task whose worker is SIGKILLed mid-run ends LOST once the worker is gone for good, with a final record', async () => {
    const admin = await world.startAdmin();
    const { api, token } = await createAppOn(admin.url, 'lost');
    const worker = await startWorker([admin.url], token, 'lost');
    const job = await api.ok<{ id: number }>('POST', '/api/v1/jobs', { app: 'lost', name: 'slow', handler: 'sleep', schedule: { type: 'NONE' } });
    const { taskId } = await api.ok<{ taskId: string }>('POST', `/api/v1/jobs/${job.id}/trigger`, { params: '60000' });
    const running = await waitFor(
      async () => {
        const r = await api.ok<{ status: string; workerId: string }>('GET', `/api/v1/logs/${taskId}`);
        return r.status === 'RUNNING' && r;
      },
      10_000,
      'the task to run',
    );
    expect(running.workerId).to.match(/^w-/);
    // RUNNING from the pull on; killed before its ack it would go back to its queue, not end LOST.
    const taskKey = makeKeys(world.prefix).app('lost').task(taskId);
    await waitFor(async () => (await world.redis.hget(taskKey, 'ackBy')) === null, 10_000, 'the task to be acknowledged');
    await worker.kill('SIGKILL');
    const lost = await waitFor(
      async () => {
        const r = await api.ok<{ status: string; error: string; finishedAt: number }>('GET', `/api/v1/logs/${taskId}`);
        return r.status === 'LOST' && r;
      },
      20_000,
      'the task to be LOST',
    ).catch(async (err: Error) => {
      const r = await api.call('GET', `/api/v1/logs/${taskId}`);
      throw new Error(`${err.message}; last: ${JSON.stringify(r.body)}\n${admin.output().slice(-3000)}`);
    });
    // Retired by the sweep (silent past the TTL, or disconnected past the reconnect grace), not left to its lease.
    expect(lost.error).to.match(/stopped heartbeating|did not come back/);
    const workers = await api.ok<{ workerId: string; online: boolean }[]>('GET', '/api/v1/workers?app=lost');
    expect(workers.every((w) => !w.online)).to.equal(true);
  });

  it('loses and duplicates no fire when one of two admins is SIGKILLed mid-run', async () => {
    const a = await world.startAdmin();
    const b = await world.startAdmin();
    const { api, token } = await createAppOn(b.url, 'ha');
    // One worker on each admin; both fail over to the other.
    await startWorker([a.url, b.url], token, 'ha');
    await startWorker([b.url, a.url], token, 'ha');

    const jobs: number[] = [];
    for (let i = 0; i < 10; i++) {
      const j = await api.ok<{ id: number }>('POST', '/api/v1/jobs', {
        app: 'ha',
        name: `job-${i}`,
        handler: 'record',
        schedule: { type: 'FIXED_RATE', everyMs: 1000 },
      });
      jobs.push(j.id);
    }
    await new Promise((r) => setTimeout(r, 3500));
    await a.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 7000));
    for (const id of jobs) await api.ok('POST', `/api/v1/jobs/${id}/stop`);
    await new Promise((r) => setTimeout(r, 2000));

    const execs = await executions();
    const { byJob, duplicates, gaps } = analyse(execs, 1000);
    expect(duplicates, 'duplicate fires').to.equal(0);
    expect(gaps, 'lost fires').to.equal(0);
    for (const id of jobs) expect((byJob.get(id) ?? []).length, `fires of job ${id}`).to.be.at.least(9);

    // Every execution has exactly one final record, written by the surviving admin.
    await waitFor(
      async () => {
        for (const id of jobs) {
          const page = await finalRows(api, id);
          const finals = page.items.filter((i) => i.status !== 'QUEUED' && i.status !== 'RUNNING');
          if (finals.length !== (byJob.get(id) ?? []).length) return false;
        }
        return true;
      },
      30_000,
      'a final row for every execution',
    );
  });
});
