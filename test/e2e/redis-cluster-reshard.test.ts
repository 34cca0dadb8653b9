/**
 * Redis Cluster resharding under load (issue 14 item 1): two admins on a private 3-master
 * cluster fire 100 jobs of one app every second while `redis-cli --cluster reshard` moves the
 * app's slot to another master and back, three times, one key per MIGRATE (so the slot stays
 * half-moved as long as possible). While a slot moves, Redis answers every script of the app
 * TRYAGAIN (each declares the app's fence keys, which never exist) and the client retries; single
 * commands follow ASK and MOVED. Checked from the worker's own record: no fire lost, none twice.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { createAppOn, createE2eWorld, type E2eWorld } from '../helpers/e2e-env.js';
import { startPrivateCluster, slotOf, type PrivateCluster } from '../helpers/private-cluster.js';
import { runTs } from '../helpers/processes.js';
import { analyse, parseExecutions } from '../helpers/records.js';
import { TEST_REDIS_URL } from '../helpers/redis.js';
import { sleep, waitFor } from '../helpers/wait.js';

const JOBS = 100;
const MOVES = 6;

/** An app name whose slot is among the lowest 64 (the slots `reshard` moves first from its master). */
function lowSlotApp(): { app: string; slot: number } {
  for (let i = 0; ; i++) {
    const app = `rs${i}`;
    const slot = slotOf(app);
    if (slot < 64) return { app, slot };
  }
}

describe('e2e: a live app’s slot resharded between cluster nodes loses and doubles no fire [own Redis]', function () {
  this.timeout(180_000);
  let world: E2eWorld;
  let cluster: PrivateCluster;

  beforeEach(async () => {
    world = await createE2eWorld();
    cluster = await startPrivateCluster(join(tmpdir(), `oasis-reshard-${process.pid}-${Date.now()}`));
  });
  afterEach(async () => {
    await world.cleanup();
    await cluster.stop();
  });

  it(`every fire runs exactly once while the app's slot moves ${MOVES} times`, async () => {
    const { app, slot } = lowSlotApp();
    const env = { OASIS_REDIS_URL: '', OASIS_REDIS_CLUSTER_NODES: cluster.seeds };
    const a1 = await world.startAdmin(env);
    const a2 = await world.startAdmin(env);
    const { api, token } = await createAppOn(a1.url, app);
    const worker = runTs('test/e2e/fixtures/recording-worker.ts', {
      OASIS_URLS: `${a1.url},${a2.url}`,
      OASIS_APP: app,
      OASIS_TOKEN: token,
      OASIS_CONCURRENCY: '200',
      OASIS_TEST_RECORD_KEY: `${world.prefix}record`,
      OASIS_TEST_REDIS_URL: TEST_REDIS_URL,
    });
    world.procs.push(worker);
    await waitFor(() => worker.output().includes('worker started'), 20_000, 'worker start');
    const ids: number[] = [];
    for (let i = 0; i < JOBS; i++) {
      ids.push((await api.ok<{ id: number }>('POST', '/api/v1/jobs', { app, name: `r${i}`, handler: 'record', schedule: { type: 'FIXED_RATE', everyMs: 1000 } })).id);
    }
    const executions = async () => parseExecutions(await world.redis.lrange(`${world.prefix}record`, 0, -1));
    await waitFor(async () => (await executions()).length >= JOBS * 2, 20_000, 'the jobs to fire');

    const first = await cluster.ownerOf(slot);
    const other = cluster.nodes.map((n) => n.port).find((p) => p !== first) as number;
    const owners: number[] = [];
    for (let m = 0; m < MOVES; m++) {
      const [from, to] = m % 2 === 0 ? [first, other] : [other, first];
      // The lowest slots of `from` up to the app's: the app's slot is among them.
      const below = (await cluster.slotsOf(from)).filter((s) => s <= slot).length;
      await cluster.reshard(from, to, below, 1);
      owners.push(await cluster.ownerOf(slot));
      await sleep(1500);
    }
    expect(owners, 'the slot moved each time').to.deep.equal(Array.from({ length: MOVES }, (_, m) => (m % 2 === 0 ? other : first)));
    await sleep(2000);

    for (const id of ids) await api.ok('POST', `/api/v1/jobs/${id}/stop`);
    await sleep(2000);
    const { byJob, duplicates, gaps } = analyse(await executions(), 1000);
    expect(duplicates, 'fires run twice').to.equal(0);
    expect(gaps, 'fires never run').to.equal(0);
    expect(byJob.size).to.equal(JOBS);
    for (const [, times] of byJob) expect(times.length).to.be.at.least(2 + (MOVES * 1500) / 1000);
    for (const a of [a1, a2]) expect((await fetch(`${a.url}/healthz`)).status).to.equal(200);
  });
});
