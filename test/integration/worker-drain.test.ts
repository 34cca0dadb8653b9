/**
 * A graceful stop tells the admin's workers to drain: two admins in this process on one Redis
 * prefix and database, a real SDK worker, and the first admin stopped under it while a task
 * runs. The worker gets `drain` and stops pulling from the stopping admin; knowing another admin,
 * it moves there, and its running task's result is recorded once.
 */
import { expect } from 'chai';
import { OasisWorker } from '@oasis/worker-client';
import type { RunningAdmin } from '../../server/src/main.js';
import { ApiClient } from '../helpers/api-client.js';
import { startInProcessAdmin, type InProcessAdmin } from '../helpers/in-process-admin.js';
import { TEST_ADMIN_PASSWORD } from '../helpers/stores.js';
import { waitFor } from '../helpers/wait.js';

describe('worker drain: an admin stopped under a real SDK worker', function () {
  this.timeout(60_000);
  let world: InProcessAdmin;
  let first: RunningAdmin;
  let second: RunningAdmin;
  let api: ApiClient;
  let worker: OasisWorker | undefined;
  let release: () => void = () => {};
  const jobs = { slow: 0, quick: 0 };
  let token = '';
  /** What the worker logged at info level (the drain notice among it). */
  let infos: string[];
  let started: string[];
  let connections: string[];

  beforeEach(async () => {
    world = await startInProcessAdmin({ env: { OASIS_HEARTBEAT_MS: '500', OASIS_TASK_LEASE_MS: '20000', OASIS_WORKER_TTL_MS: '20000' } });
    first = world.admin;
    second = await world.another();
    api = await ApiClient.signedIn(second.url, 'admin', TEST_ADMIN_PASSWORD);
    token = (await api.ok<{ token: string }>('POST', '/api/v1/apps', { name: 'drain' })).token;
    for (const name of ['slow', 'quick'] as const) {
      jobs[name] = (await api.ok<{ id: number }>('POST', '/api/v1/jobs', { app: 'drain', name, handler: name, schedule: { type: 'NONE' } })).id;
    }
    infos = [];
    started = [];
    connections = [];
  });
  afterEach(async () => {
    release();
    await worker?.stop({ timeoutMs: 0 });
    worker = undefined;
    await world?.close();
  });

  function startWorker(urls: string[]): Promise<void> {
    const w = new OasisWorker({
      urls,
      app: 'drain',
      token,
      pollMs: 100,
      ackTimeoutMs: 1000,
      killGraceMs: 100,
      reconnectMinMs: 50,
      reconnectMaxMs: 200,
      logger: { info: (m) => infos.push(m) },
    });
    worker = w;
    const gate = new Promise<void>((r) => (release = r));
    w.handle('slow', () => gate.then(() => 'finished after the drain'));
    w.handle('quick', () => 'quick');
    w.on('task:start', (t) => started.push(t.id));
    w.on('connected', ({ adminId }) => connections.push(adminId));
    return w.start();
  }

  async function trigger(job: 'slow' | 'quick'): Promise<string> {
    return (await api.ok<{ taskId: string }>('POST', `/api/v1/jobs/${jobs[job]}/trigger`, {})).taskId;
  }
  const record = (taskId: string) => api.ok<{ status: string; result: string | null }>('GET', `/api/v1/logs/${taskId}`);
  const drained = () => infos.some((m) => m.startsWith('the admin asked to drain'));

  it('moves the worker to the other admin; its running task is recorded once, new work comes from there', async () => {
    await startWorker([first.url, second.url]);
    expect(connections).to.deep.equal([first.adminId]);
    const slow = await trigger('slow');
    await waitFor(() => started.includes(slow), 10_000, 'the slow task to start', 20);

    const stopping = first.stop();
    await waitFor(() => connections.includes(second.adminId), 10_000, 'the worker on the second admin', 20);
    expect(drained(), 'the worker was told to drain').to.equal(true);
    await stopping;

    const quick = await trigger('quick');
    await waitFor(async () => (await record(quick)).status === 'SUCCESS', 10_000, 'a new task run through the second admin');
    release();
    const done = await waitFor(async () => {
      const r = await record(slow);
      return r.status === 'SUCCESS' && r;
    }, 10_000, 'the slow task recorded');
    expect(done.result).to.equal('finished after the drain');
    const all = await api.ok<{ items: { id: string }[]; total: number }>('GET', `/api/v1/logs?jobId=${jobs.slow}`);
    expect(all.items.map((i) => i.id), 'recorded once').to.deep.equal([slow]);
  });

  it('pulls nothing more from a draining admin it cannot leave (its only URL), even when woken', async () => {
    await startWorker([first.url]);
    const slow = await trigger('slow');
    await waitFor(() => started.includes(slow), 10_000, 'the slow task to start', 20);

    const stopping = first.stop();
    await waitFor(drained, 5000, 'the drain notice', 5);
    // Queued through the other admin while this one still holds the socket: its wake reaches the
    // worker (Redis adapter), and so does the worker's poll, within the stop's grace.
    const quick = await trigger('quick');
    await stopping;
    expect(started, 'nothing pulled after the drain').to.deep.equal([slow]);
    expect((await record(quick)).status).to.not.equal('RUNNING');
  });
});
