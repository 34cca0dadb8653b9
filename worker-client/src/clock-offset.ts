/**
 * The cluster's clock (the Redis server's, as the admins keep it) minus this worker's wall
 * clock, measured from heartbeat round trips: each answer carries the admin's `now`, and the
 * moment it was taken lies between the heartbeat's send and its answer, so `now - midpoint` is
 * right within half the round trip. The sample with the shortest round trip among the last few
 * wins; a sample that cannot agree with the kept ones (the wall clock stepped) starts them over.
 * The admin adds the offset, sent with the next heartbeat, to the times this worker reports.
 */

/** Samples kept: the best of them is the offset. */
const KEEP = 8;
/** What two samples may disagree by beyond their round trips before the clock is taken to have stepped. */
const SLACK_MS = 5;

interface Sample {
  offset: number;
  rtt: number;
}

export class ClockOffset {
  private samples: Sample[] = [];

  /** The measured offset (whole ms), undefined before a first sample. */
  get offsetMs(): number | undefined {
    let best: Sample | undefined;
    for (const s of this.samples) if (!best || s.rtt < best.rtt) best = s;
    return best && Math.round(best.offset);
  }

  /**
   * One round trip: sent and answered at `sentAt` and `answeredAt` (this worker's wall clock),
   * the admin's `now` in between. Answers without a usable `now` (older admins) are ignored.
   */
  add(sentAt: number, answeredAt: number, now: unknown): void {
    if (typeof now !== 'number' || !Number.isFinite(now)) return;
    const rtt = answeredAt - sentAt;
    if (rtt < 0) {
      // The wall clock went back during the call: nothing measured holds any more.
      this.samples = [];
      return;
    }
    const s = { offset: now - (sentAt + answeredAt) / 2, rtt };
    if (this.samples.some((k) => Math.abs(k.offset - s.offset) > (k.rtt + s.rtt) / 2 + SLACK_MS)) this.samples = [];
    this.samples.push(s);
    if (this.samples.length > KEEP) this.samples.shift();
  }
}
