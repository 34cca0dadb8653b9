import { expect } from 'chai';
import { LeaderLock } from '../../server/src/store/redis/leader-lock.js';
import { createTestRedis, type TestRedis } from '../helpers/redis.js';

describe('maintenance leader lock (redlock on real Redis)', () => {
  let t: TestRedis;
  beforeEach(() => {
    t = createTestRedis();
  });
  afterEach(async () => {
    await t.cleanup();
  });

  it('one admin leads at a time; the lock passes on when released or expired', async () => {
    const key = `${t.prefix}lock:maintenance`;
    const a = new LeaderLock(t.redis, key, 300);
    const b = new LeaderLock(t.connect(), key, 300);
    expect(await a.holdOrAcquire()).to.equal(true);
    expect(await a.holdOrAcquire(), 'the leader extends its lock').to.equal(true);
    expect(await b.holdOrAcquire()).to.equal(false);
    await a.release();
    expect(await b.holdOrAcquire()).to.equal(true);
    // b dies without releasing: after the TTL a takes over.
    await new Promise((r) => setTimeout(r, 400));
    expect(await a.holdOrAcquire()).to.equal(true);
    await a.release();
  });
});
