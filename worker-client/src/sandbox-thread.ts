/**
 * A sandboxed handler's thread (started by `sandboxed()` in `sandbox.ts`, one per task): loads
 * the handler module, runs its export with a context like the main thread's (`log`, `progress`
 * and the abort signal travel as messages) and posts how it ended. A handler that blocks here
 * blocks only this thread: the worker's connection, its other tasks and its heartbeats go on.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { TaskContext, type Handler } from './context.js';
import type { TaskPayload } from './contracts/worker.js';
import { AbortKind, NonRetryableError, TaskAbortError } from './errors.js';

/** What the main thread hands the thread. */
export interface SandboxThreadData {
  module: string;
  exportName: string;
  task: TaskPayload;
  workerId: string;
}

/** Messages to the thread. */
export interface ToSandboxThread {
  type: 'abort';
  kind: AbortKind;
  message: string;
}

/** Messages from the thread. */
export type FromSandboxThread =
  | { type: 'log'; args: unknown[] }
  | { type: 'progress'; value: number }
  | { type: 'done'; value: unknown }
  | { type: 'failed'; name: string; message: string; stack: string | undefined; nonRetryable: boolean };

const port = parentPort;
if (port === null) throw new Error('sandbox-thread.ts runs as a worker thread, started by the SDK');
const data = workerData as SandboxThreadData;
const post = (msg: FromSandboxThread): void => port.postMessage(msg);
const controller = new AbortController();

port.on('message', (msg: ToSandboxThread) => {
  if (msg.type === 'abort' && !controller.signal.aborted) controller.abort(new TaskAbortError(msg.kind, msg.message));
});

function log(...args: unknown[]): void {
  try {
    post({ type: 'log', args });
  } catch {
    // Not cloneable (functions, sockets, …): their text goes instead.
    post({ type: 'log', args: args.map((a) => (typeof a === 'string' ? a : String(a))) });
  }
}

async function run(): Promise<void> {
  const mod = (await import(data.module)) as Record<string, unknown>;
  const fn = mod[data.exportName];
  if (typeof fn !== 'function') throw new NonRetryableError(`${data.module} has no function export "${data.exportName}"`);
  const ctx = new TaskContext(data.task, data.workerId, controller.signal, log, (value) => post({ type: 'progress', value }));
  post({ type: 'done', value: await (fn as Handler)(ctx) });
}

run().catch((err: unknown) => {
  const e = err instanceof Error ? err : new Error(String(err));
  post({ type: 'failed', name: e.name, message: e.message, stack: e.stack, nonRetryable: err instanceof NonRetryableError });
});
