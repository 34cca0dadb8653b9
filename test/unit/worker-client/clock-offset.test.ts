import { expect } from 'chai';
import { ClockOffset } from '../../../worker-client/src/clock-offset.js';

describe('worker-client: clock offset from heartbeat answers', () => {
  it('knows nothing before a sample, and ignores answers without a usable now (older admins)', () => {
    const c = new ClockOffset();
    expect(c.offsetMs).to.equal(undefined);
    c.add(1000, 1010, undefined);
    c.add(1000, 1010, 'x');
    c.add(1000, 1010, Number.NaN);
    expect(c.offsetMs).to.equal(undefined);
  });

  it('takes the midpoint of the round trip, and the sample with the shortest one', () => {
    const c = new ClockOffset();
    // The admin's clock is 3000 ms behind ours; the answers were stamped at different points of their trips.
    c.add(10_000, 10_040, 10_000 - 3000 + 35); // long trip, stamped late: -2985
    c.add(20_000, 20_004, 20_000 - 3000 + 2); // short trip: -3000
    c.add(30_000, 30_020, 30_000 - 3000 + 5); // -3005
    expect(c.offsetMs).to.equal(-3000);
  });

  it('starts over when a sample cannot agree with the kept ones: the wall clock stepped', () => {
    const c = new ClockOffset();
    c.add(10_000, 10_002, 10_001 + 250);
    expect(c.offsetMs).to.equal(250);
    // Our clock stepped 5 s ahead: the admin's now is 5 s less ahead of us.
    c.add(20_000, 20_010, 20_005 + 250 - 5000);
    expect(c.offsetMs).to.equal(-4750);
    // A worse (longer) sample that agrees is kept but does not win.
    c.add(30_000, 30_030, 30_015 - 4750 + 10);
    expect(c.offsetMs).to.equal(-4750);
  });

  it('drops every sample when the clock went back during a call', () => {
    const c = new ClockOffset();
    c.add(10_000, 10_002, 10_001);
    c.add(20_000, 19_000, 20_000);
    expect(c.offsetMs).to.equal(undefined);
  });

  it('keeps the last 8 samples only: a better one of long ago does not stay forever', () => {
    const c = new ClockOffset();
    c.add(0, 0, 0); // rtt 0, offset 0
    for (let i = 1; i <= 8; i++) c.add(i * 1000, i * 1000 + 4, i * 1000 + 2 + 3); // rtt 4, offset 3
    expect(c.offsetMs).to.equal(3);
  });
});
