/**
 * The `/worker` wire between the admin and workers, declared once as zod schemas. The admin
 * validates every message a worker sends with them (`server/src/realtime/worker-gateway.ts`);
 * the SDK and the admin take their types from them (`z.infer`), and the typed Socket.IO event
 * maps at the end of this file are built from those types on both sides.
 */
import { z } from 'zod';
import { closedSet } from './kit.js';
import { ScriptLanguage, TriggerType, WorkerResultStatus } from './enums.js';
import type { Ack, CatalogueCode } from './errors.js';
import { WORKER_ID_PATTERN } from './names.js';

export { PROTOCOL_VERSION, WORKER_NAMESPACE } from './channels.js';

/** Progress values range from 0 to this. */
export const MAX_PROGRESS = 100;

/** Codes the admin uses in worker acks and handshake refusals (all in the one catalogue). */
export const WorkerErrorCode = {
  BAD_MESSAGE: 'OASIS_ERR_BAD_MESSAGE',
  UNAUTHORIZED: 'OASIS_ERR_UNAUTHORIZED',
  PROTOCOL: 'OASIS_ERR_PROTOCOL_VERSION',
  INTERNAL: 'OASIS_ERR_INTERNAL',
} as const satisfies Record<string, CatalogueCode>;
export type WorkerErrorCode = (typeof WorkerErrorCode)[keyof typeof WorkerErrorCode];

/**
 * What a `/worker` connection is for. `main` (the default): the worker's one connection that
 * pulls, logs and reports. `liveness`: a second connection of the same worker, opened by the
 * SDK's liveness thread, that only sends `heartbeat` (so a handler blocking the main event loop
 * does not make the worker look dead); the admin registers nothing for it, joins it to no wake
 * room, and its disconnect retires nothing.
 */
export const WorkerRole = { MAIN: 'main', LIVENESS: 'liveness' } as const;
export type WorkerRole = (typeof WorkerRole)[keyof typeof WorkerRole];

const taskId = z.string().min(1).max(64);
/** An instant a JavaScript Date can hold (epoch ms, up to 8.64e15): later readers turn it into dates. */
const instant = z.number().int().min(0).max(8.64e15);

// ---- worker → admin ------------------------------------------------------------------------

/** Handshake `auth` payload a worker sends when it connects. */
export const handshakeSchema = z.object({
  /** App (executor group) name. */
  app: z.string().min(1).max(64),
  /** The app's worker token, as shown once when the app was created. */
  token: z.string().min(1).max(256),
  /** Stable id of this worker process; unique within the app. */
  workerId: z.string().regex(WORKER_ID_PATTERN, 'letters, digits and _ . : @ - only'),
  /** Maximum number of tasks the worker runs at once. */
  concurrency: z.number().int().min(1).max(10_000),
  /** Handler names this worker serves. */
  handlers: z.array(z.string().min(1).max(128)).max(1000),
  /** Protocol version the worker speaks ({@link PROTOCOL_VERSION}). */
  protocol: z.number().int(),
  /**
   * The ids of the tasks this worker holds (running or waiting for a slot) as it connects: the
   * admin ends LOST (retried per the job's policy) the tasks it had under this worker id that are
   * not listed, at once; a worker restarted with the same id lists none. Left out (older SDKs),
   * nothing is released: the tasks' leases and the reconnect grace decide.
   */
  holding: z.array(taskId).max(10_000).optional(),
  /** Free-form facts shown in the dashboard. */
  meta: z
    .object({ host: z.string().max(255).optional(), pid: z.number().int().optional(), sdkVersion: z.string().max(64).optional() })
    .optional(),
  /** What this connection is for ({@link WorkerRole}); absent = `main`. */
  role: closedSet(WorkerRole).optional(),
});
export type WorkerHandshake = z.infer<typeof handshakeSchema>;

/** A clock offset (ms): the cluster's clock minus the worker's; any sign, bounded like an instant. */
const offsetMs = z.number().int().min(-8.64e15).max(8.64e15);

