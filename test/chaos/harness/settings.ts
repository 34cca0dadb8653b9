/**
 * How big a chaos run is. Full (`npm run test:chaos`): 300 jobs every second, each scenario fires
 * for 45 s. Short (`OASIS_CHAOS_SHORT=1`, what CI runs): 100 jobs, 15 s, outages scaled down; the
 * same assertions.
 */
export const SHORT = process.env.OASIS_CHAOS_SHORT === '1';

export const CHAOS = Object.freeze({
  /** Jobs of the app, each FIXED_RATE 1000 ms (phases spread over the second by creation time). */
  jobs: Number(process.env.OASIS_CHAOS_JOBS ?? (SHORT ? 100 : 300)),
  /** Seconds of the measured window (fires scheduled in it are the ones checked). */
  windowS: SHORT ? 15 : 45,
  /** Seconds of firing before the window opens. */
  warmupS: 3,
  /** Most seconds after the window to wait for every fire's final record (the task lease is 30 s). */
  settleS: 45,
  /** How long the handler works after recording (ms): long enough that some tasks are running at a kill. */
  handlerMs: 100,
  /** Slots of each worker. */
  concurrency: 1000,
  /** A fire that starts later than this is "late" for the recovery time. */
  lateMs: 1000,
});

/** `full` seconds in the full run, `short` in the short one. */
export const scaled = (full: number, short: number): number => (SHORT ? short : full);
