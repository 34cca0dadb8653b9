import type { LuaReply } from './scripts.js';

/**
 * What a task script asks the admin to do afterwards (see `lua/include/task.lua`): wake workers
 * of queued tasks, tell workers to abort tasks that ended without them (kill, timeout watchdog,
 * overlap CANCEL_OTHER), and wake schedulers when a job got a new next fire (FIXED_DELAY).
 */
export interface Effects {
  /** Targets to wake: worker ids, '' for the app's shared queue. */
  wake: string[];
  /** Tasks whose worker must abort them: [taskId, workerId]. */
  kill: [string, string][];
  /** A job of the app got a new next fire outside the scheduler. */
  resched: boolean;
}

export const NO_EFFECTS: Effects = Object.freeze({ wake: [], kill: [], resched: false }) as Effects;

/** Splits a script's JSON reply `{r, wake, kill, resched}` into its result and its effects. */
export function parseEffects<T>(reply: LuaReply): { r: T; effects: Effects } {
  const o = JSON.parse(String(reply)) as { r: T; wake?: unknown; kill?: unknown; resched?: boolean };
  // cjson encodes an empty Lua table as {}: treat anything but an array as empty.
  return {
    r: o.r,
    effects: {
      wake: Array.isArray(o.wake) ? o.wake.map(String) : [],
      kill: Array.isArray(o.kill) ? (o.kill as unknown[][]).map((k) => [String(k[0]), String(k[1])]) : [],
      resched: o.resched === true,
    },
  };
}

/** True when there is nothing to do. */
export function isEmpty(e: Effects): boolean {
  return e.wake.length === 0 && e.kill.length === 0 && !e.resched;
}

/** A seed for math.random inside a script (RANDOM routing, retry jitter). */
export function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 31);
}
