/**
 * Chaos, workers: (a) the only worker SIGKILLed and restarted 3 s later with the same identity;
 * (c) tasks pulled in the instant their admin died, then in the instant their worker died.
 */
import { sleep } from '../helpers/wait.js';
import { measure } from './harness/measure.js';
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

  it('(c) a task pulled in the instant its admin died, then its worker died: never LOST unless it ran, never unrun', async () => {
    const s = scenario('(c) kill at pull time (admin, then worker)');
    await s.setup(2);
    await s.addWorker([0, 1]);
    const w2 = await s.addWorker([1, 0]);
    await s.createJobs();
    await s.runWindow(CHAOS.windowS, async (at) => {
      await at(CHAOS.windowS / 3);
      let t = Date.now();
      await s.killAdmin(0);
      s.fault('admin 0 killed', t);
      await at((2 * CHAOS.windowS) / 3);
      t = Date.now();
      await s.killWorker(w2);
      await sleep(3000);
      await s.startWorker(w2);
      s.fault('worker w2 down', t);
    });
    await s.settle();
    const row = await measure(s, '2 admins, 2 workers; admin 0 kill -9, later w2 kill -9 + back 3 s later');
    report(row);
    expectPasses(row, { lostAllowed: true });
  });
});
