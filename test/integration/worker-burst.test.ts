/**
 * A burst larger than a worker's concurrency runs without waiting for the poll timer. The admin
 * counts a slot as held until the task's result is accepted. A pull sent while results are on
 * their way can therefore come back short though tasks are queued, and the SDK pulls again
 * once the admin has acknowledged those results. Real admin in process, SDK worker, real stores.
 */
import { expect } from 'chai';
import { OasisWorker } from '@oasis/worker-client';
import { startInProcessAdmin, type InProcessAdmin } from '../helpers/in-process-admin.js';
import { quietWorkerLogger } from '../helpers/loggers.js';
import { waitFor } from '../helpers/wait.js';

describe('worker: a burst beyond its concurrency (real admin, SDK worker)', function () {
  this.timeout(60_000);
  let s: InProcessAdmin;
  let worker: OasisWorker | null = null;

  before(async () => {
    s = await startInProcessAdmin();
  });
  after(async () => {
    await worker?.stop({ timeoutMs: 0 });
    await s?.close();
  });

  it('runs the fires beyond its free slots as soon as slots free up, not at the next poll', async () => {
    const { token } = await s.api.ok<{ token: string }>('POST', '/api/v1/apps', { name: 'burst' });
    const late: number[] = [];
    // A poll far away: only wakes and freed slots make this worker pull.
    worker = new OasisWorker({ urls: [s.admin.url], app: 'burst', token, concurrency: 2, pollMs: 60_000, workerId: 'burst-w', logger: quietWorkerLogger });
    worker.handle('work', async (ctx) => {
      late.push(Date.now() - ctx.scheduledAt);
      await new Promise((r) => setTimeout(r, 30));
      return 'ok';
    });
    await worker.start();
    // Six fires on the same millisecond, every second: one wake each second, three rounds of two.
    const ids: number[] = [];
    for (let i = 0; i < 6; i++) {
      ids.push((await s.api.ok<{ id: number }>('POST', '/api/v1/jobs', { app: 'burst', name: `b${i}`, handler: 'work', schedule: { type: 'CRON', cron: '* * * * * *' } })).id);
    }
    await waitFor(() => late.length >= 18, 20_000, 'three seconds of fires');
    for (const id of ids) await s.api.ok('POST', `/api/v1/jobs/${id}/stop`);
    // Each round is pulled once the round before it was reported: some 30-100 ms a round.
    expect(Math.max(...late.slice(6)), `lateness of the fires after the first second: ${late.join(',')}`).to.be.below(500);
  });
});
