/**
 * The Oasis wire protocol between the admin and workers (Socket.IO namespace `/worker`).
 *
 * This module is the single source of truth for message shapes: the admin (`server/`), the worker
 * SDK and the dashboard import it. It holds types and constants only, no runtime dependencies.
 */

/** Protocol version negotiated in the handshake; the admin refuses versions it does not speak. */
export const PROTOCOL_VERSION = 1;

/** Socket.IO namespace workers connect to. */
export const WORKER_NAMESPACE = '/worker';

/** Final and in-flight states of a task (one attempt of one fire). */
export const TaskStatus = {
  QUEUED: 'QUEUED',
  RUNNING: 'RUNNING',
  SUCCESS: 'SUCCESS',
  FAILED: 'FAILED',
  TIMEOUT: 'TIMEOUT',
  KILLED: 'KILLED',
  LOST: 'LOST',
  DISCARDED: 'DISCARDED',
  NO_WORKER: 'NO_WORKER',
} as const;
export type TaskStatus = (typeof TaskStatus)[keyof typeof TaskStatus];

/** Statuses a worker may report for a task it ran. */
export const WorkerResultStatus = {
  SUCCESS: 'SUCCESS',
  FAILED: 'FAILED',
  TIMEOUT: 'TIMEOUT',
  KILLED: 'KILLED',
} as const;
export type WorkerResultStatus = (typeof WorkerResultStatus)[keyof typeof WorkerResultStatus];

/** Why a task was created. */
export const TriggerType = {
  CRON: 'CRON',
  FIXED: 'FIXED',
  MANUAL: 'MANUAL',
  API: 'API',
  RETRY: 'RETRY',
  CHILD: 'CHILD',
  MISFIRE: 'MISFIRE',
} as const;
export type TriggerType = (typeof TriggerType)[keyof typeof TriggerType];

/** Handshake `auth` payload a worker sends when it connects. */
export interface WorkerHandshake {
  /** App (executor group) name. */
  app: string;
  /** The app's worker token, as shown once when the app was created. */
  token: string;
  /** Stable id of this worker process; unique within the app. */
  workerId: string;
  /** Maximum number of tasks the worker runs at once. */
  concurrency: number;
  /** Handler names this worker serves. */
  handlers: string[];
  /** Protocol version the worker speaks ({@link PROTOCOL_VERSION}). */
  protocol: number;
  /** Free-form facts shown in the dashboard. */
  meta?: { host?: string; pid?: number; sdkVersion?: string };
}

/** Languages of script (GLUE) jobs. */
export const ScriptLanguage = {
  SHELL: 'shell',
  NODE: 'node',
  PYTHON: 'python',
} as const;
export type ScriptLanguage = (typeof ScriptLanguage)[keyof typeof ScriptLanguage];

/** The script of a script (GLUE) job, as handed to a worker with its task. */
export interface TaskScript {
  language: ScriptLanguage;
  /** The script text. */
  source: string;
  /** Version of the job's script this task runs (shown in logs). */
  version: number;
}

/** A task handed to a worker by `pull`. */
export interface TaskPayload {
  /** Task id: the same id its final log record keeps. */
  id: string;
  jobId: number;
  handler: string;
  /** Raw params string as stored on the job (or given to a trigger); may be empty. */
  params: string;
  /** The planned fire instant (epoch ms). */
  scheduledAt: number;
  /** 1 for the first attempt. */
  attempt: number;
  triggerType: TriggerType;
  shard: { index: number; total: number };
  /** 0 = no timeout. */
  timeoutMs: number;
  /**
   * Present for script (GLUE) jobs: the worker runs this script as a child process instead of a
   * registered handler (only when started with `allowScripts: true`).
   */
  script?: TaskScript;
}

/** One task result reported by a worker. Reporting the same result twice is harmless. */
export interface TaskResult {
  taskId: string;
  attempt: number;
  status: WorkerResultStatus;
  /** JSON-encoded handler return value (or plain text), capped by the worker. */
  output?: string;
  error?: string;
  /** Worker clock, epoch ms, when the handler started and finished. */
  startedAt: number;
  finishedAt: number;
}

/** Error part of an ack: the same shape as REST errors, without the HTTP fields. */
export interface AckError {
  ok: false;
  code: string;
  message: string;
}

export type Ack<T extends object = object> = ({ ok: true } & T) | AckError;

export interface HeartbeatMessage {
  /** Ids of the tasks the worker is running now. */
  running: string[];
  free: number;
}

export interface PullMessage {
  max: number;
}

export interface LogMessage {
  taskId: string;
  /** Sequence number of the first line in this batch, starting at 0 per task. */
  seq: number;
  lines: string[];
}

/** Progress of a running task, in percent; the latest value wins. */
export interface ProgressMessage {
  taskId: string;
  /** 0..100. */
  value: number;
}

/** Progress values range from 0 to this. */
export const MAX_PROGRESS = 100;

export interface ResultsMessage {
  results: TaskResult[];
}

/**
 * The admin's answer per result, log batch or progress value:
 * - `accepted`: recorded now;
 * - `duplicate`: the task is not in flight (already final, or unknown): dropped, harmless;
 * - `rejected`: the task is not this worker's — another worker of the app holds it, it is still
 *   queued, it runs another attempt, or it belongs to another app: dropped, nothing changed.
 */
export type ResultVerdict = 'accepted' | 'duplicate' | 'rejected';

/** Events a worker emits; the last argument is the ack callback. */
export interface WorkerToAdminEvents {
  heartbeat: (msg: HeartbeatMessage, ack: (reply: Ack<{ abort: string[] }>) => void) => void;
  pull: (msg: PullMessage, ack: (reply: Ack<{ tasks: TaskPayload[] }>) => void) => void;
  /** Live log lines of a task the worker holds (fire and forget; the verdict says what happened). */
  log: (msg: LogMessage, ack: (reply: Ack<{ verdict: ResultVerdict }>) => void) => void;
  /** Latest progress of running tasks (throttled by the worker; fire and forget). `stored` = `verdict === 'accepted'`. */
  progress: (msg: ProgressMessage, ack: (reply: Ack<{ stored: boolean; verdict: ResultVerdict }>) => void) => void;
  results: (msg: ResultsMessage, ack: (reply: Ack<{ verdicts: ResultVerdict[] }>) => void) => void;
}

/** Events the admin emits to workers. */
export interface AdminToWorkerEvents {
  /** Work is waiting: pull. */
  wake: () => void;
  /** Abort a running task (kill, or the admin gave up on it). */
  kill: (msg: { taskId: string; reason: string }) => void;
  /** Stop pulling; the admin is going away or the worker is being retired. */
  drain: () => void;
  /** Sent right after a successful handshake. */
  welcome: (msg: { adminId: string; protocol: number; heartbeatMs: number; leaseMs: number }) => void;
}

/** Error codes the admin uses in worker acks and handshake refusals. */
export const WorkerErrorCode = {
  BAD_MESSAGE: 'OASIS_ERR_BAD_MESSAGE',
  UNAUTHORIZED: 'OASIS_ERR_UNAUTHORIZED',
  PROTOCOL: 'OASIS_ERR_PROTOCOL_VERSION',
  INTERNAL: 'OASIS_ERR_INTERNAL',
} as const;
