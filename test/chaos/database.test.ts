/**
 * Chaos, the database: (d) no fault, one admin: final records reach MySQL within 1 s (p99) of
 * their end; (g) two admins' final writers at once: no deadlock; (i) the database hung (SIGSTOP):
 * `/healthz` answers 503 in time, API calls fail fast, nothing is lost after SIGCONT.
 */
import { expect } from 'chai';
import { sleep } from '../helpers/wait.js';
import { measure, watchWrites } from './harness/measure.js';
import { CHAOS, scaled } from './harness/settings.js';
import { chaosSuite } from './harness/suite.js';
import { expectPasses, report } from './harness/table.js';

/** A request's status and how long it took; status 0 when it had not answered after `limitMs`. */
async function timed(url: string, token: string, limitMs: number): Promise<{ status: number; ms: number }> {
  const t = Date.now();
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(limitMs) }).catch(() => null);
  await res?.text();
  return { status: res?.status ?? 0, ms: Date.now() - t };
}

const QUERY_TIMEOUT_MS = 2000;

chaosSuite('chaos: database', ({ scenario }) => {
  it('(d) no fault, one admin: every final record in MySQL within 1 s (p99) of its end', async () => {
    const s = scenario('(d) no fault, one admin');
    await s.setup(1);
    await watchWrites(s);
    await s.addWorker([0]);
    await s.createJobs();
    await s.runWindow(CHAOS.windowS);
    await s.settle();
    const row = await measure(s, 'one admin, one worker, default writers');
    report(row);
    expectPasses(row, { recordP99Ms: 1000 });
  });

  it('(g) two final writers (2 admins × OASIS_WRITERS=2) write every record with no deadlock', async () => {
    const s = scenario('(g) 2 admins writing finals');
    await s.setup(2);
    await watchWrites(s);
    await s.addWorker([0, 1]);
    await s.addWorker([1, 0]);
    await s.createJobs();
    await s.runWindow(CHAOS.windowS);
    await s.settle();
    const row = await measure(s, '2 admins, 2 workers; 4 writer loops on one consumer group');
    report(row);
    expectPasses(row);
  });

  it('(i) database hung: /healthz 503 in time, API calls fail fast, nothing lost after SIGCONT', async () => {
    const hangS = scaled(20, 8);
    const s = scenario(`(i) MariaDB SIGSTOP ${hangS} s`, { OASIS_DB_QUERY_TIMEOUT_MS: String(QUERY_TIMEOUT_MS) });
    await s.setup(1);
    await s.addWorker([0]);
    await s.createJobs();
    const url = s.admins[0]!.url;
    let health = { status: -1, ms: 0 };
    let calls: { status: number; ms: number }[] = [];
    let after = { status: -1, ms: 0 };
    await s.runWindow(CHAOS.windowS, async (at) => {
      await at(scaled(5, 3));
      const t = Date.now();
      s.stores.db.hang();
      // Let writers and API requests pile up on the hung server first.
      await sleep(3000);
      health = await timed(`${url}/healthz`, '', 15_000);
      calls = await Promise.all(Array.from({ length: 20 }, () => timed(`${url}/api/v1/jobs?app=chaos&limit=5`, s.apiTokenForTests(), 35_000)));
      await at(scaled(5, 3) + hangS);
      s.stores.db.wake();
      s.fault('database hung', t);
      after = await timed(`${url}/healthz`, '', 15_000);
    });
    await s.settle();
    const slowest = Math.max(...calls.map((c) => c.ms));
    const row = await measure(s, `one admin; query timeout ${QUERY_TIMEOUT_MS} ms; during the hang /healthz ${health.status} in ${health.ms} ms, 20 API calls: statuses ${[...new Set(calls.map((c) => c.status))].join('/')}, slowest ${slowest} ms; after SIGCONT /healthz ${after.status}`);
    report(row);
    expectPasses(row);
    expect(health.status, '/healthz during the hang').to.equal(503);
    expect(health.ms, '/healthz answers within its probe time').to.be.at.most(3000);
    expect(calls.every((c) => c.status !== 0 && c.status < 500 || c.status === 503), 'API calls answer (4xx or 503), none hangs').to.equal(true);
    expect(slowest, 'API calls fail within the query timeout (+1 s)').to.be.at.most(QUERY_TIMEOUT_MS + 1000);
    expect(after.status, '/healthz after SIGCONT').to.equal(200);
  });
});