/** `heartbeat`: the tasks the worker runs now (their leases are renewed) and its free slots. */
export const heartbeatSchema = z.object({
  running: z.array(taskId).max(10_000),
  free: z.number().int().min(0).max(10_000),
  /**
   * The cluster's clock minus this worker's wall clock (ms), as the worker measured it from the
   * `now` of earlier heartbeat answers. The admin adds it to the times the worker reports
   * (`startedAt`, `finishedAt`), so a worker with a wrong clock does not fake lateness or
   * durations. Left out (not measured yet, older SDKs): the times are taken as they are.
   */
  clockOffsetMs: offsetMs.optional(),
});
export type HeartbeatMessage = z.infer<typeof heartbeatSchema>;

/**
 * `ack`: the tasks of a pull reply have arrived (and, for a reply well within its `ackMs`, have
 * started). The admin answers the ids the worker still holds; a task not acknowledged within
 * `OASIS_DELIVERY_ACK_MS` of its pull went back to its queue: the worker must not start it, or
 * aborts it if it already did.
 */
export const ackSchema = z.object({ taskIds: z.array(taskId).max(10_000) });
export type AckMessage = z.infer<typeof ackSchema>;

/** `pull`: up to `max` tasks, never beyond the worker's free slots. */
export const pullSchema = z.object({ max: z.number().int().min(0).max(10_000) });
export type PullMessage = z.infer<typeof pullSchema>;

/** `log`: live log lines of a task the worker holds. */
export const logSchema = z.object({
  taskId,
  /** Sequence number of the first line in this batch, starting at 0 per task. */
  seq: z.number().int().min(0),
  lines: z.array(z.string().max(16 * 1024)).max(1000),
});
export type LogMessage = z.infer<typeof logSchema>;

/** `progress`: progress of a running task, in percent; the latest value wins. */
export const progressSchema = z.object({
  taskId,
  value: z.number().min(0).max(MAX_PROGRESS),
});
export type ProgressMessage = z.infer<typeof progressSchema>;

/** One task result reported by a worker. Reporting the same result twice is harmless. */
export const taskResultSchema = z.object({
  taskId,
  attempt: z.number().int().min(1),
  status: closedSet(WorkerResultStatus),
  /** JSON-encoded handler return value (or plain text), capped by the worker. */
  output: z.string().max(1024 * 1024).optional(),
  error: z.string().max(64 * 1024).optional(),
  /** A failure retrying cannot help (the handler threw a `NonRetryableError`): the job's retries are skipped. */
  nonRetryable: z.boolean().optional(),
  /** Worker clock, epoch ms, when the handler started and finished. */
  startedAt: instant,
  finishedAt: instant,
});
export type TaskResult = z.infer<typeof taskResultSchema>;

/** `results`: a batch of results. */
export const resultsSchema = z.object({ results: z.array(taskResultSchema).max(1000) });
export type ResultsMessage = z.infer<typeof resultsSchema>;

// ---- admin → worker ------------------------------------------------------------------------

/** The script of a script (GLUE) job, as handed to a worker with its task. */
export const taskScriptSchema = z.object({
  language: closedSet(ScriptLanguage),
  /** The script text. */
  source: z.string(),
  /** Version of the job's script this task runs (shown in logs). */
  version: z.number().int(),
});
export type TaskScript = z.infer<typeof taskScriptSchema>;

/** A task handed to a worker by `pull`. */
export const taskPayloadSchema = z.object({
  /** Task id: the same id its final log record keeps. */
  id: taskId,
  jobId: z.number().int(),
  handler: z.string(),
  /** Raw params string as stored on the job (or given to a trigger); may be empty. */
  params: z.string(),
  /** The planned fire instant (epoch ms). */
  scheduledAt: instant,
  /** 1 for the first attempt. */
  attempt: z.number().int().min(1),
  triggerType: closedSet(TriggerType),
  shard: z.object({ index: z.number().int().min(0), total: z.number().int().min(1) }),
  /** 0 = no timeout. */
  timeoutMs: z.number().int().min(0),
  /**
   * Present for script (GLUE) jobs: the worker runs this script as a child process instead of a
   * registered handler (only when started with `allowScripts: true`).
   */
  script: taskScriptSchema.optional(),
});
export type TaskPayload = z.infer<typeof taskPayloadSchema>;

