import type { Effects } from '../store/redis/effects.js';

export type { Effects } from '../store/redis/effects.js';

/** Receives what task scripts ask for afterwards (wake workers, abort tasks, wake schedulers). */
export type EffectsListener = (app: string, effects: Effects) => void;

/** Where effects go: the worker gateway (wake / kill) and the schedulers of every admin. */
export interface EffectsTargets {
  wake(app: string, targets: string[]): void;
  kill(app: string, workerId: string, taskId: string, reason: string): void;
  rescheduled(app: string): void;
}

/** One listener that fans effects out to their targets; targets may be attached later (the gateway starts after the runtime). */
export function effectsListener(targets: () => EffectsTargets | null): EffectsListener {
  return (app, e) => {
    const t = targets();
    if (!t) return;
    if (e.wake.length) t.wake(app, e.wake);
    for (const [taskId, workerId] of e.kill) t.kill(app, workerId, taskId, 'the task was ended by the admin (killed, cancelled or timed out)');
    if (e.resched) t.rescheduled(app);
  };
}
