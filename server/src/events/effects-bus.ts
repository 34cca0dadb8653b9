/**
 * The one way "what should happen next" travels inside an admin. Producers (scheduler commits,
 * dispatcher results and pulls, sweeper reaps, triggers and kills, the registry, the final
 * writer, the services) publish a typed effect; consumers (the worker and UI gateways, the
 * schedule pub/sub, the final writers, alarms) subscribe by kind. Publishing is a synchronous
 * fan-out with no queue: it costs a few calls on the fire path and never awaits.
 */
import type { LogMessage, TaskPayload } from '@oasis/worker-client/protocol';
import type { Logger } from '../domain/logger.js';
import type { AccessChange } from '../domain/ports.js';
import type { LogItem } from '../domain/types.js';
import type { Effects } from '../store/redis/effects.js';

/** The kinds of effect, each with its payload in {@link EffectPayloads}. */
export const Effect = {
  /** Tasks wait in queues: wake their targets. */
  QUEUED: 'queued',
  /** A task ended without its worker (kill, timeout watchdog, overlap CANCEL_OTHER): the worker must abort it. */
  ABORT: 'abort',
  /** A job of the app got a new next fire outside the scheduler, or a retry was planned: every admin's scheduler loop of the app wakes. */
  RESCHEDULED: 'rescheduled',
  /** Queued tasks of workers that went away (retired by the sweeper, disconnected) moved to the app's shared queue. */
  REROUTED: 'rerouted',
  /** Final records wait in the app's stream: the writers may flush early. */
  FINALS: 'finals',
  /** A worker pulled tasks: they run now. */
  PULLED: 'pulled',
  /** Live log lines of a task were stored. */
  LOGGED: 'logged',
  /** Final records reached the database. */
  WRITTEN: 'written',
  /** A FIRE_ALL catch-up was refused because more fires were missed than `OASIS_MISFIRE_CATCHUP_MAX`. */
  MISFIRE_CAPPED: 'misfire-capped',
  /** A user's rights or sessions changed: the live connections opened before end, on every admin. */
  ACCESS_CHANGED: 'access-changed',
} as const;
export type Effect = (typeof Effect)[keyof typeof Effect];

/** The wake target that stands for the app's shared queue (every worker of the app). */
export const SHARED_QUEUE = '';

/** Why a worker is told to abort a task the admin ended. */
export const ABORT_REASON = 'the task was ended by the admin (killed, cancelled or timed out)';

/** A refused FIRE_ALL catch-up (the {@link Effect.MISFIRE_CAPPED} payload). */
export interface MisfireCapEvent {
  app: string;
  jobId: number;
  /** The fire that was found late (epoch ms). */
  scheduledAt: number;
  /** Fires missed from `scheduledAt` to now, counted up to 10 × the cap (a larger count stops there). */
  missed: number;
}

/** What a written final record tells the live views. */
export type WrittenChange = Pick<LogItem, 'id' | 'jobId' | 'status' | 'workerId' | 'startedAt' | 'finishedAt'>;

/** The payload of each {@link Effect}. */
export interface EffectPayloads {
  /** `targets`: worker ids, {@link SHARED_QUEUE} for the app's shared queue. */
  [Effect.QUEUED]: { app: string; targets: readonly string[] };
  [Effect.ABORT]: { app: string; workerId: string; taskId: string; reason: string };
  [Effect.RESCHEDULED]: { app: string };
  [Effect.REROUTED]: { app: string };
  [Effect.FINALS]: { app: string };
  [Effect.PULLED]: { app: string; workerId: string; tasks: readonly TaskPayload[] };
  [Effect.LOGGED]: { app: string; msg: LogMessage };
  [Effect.WRITTEN]: { app: string; records: readonly WrittenChange[] };
  [Effect.MISFIRE_CAPPED]: MisfireCapEvent;
  [Effect.ACCESS_CHANGED]: AccessChange;
}

/** A consumer of one kind. It should return quickly and must not throw (a throw is logged, the others still run). */
export type EffectListener<K extends Effect> = (payload: EffectPayloads[K]) => void;

/** What a producer sees of the bus. */
export interface EffectsPublisher {
  publish<K extends Effect>(kind: K, payload: EffectPayloads[K]): void;
  /** Publishes what a task script's reply asks for: {@link Effect.QUEUED}, one {@link Effect.ABORT} per task, {@link Effect.RESCHEDULED}. */
  publishScript(app: string, effects: Effects): void;
}

/** What a consumer sees of the bus. */
export interface EffectsSubscriber {
  /** Calls `listener` for every `kind` published from now on; returns the unsubscribe. */
  on<K extends Effect>(kind: K, listener: EffectListener<K>): () => void;
}

/** The admin's effects bus (one per admin, built first by `main.ts`). */
export class EffectsBus implements EffectsPublisher, EffectsSubscriber {
  /** Listeners by kind; each array is replaced, never changed, so a publish in progress is not disturbed. */
  private readonly listeners = new Map<Effect, readonly EffectListener<never>[]>();

  constructor(private readonly logger: Logger) {}

  on<K extends Effect>(kind: K, listener: EffectListener<K>): () => void {
    const entry = listener as EffectListener<never>;
    this.listeners.set(kind, [...(this.listeners.get(kind) ?? []), entry]);
    return () => {
      this.listeners.set(kind, (this.listeners.get(kind) ?? []).filter((l) => l !== entry));
    };
  }

  publish<K extends Effect>(kind: K, payload: EffectPayloads[K]): void {
    const listeners = this.listeners.get(kind);
    if (!listeners) return;
    for (const listener of listeners as readonly EffectListener<K>[]) {
      try {
        listener(payload);
      } catch (err) {
        this.logger.error({ err, kind }, 'effects: a listener failed');
      }
    }
  }

  publishScript(app: string, effects: Effects): void {
    if (effects.wake.length) this.publish(Effect.QUEUED, { app, targets: effects.wake });
    for (const [taskId, workerId] of effects.kill) this.publish(Effect.ABORT, { app, workerId, taskId, reason: ABORT_REASON });
    if (effects.resched) this.publish(Effect.RESCHEDULED, { app });
  }
}
