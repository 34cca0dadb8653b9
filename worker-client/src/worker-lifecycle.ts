/**
 * The worker's lifecycle as a documented state union, its events, and the options of stopping.
 *
 * Lifecycle (`worker.state`): `idle → connecting → running → draining → stopped`.
 * - `connecting`: `start()` was called; waiting for the first `welcome`.
 * - `running`: welcomed once. A dropped connection does not leave this state: the worker
 *   reconnects (see `worker.connected`), tasks keep running and their results wait. An admin
 *   that stops sends `drain`: the worker stops pulling from it and moves to another admin (the
 *   next of its URLs), still `running`.
 * - `draining`: `stop()` was called: no more pulls; running tasks get until the deadline.
 * - `stopped`: final.
 */
import type { TaskPayload, TaskResult } from './contracts/worker.js';
import type { WorkerLogger } from './logger.js';

/** Lifecycle states, in order. */
export const WorkerState = {
  IDLE: 'idle',
  CONNECTING: 'connecting',
  RUNNING: 'running',
  DRAINING: 'draining',
  STOPPED: 'stopped',
} as const;
export type WorkerState = (typeof WorkerState)[keyof typeof WorkerState];

/** Events of `OasisWorker`. */
export interface WorkerEvents {
  state: [state: WorkerState, previous: WorkerState];
  /** Connection problems and refusals. Without an `error` listener they go to the logger instead (never thrown). */
  error: [error: Error];
  /** Connected and welcomed by an admin (also after every reconnect). */
  connected: [info: { url: string; adminId: string }];
  /** The connection dropped (or was left: the admin sent `drain`); the worker reconnects by itself. */
  disconnected: [reason: string];
  'task:start': [task: TaskPayload];
  'task:end': [result: TaskResult, task: TaskPayload];
}

/** Options of `OasisWorker.stop`. */
export interface StopOptions {
  /** How long running tasks may take to finish before they are aborted (ms). Default 30000. */
  timeoutMs?: number;
}

/** Options of `OasisWorker.installSignalHandlers`. */
export interface SignalOptions extends StopOptions {
  /** Call `process.exit()` once stopped (0, or 1 if stopping failed). Default true. */
  exit?: boolean;
}

/** `stop()`'s default deadline for running tasks. */
export const DEFAULT_STOP_TIMEOUT_MS = 30_000;

/**
 * Calls `stop` on SIGTERM / SIGINT; a second signal exits at once with code 1.
 * @returns a function that removes the handlers.
 */
export function onStopSignals(stop: (options: StopOptions) => Promise<void>, logger: WorkerLogger, options: SignalOptions): () => void {
  const exit = options.exit ?? true;
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (signalled) {
      logger.warn(`${signal} again: exiting without waiting`);
      process.exit(1);
    }
    signalled = true;
    logger.info(`${signal}: stopping the worker`);
    stop({ timeoutMs: options.timeoutMs }).then(
      () => {
        if (exit) process.exit(0);
      },
      (err: unknown) => {
        logger.error('stop failed', err);
        if (exit) process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return () => {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  };
}
