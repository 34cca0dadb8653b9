/**
 * Errors the worker SDK throws or reports. Codes the admin sends come from the one catalogue
 * (`contracts/errors.ts`); the ones only a worker meets locally, never sent over a wire, are
 * added in {@link WorkerClientErrorCode}.
 */
import { WorkerErrorCode } from './contracts/worker.js';

/** Codes carried by {@link OasisWorkerError}. */
export const WorkerClientErrorCode = {
  /** The admin refused the app name or token (handshake). */
  UNAUTHORIZED: WorkerErrorCode.UNAUTHORIZED,
  /** The admin does not speak this SDK's protocol version. */
  PROTOCOL: WorkerErrorCode.PROTOCOL,
  /** The admin found the handshake malformed (e.g. a name it does not accept). */
  BAD_HANDSHAKE: WorkerErrorCode.BAD_MESSAGE,
  /** Could not connect (network, admin down, no welcome in time). Retried with backoff. */
  CONNECT: 'OASIS_ERR_CONNECT',
  /** `stop()` was called before `start()` finished connecting. */
  STOPPED: 'OASIS_ERR_WORKER_STOPPED',
  /** `ctx.paramsJson()` on params that are not valid JSON. */
  BAD_PARAMS: 'OASIS_ERR_BAD_PARAMS',
  /** The admin answered a request with `{ok:false}` or not at all. */
  ADMIN: 'OASIS_ERR_ADMIN_REPLY',
} as const;
export type WorkerClientErrorCode = (typeof WorkerClientErrorCode)[keyof typeof WorkerClientErrorCode];

/** A known failure of the worker SDK, with a stable `code`. */
export class OasisWorkerError extends Error {
  constructor(
    readonly code: WorkerClientErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'OasisWorkerError';
  }
}

/** The admin answered a request with `{ok:false, code, message}` (`replyCode` is the admin's code). */
export class AdminReplyError extends OasisWorkerError {
  constructor(
    readonly replyCode: string,
    message: string,
  ) {
    super(WorkerClientErrorCode.ADMIN, `${replyCode}: ${message}`);
    this.name = 'AdminReplyError';
  }
}

/** Thrown by the `OasisWorker` constructor; `problems` lists every invalid option at once. */
export class WorkerOptionsError extends TypeError {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid OasisWorker options:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'WorkerOptionsError';
  }
}

/**
 * Throw it from a handler to say "retrying cannot help" (bad input, missing record, ...).
 * The task is reported FAILED with `nonRetryable: true` in its result, and the admin skips the
 * job's retries. Its error text still starts with `NonRetryableError:` (admins before the
 * `nonRetryable` field read that prefix instead).
 */
export class NonRetryableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NonRetryableError';
  }
}

/** Thrown by `ctx.paramsJson()` / `ctx.json` when the params are not valid JSON; never retried (the params would not change). */
export class InvalidParamsError extends NonRetryableError {
  readonly code = WorkerClientErrorCode.BAD_PARAMS;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InvalidParamsError';
  }
}

/** Why a task's `ctx.signal` was aborted. */
export const AbortKind = {
  /** The admin sent `kill` (a user pressed stop, or the admin gave up on the task). */
  KILLED: 'KILLED',
  /** The task ran longer than its `timeoutMs`. */
  TIMEOUT: 'TIMEOUT',
  /** The worker is stopping and the stop deadline passed. */
  SHUTDOWN: 'SHUTDOWN',
  /** A heartbeat ack said the admin no longer considers this task ours. */
  LEASE_LOST: 'LEASE_LOST',
} as const;
export type AbortKind = (typeof AbortKind)[keyof typeof AbortKind];

/** The `reason` of an aborted `ctx.signal`; its name is `AbortError` like the platform's own. */
export class TaskAbortError extends Error {
  constructor(
    readonly kind: AbortKind,
    message: string,
  ) {
    super(message);
    this.name = 'AbortError';
  }
}
