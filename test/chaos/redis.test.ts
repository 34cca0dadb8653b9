/**
 * Chaos, Redis: (f) Redis killed and restarted from an AOF that lost its last second (a host
 * crash under `appendfsync everysec`); (h) Redis killed and restarted with its whole AOF.
 */
import { expect } from 'chai';
import { sleep } from '../helpers/wait.js';
import { measure } from './harness/measure.js';
import { CHAOS } from './harness/settings.js';
import { chaosSuite } from './harness/suite.js';
import { expectPasses, report } from './harness/table.js';
import type { Scenario } from './harness/world.js';

function expectAdminsAlive(s: Scenario): void {
  const dead = s.admins.filter((a) => !a.proc || a.proc.child.exitCode !== null).map((_, i) => i);
  expect(dead, 'admins that exited').to.deep.equal([]);
}

chaosSuite('chaos: redis', ({ scenario }) => {
  it('(f) Redis restarted after losing the last second of its AOF: no fire recorded in MySQL runs again', async () => {
    const s = scenario('(f) Redis loses last 1 s of AOF');
    await s.setup(1);
    await s.addWorker([0]);
    await s.createJobs();
    await s.runWindow(CHAOS.windowS, async (at) => {
      await at(CHAOS.windowS / 3);
      await s.stores.redis.snapshotAof();
      await sleep(1000);
      const t = Date.now();
      await s.stores.redis.signal('SIGKILL');
      await s.stores.redis.restoreAof();
      await s.stores.redis.restart();
      s.fault('redis rolled back 1 s', t);
    });
    await s.settle();
    const replayed = s.workers.reduce((n, w) => n + (w.proc?.output().match(/^replayed: /gm)?.length ?? 0), 0);
    const row = await measure(s, `one admin, one worker; AOF copied, 1 s later kill -9 + older AOF restored; ${replayed} fires handed out again answered from the worker's memory`);
    report(row);
    expectPasses(row);
    expectAdminsAlive(s);
  });

  it('(h) Redis restart: no unhandled error events, nothing lost or doubled', async () => {
    const s = scenario('(h) Redis kill -9, back 2 s later');
    await s.setup(2);
    await s.addWorker([0, 1]);
    await s.createJobs();
    await s.runWindow(CHAOS.windowS, async (at) => {
      await at(CHAOS.windowS / 3);
      const t = Date.now();
      await s.stores.redis.signal('SIGKILL');
      await sleep(2000);
      await s.stores.redis.restart();
      s.fault('redis down', t);
    });
    await s.settle();
    const row = await measure(s, '2 admins, 1 worker; appendfsync always, so nothing acknowledged is lost');
    report(row);
    expectPasses(row);
    expectAdminsAlive(s);
  });
});
