/**
 * The sweeps wait for a reconcile (issue 11, Redis data loss): while the app's `epoch` is another
 * server run's (Redis restarted or came back from older data, the reconcile not sealed yet), a
 * task of the older data whose lease ran out may have ended and been recorded already, so
 * reap-expired.lua ends nothing LOST or TIMEOUT (a second record) and requeue-unacked.lua puts
 * nothing back; once sealed they do their work. Without an epoch key (a fresh Redis) they run.
 */
import { expect } from 'chai';
import { createHotStore, type HotStore } from '../../server/src/store/redis/hot-store.js';
import { addNoneJob, addWorker, enqueueManual } from '../helpers/hot-fixtures.js';
import { sealEpoch } from '../helpers/epoch.js';
import { createTestRedis, type TestRedis } from '../helpers/redis.js';

const APP = 'sweep-epoch';
const NOW = 1_700_000_000_000;
const TTL = 15_000;
const ACK_MS = 3000;
const LEASE = 30_000;

describe('lua: lease and delivery sweeps wait while the epoch is another run\'s', function () {
  this.timeout(30_000);
  let t: TestRedis;
  let hot: HotStore;
  const k = () => t.keys.app(APP);

  beforeEach(async () => {
    t = createTestRedis();
    hot = createHotStore(t.redis, t.keys);
    await addNoneJob(hot, APP, 1);
    await addWorker(hot, APP, 'w1', 4, NOW);
    for (const id of ['1-A', '1-B']) await enqueueManual(hot, APP, 1, id, NOW);
    // 1-A running under a lease, 1-B delivered and never acknowledged.
    expect(await hot.tasks.pull(APP, 'w1', 2, NOW, ACK_MS).then((g) => (g ?? []).map((x) => x.id))).to.have.members(['1-A', '1-B']);
    expect(await hot.tasks.ack(APP, 'w1', ['1-A'], NOW, LEASE, 5000)).to.deep.equal(['1-A']);
  });
  afterEach(async () => {
    await t.cleanup();
  });

  const finals = async () => (await t.redis.xrange(k().finals, '-', '+')).length;
  const later = NOW + LEASE + 60_000;

  it('end nothing and put nothing back until the reconcile seals the epoch, then do', async () => {
    await t.redis.set(k().epoch, 'a-server-run-that-is-gone');
    expect((await hot.tasks.reapExpired(APP, later, TTL, 0)).lost).to.deep.equal([]);
    expect((await hot.tasks.requeueUnacked(APP, later, TTL)).requeued).to.deep.equal([]);
    expect(await finals(), 'no record while unreconciled').to.equal(0);
    expect(await hot.tasks.get(APP, '1-A')).to.include({ status: 'RUNNING' });

    await sealEpoch(hot, APP);
    expect((await hot.tasks.reapExpired(APP, later, TTL, 0)).lost).to.deep.equal(['1-A']);
    expect((await hot.tasks.requeueUnacked(APP, later, TTL)).requeued).to.deep.equal(['1-B']);
    expect(await finals()).to.equal(1);
  });

  it('run on a fresh Redis (no epoch key yet)', async () => {
    expect((await hot.tasks.reapExpired(APP, later, TTL, 0)).lost).to.deep.equal(['1-A']);
    expect((await hot.tasks.requeueUnacked(APP, later, TTL)).requeued).to.deep.equal(['1-B']);
  });
});
