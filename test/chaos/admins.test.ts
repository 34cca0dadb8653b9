/**
 * Chaos, admins: (b) the admin a worker uses frozen (SIGSTOP) for 20 s, the worker given both
 * admins' URLs; (e) kill -9 of one of 3 admins every 5 s, each restarted at once on its port.
 */
import { measure } from './harness/measure.js';
import { CHAOS, scaled } from './harness/settings.js';
import { chaosSuite } from './harness/suite.js';
import { expectPasses, report } from './harness/table.js';

chaosSuite('chaos: admins', ({ scenario }) => {
  it('(b) SIGSTOP for 20 s of the admin the worker is connected to (2 admins): no NO_WORKER, nothing unrun, p99 lateness ≤ 5 s', async () => {
    const freezeS = scaled(20, 8);
    const s = scenario(`(b) SIGSTOP ${freezeS} s of the worker's admin`);
    await s.setup(2);
    // The worker connects to its first URL: admin 0.
    await s.addWorker([0, 1]);
    await s.createJobs();
    await s.runWindow(CHAOS.windowS, async (at) => {
      await at(scaled(7, 3));
      const t = Date.now();
      s.freezeAdmin(0);
      await at(scaled(7, 3) + freezeS);
      s.thawAdmin(0);
      s.fault('admin 0 frozen', t);
    });
    await s.settle();
    const row = await measure(s, `2 admins, 1 worker (URLs of both); admin 0 SIGSTOP ${freezeS} s`);
    report(row);
    expectPasses(row, { p99LateMs: 5000 });
  });

  it('(e) kill -9 of one of 3 admins every 5 s: nothing lost or doubled, p99 lateness ≤ 1.5 s', async () => {
    const s = scenario('(e) kill -9 one of 3 admins every 5 s');
    await s.setup(3);
    await s.addWorker([0, 1, 2]);
    await s.addWorker([1, 2, 0]);
    await s.createJobs();
    const restarts: Promise<void>[] = [];
    let kills = 0;
    await s.runWindow(CHAOS.windowS, async (at) => {
      for (let k = 0; 2 + 5 * k <= CHAOS.windowS - 5; k++) {
        await at(2 + 5 * k);
        const i = k % 3;
        const t = Date.now();
        await s.killAdmin(i);
        s.fault(`admin ${i} killed`, t);
        kills++;
        restarts.push(s.startAdmin(i));
      }
    });
    await Promise.all(restarts);
    await s.settle();
    const row = await measure(s, `3 admins, 2 workers (URLs of all); ${kills} kills, each admin restarted at once`);
    report(row);
    expectPasses(row, { p99LateMs: 1500 });
  });
});
