import type { EffectsReply } from './script-header.js';

/**
 * What a task script asks the admin to do afterwards (see `lua/include/context.lua`): wake workers
 * of queued tasks, tell workers to abort tasks that ended without them (kill, timeout watchdog,
 * overlap CANCEL_OTHER), and wake schedulers when a job got a new next fire (FIXED_DELAY) or a
 * retry was planned.
 */
export interface Effects {
  /** Targets to wake: worker ids, '' for the app's shared queue. */
  wake: string[];
  /** Tasks whose worker must abort them: [taskId, workerId]. */
  kill: [string, string][];
  /** A job of the app got a new next fire outside the scheduler, or a retry was planned. */
  resched: boolean;
}

/** The effects of a decoded reply of a script "with effects". */
export function effectsOf(reply: EffectsReply): Effects {
  return {
    wake: reply.wake.map(String),
    kill: reply.kill.map((k) => [String(k.taskId), String(k.workerId)]),
    resched: reply.resched,
  };
}

