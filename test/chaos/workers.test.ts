/**
 * Chaos, workers: (a) the only worker SIGKILLed and restarted 3 s later with the same identity;
 * (c) tasks pulled in the instant their admin died, then in the instant their worker died;
 * (j) a busy worker is not a dead one: a handler blocking its event loop for 25 s.
 */
import { expect } from 'chai';
import { sleep, waitFor } from '../helpers/wait.js';
import { measure, readExecutions } from './harness/measure.js';
import { CHAOS } from './harness/settings.js';
import { chaosSuite } from './harness/suite.js';
import { expectPasses, report } from './harness/table.js';

chaosSuite('chaos: workers', ({ scenario }) => {
  it('(a) worker SIGKILL, restarted 3 s later (one worker): nothing unrun, no NO_WORKER, LOST only for its running tasks, retried', async () => {
    const s = scenario('(a) worker SIGKILL, back 3 s later');
    await s.setup(1);
    const w = await s.addWorker([0]);
    await s.createJobs();
    await s.runWindow(CHAOS.windowS, async (at) => {
      await at(CHAOS.windowS / 3);
      const t = Date.now();
      await s.killWorker(w);
      await sleep(3000);
      await s.startWorker(w);
      s.fault('worker down', t);
    });
    await s.settle();
    const row = await measure(s, 'one admin, one worker');
    report(row);
    expectPasses(row, { lostAllowed: true });
  });

  it('(c) tasks pulled in the instant their admin died, then their worker died: never LOST unless they ran, never unrun', async () => {
    const s = scenario('(c) kill at pull time (2 admins, then a worker)');
    await s.setup(2);
    await s.addWorker([0, 1]);
    const w2 = await s.addWorker([1, 0]);
    await s.createJobs();
    const restarts: Promise<void>[] = [];
    await s.runWindow(CHAOS.windowS, async (at) => {
      // SIGSTOP first, SIGKILL 200 ms later: pulls whose script already ran in Redis but whose
      // reply had not yet gone out (admin) or had not yet been read (worker) die with the process.
      for (const i of [0, 1]) {
        await at(((i + 1) * CHAOS.windowS) / 4);
        const t = Date.now();
        s.freezeAdmin(i);
        await sleep(200);
        await s.killAdmin(i);
        s.fault(`admin ${i} frozen then killed`, t);
        restarts.push(s.startAdmin(i));
      }
      await at((3 * CHAOS.windowS) / 4);
      const t = Date.now();
      w2.proc?.child.kill('SIGSTOP');
      await sleep(200);
      await s.killWorker(w2);
      await sleep(3000);
      await s.startWorker(w2);
      s.fault('worker w2 frozen, killed, back 3 s later', t);
    });
    await Promise.all(restarts);
    await s.settle();
    const row = await measure(s, '2 admins, 2 workers (URLs of both); each admin SIGSTOP+SIGKILL (restarted), then w2 SIGSTOP+SIGKILL, back 3 s later');
    report(row);
    expectPasses(row, { lostAllowed: true });
  });

  it('(j) a handler blocking its worker\'s event loop for 25 s is never LOST and never run twice', async () => {
    const blockMs = 25_000;
    const s = scenario('(j) handler blocks its event loop 25 s');
    await s.setup(1);
    await s.addWorker([0]);
    await s.addWorker([0]);
    await s.createJobs();
    const busy = await s.api().ok<{ id: number }>('POST', '/api/v1/jobs', { app: 'chaos', name: 'busy', handler: 'block', schedule: { type: 'NONE' } });
    let taskId = '';
    await s.runWindow(CHAOS.windowS, async (at) => {
      await at(2);
      const t = Date.now();
      taskId = (await s.api().ok<{ taskId: string }>('POST', `/api/v1/jobs/${busy.id}/trigger`, { params: String(blockMs) })).taskId;
      await sleep(blockMs);
      s.fault('a worker blocked', t);
    });
    await s.settle();
    const busyRows = await waitFor(async () => {
      const rows = await s.stores.db.query<{ id: string; status: string; attempt: number }[]>(s.dbName, 'SELECT id, status, attempt FROM oasis_job_log WHERE job_id = ?', [busy.id]);
      return rows.some((r) => r.status !== 'LOST' || r.attempt > 1) && rows;
    }, 60_000, 'the busy task\'s final record');
    const busyRuns = (await readExecutions(s.recordFiles())).filter((e) => e.jobId === busy.id);
    const row = await measure(s, `one admin, 2 workers; one of them runs a ${blockMs / 1000} s CPU-bound handler: its records ${busyRows.map((r) => `${r.status}#${r.attempt}`).join(', ')}, run ${busyRuns.length}×`);
    report(row);
    expect(busyRows.map((r) => [r.id, r.status]), 'the busy task ends SUCCESS, once').to.deep.equal([[taskId, 'SUCCESS']]);
    expect(busyRuns.length, 'the busy task runs once').to.equal(1);
    // The other fires: the blocked worker's own queued and running tasks wait for it, late but run.
    expectPasses(row);
  });
});
