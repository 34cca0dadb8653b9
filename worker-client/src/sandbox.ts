/**
 * Sandboxed handlers: `worker.handle('report', sandboxed(new URL('./report-job.js', import.meta.url)))`
 * runs the module's export in a worker thread of its own for each task (`sandbox-thread.ts`), as
 * BullMQ's sandboxed processors do. A CPU-bound handler then blocks only its thread: the worker
 * keeps pulling, running its other tasks, streaming logs and heartbeating. The context's `log`,
 * `progress` and abort signal cross the thread boundary as messages; the return value must be
 * structured-cloneable; a `NonRetryableError` thrown there stays non-retryable.
 */
import { Worker } from 'node:worker_threads';
import type { Handler, JobContext } from './context.js';
import type { TaskPayload } from './contracts/worker.js';
import { AbortKind, NonRetryableError, TaskAbortError } from './errors.js';
import type { FromSandboxThread, SandboxThreadData, ToSandboxThread } from './sandbox-thread.js';
import { siblingModule, threadEntry } from './thread-entry.js';

const THREAD_URL = siblingModule(import.meta.url, 'sandbox-thread');

/** Options of {@link sandboxed}. */
export interface SandboxOptions {
  /** The export of the module that handles the task. Default `'default'`. */
  exportName?: string;
  /** After the task's signal aborted, how long the thread may take to end before it is terminated (ms). Default 3000. */
  abortGraceMs?: number;
}

/**
 * A handler that runs `module`'s export (`(ctx) => result`, like any handler) in a worker thread
 * per task. `module` is a file URL or an absolute path of a module Node can load in a thread
 * (JavaScript; TypeScript only when this SDK itself runs through tsx).
 */
export function sandboxed(module: string | URL, options: SandboxOptions = {}): Handler {
  const href = module instanceof URL ? module.href : new URL(module, 'file:///').href;
  const exportName = options.exportName ?? 'default';
  const abortGraceMs = options.abortGraceMs ?? 3000;
  return (ctx) => runInThread(ctx, { module: href, exportName, task: taskOf(ctx), workerId: ctx.workerId }, abortGraceMs);
}

function taskOf(ctx: JobContext): TaskPayload {
  return {
    id: ctx.taskId,
    jobId: ctx.jobId,
    handler: ctx.handler,
    params: ctx.params,
    scheduledAt: ctx.scheduledAt,
    attempt: ctx.attempt,
    triggerType: ctx.triggerType,
    shard: { ...ctx.shard },
    timeoutMs: ctx.timeoutMs,
  };
}

function runInThread(ctx: JobContext, data: SandboxThreadData, abortGraceMs: number): Promise<unknown> {
  const { entry, eval: isCode } = threadEntry(THREAD_URL);
  const thread = new Worker(entry, { eval: isCode, workerData: data, name: `oasis-sandbox-${data.task.id}` });
  return new Promise<unknown>((resolve, reject) => {
    let settled = false;
    let killTimer: NodeJS.Timeout | undefined;
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(killTimer);
      ctx.signal.removeEventListener('abort', onAbort);
      fn();
      void thread.terminate();
    };
    const onAbort = (): void => {
      const reason: unknown = ctx.signal.reason;
      const kind = reason instanceof TaskAbortError ? reason.kind : AbortKind.KILLED;
      const message = reason instanceof Error ? reason.message : 'aborted';
      thread.postMessage({ type: 'abort', kind, message } satisfies ToSandboxThread);
      killTimer = setTimeout(() => settle(() => reject(new TaskAbortError(kind, `${message} (the sandboxed handler was terminated)`))), abortGraceMs);
    };
    if (ctx.signal.aborted) onAbort();
    else ctx.signal.addEventListener('abort', onAbort, { once: true });
    thread.on('message', (msg: FromSandboxThread) => {
      if (msg.type === 'log') ctx.log(...msg.args);
      else if (msg.type === 'progress') ctx.progress(msg.value);
      else if (msg.type === 'done') settle(() => resolve(msg.value));
      else if (msg.type === 'failed') settle(() => reject(rebuild(msg)));
    });
    thread.on('error', (err) => settle(() => reject(err)));
    thread.on('exit', (code) => settle(() => reject(new Error(`the sandboxed handler's thread exited (code ${code}) before it answered`))));
  });
}

/** The thread's error as an Error of this thread (a NonRetryableError stays one). */
function rebuild(msg: Extract<FromSandboxThread, { type: 'failed' }>): Error {
  const err = msg.nonRetryable ? new NonRetryableError(msg.message) : new Error(msg.message);
  err.name = msg.name;
  if (msg.stack !== undefined) err.stack = msg.stack;
  return err;
}
