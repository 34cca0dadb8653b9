/**
 * `@oasis/worker-client`: the worker SDK of Oasis Scheduler.
 *
 * ```ts
 * const worker = new OasisWorker({ url: 'http://127.0.0.1:8080', app: 'demo', token });
 * worker.handle('hello', async (ctx) => { ctx.log('hi'); return 'ok'; });
 * await worker.start();
 * worker.installSignalHandlers();
 * ```
 * The wire contracts (zod schemas and the types derived from them, shared with the admin and the
 * dashboard) are exported separately as `@oasis/worker-client/contracts`; the `/worker` part of
 * them also as `@oasis/worker-client/protocol`.
 */
export { OasisWorker, WorkerState, type WorkerEvents, type StopOptions, type SignalOptions } from './worker.js';
export type { JobContext, Handler } from './context.js';
export { OasisJob, type OasisJobDecorator } from './decorator.js';
export { sandboxed, type SandboxOptions } from './sandbox.js';
export { WORKER_DEFAULTS, type WorkerOptions, type ResolvedWorkerOptions } from './options.js';
export type { WorkerLogger } from './logger.js';
export {
  NonRetryableError,
  InvalidParamsError,
  OasisWorkerError,
  AdminReplyError,
  WorkerOptionsError,
  TaskAbortError,
  AbortKind,
  WorkerClientErrorCode,
} from './errors.js';
export { MAX_OUTPUT_BYTES, MAX_ERROR_BYTES } from './encode.js';
export { ScriptFailedError } from './script-runner.js';
export { ScriptEnvMode, TOKEN_VARIABLES, type ScriptEnvOption } from './script-env.js';
export { SDK_VERSION } from './version.js';
export type { TaskPayload, TaskResult, TaskScript } from './contracts/worker.js';
export type { WorkerResultStatus, TriggerType } from './contracts/enums.js';
export { ScriptLanguage } from './contracts/enums.js';