/** `welcome`: sent right after a successful handshake. */
export const welcomeSchema = z.object({
  adminId: z.string(),
  protocol: z.number().int(),
  heartbeatMs: z.number().int().min(1),
  leaseMs: z.number().int().min(1),
  /**
   * The connection roles this admin accepts ({@link WorkerRole}); absent = `main` only (an admin
   * from before liveness connections: the SDK then opens none to it).
   */
  roles: z.array(closedSet(WorkerRole)).optional(),
});
export type WelcomeMessage = z.infer<typeof welcomeSchema>;

/** `kill`: abort a running task (kill, or the admin gave up on it). */
export const killSchema = z.object({ taskId, reason: z.string() });
export type KillMessage = z.infer<typeof killSchema>;

// ---- acks ----------------------------------------------------------------------------------

/**
 * The admin's answer per result, log batch or progress value:
 * - `accepted`: recorded now;
 * - `duplicate`: the task is not in flight (already final, or unknown): dropped, harmless;
 * - `rejected`: the task is not this worker's — another worker of the app holds it, it is still
 *   queued, it runs another attempt, or it belongs to another app: dropped, nothing changed.
 */
export const ResultVerdict = { ACCEPTED: 'accepted', DUPLICATE: 'duplicate', REJECTED: 'rejected' } as const;
export type ResultVerdict = (typeof ResultVerdict)[keyof typeof ResultVerdict];
const verdict = closedSet(ResultVerdict);

/** What each acked request answers besides `ok: true`. */
export const workerReplySchemas = {
  /** The tasks the admin no longer considers this worker's: abort them. */
  heartbeat: z.object({
    abort: z.array(taskId),
    /** The cluster's clock (the Redis server's, epoch ms) as the admin answered: the worker measures its offset from it. */
    now: instant.optional(),
  }),
  /**
   * `ackMs`: how long after the pull the admin waits for the worker's `ack` before it takes the
   * tasks back (OASIS_DELIVERY_ACK_MS). A reply that arrives well within it may be started at
   * once (and acknowledged right after); a later one is acknowledged first.
   */
  pull: z.object({ tasks: z.array(taskPayloadSchema), ackMs: z.number().int().min(1).optional() }),
  /** The acknowledged ids the worker holds: it starts these, and only these. */
  ack: z.object({ acked: z.array(taskId) }),
  log: z.object({ verdict }),
  /** `stored` = `verdict === 'accepted'`. */
  progress: z.object({ stored: z.boolean(), verdict }),
  /** One verdict per result, in order. */
  results: z.object({ verdicts: z.array(verdict) }),
} as const;

/** The message schema of each event a worker sends (the admin validates with these). */
export const workerMessageSchemas = {
  heartbeat: heartbeatSchema,
  pull: pullSchema,
  ack: ackSchema,
  log: logSchema,
  progress: progressSchema,
  results: resultsSchema,
} as const satisfies Record<keyof typeof workerReplySchemas, z.ZodType>;

/** The events a worker sends, each with one message and an ack. */
export type WorkerEvent = keyof typeof workerMessageSchemas;
/** Every {@link WorkerEvent}, for code that checks an event name. */
export const WORKER_EVENTS = Object.keys(workerMessageSchemas) as WorkerEvent[];
/** What event `E`'s ack carries when it succeeds. */
export type WorkerReply<E extends WorkerEvent> = z.infer<(typeof workerReplySchemas)[E]>;

/** Events a worker emits (Socket.IO event map: the admin's `Namespace<WorkerToAdminEvents, …>`, the SDK's `Socket<…, WorkerToAdminEvents>`). */
export type WorkerToAdminEvents = {
  [E in WorkerEvent]: (msg: z.input<(typeof workerMessageSchemas)[E]>, ack: (reply: Ack<WorkerReply<E>>) => void) => void;
};

/** Events the admin emits to workers. */
export interface AdminToWorkerEvents {
  /** Work is waiting: pull. */
  wake: () => void;
  kill: (msg: KillMessage) => void;
  /**
   * Stop pulling from this admin: it is shutting down (sent by its graceful stop). The worker
   * keeps its running tasks and connects to another admin (the next of its URLs, or this one
   * again once it is back); results produced meanwhile wait in its outbox.
   */
  drain: () => void;
  welcome: (msg: WelcomeMessage) => void;
}
