/** The cluster's one clock, as the parts that read it see it (kept by `store/redis/redis-clock.ts`). */

/** The clock as `/healthz` (and the logs) show it. */
export interface ClockReading {
  /** An accepted measurement is younger than OASIS_CLOCK_STALE_MS: the admin claims and sweeps. */
  synced: boolean;
  /** The Redis server's clock minus this machine's wall clock (ms), at the last accepted measurement; null before one. */
  offsetMs: number | null;
  /** Round trip of that measurement (ms): the offset is right within half of it. */
  rttMs: number | null;
  /** How long ago that measurement was taken (ms); null before one. */
  ageMs: number | null;
  /** Why the last measurement was refused or failed; null when it was accepted. */
  error: string | null;
}
