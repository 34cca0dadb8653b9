/**
 * The dashboard's live channel, Socket.IO namespace `/ui`, declared once: the admin validates the
 * dashboard's requests with these schemas (`server/src/realtime/ui-gateway.ts`) and both sides
 * type their sockets with the event maps at the end (`Namespace<UiClientEvents, UiServerEvents>`
 * on the admin, `Socket<UiServerEvents, UiClientEvents>` in `dashboard/src/live.ts`).
 */
import { z } from 'zod';
import { TaskStatus } from './enums.js';
import type { Ack } from './errors.js';
import { closedSet } from './kit.js';
import { TASK_ID_PATTERN } from './names.js';
import { workerJsonSchema } from './rest-views.js';

export { UI_NAMESPACE } from './channels.js';

/** `subscribe-log` / `unsubscribe-log`: the task whose live log lines the socket wants. */
export const taskRefSchema = z.strictObject({ taskId: z.string().regex(TASK_ID_PATTERN) });
export type TaskRef = z.infer<typeof taskRefSchema>;

/** One task state change as pushed to the dashboard. Times are epoch ms. */
export const uiTaskChangeSchema = z.strictObject({
  id: z.string(),
  jobId: z.number().int(),
  status: closedSet(TaskStatus),
  workerId: z.string().nullable().optional(),
  startedAt: z.number().int().nullable().optional(),
  finishedAt: z.number().int().nullable().optional(),
});
export type UiTaskChange = z.infer<typeof uiTaskChangeSchema>;

/**
 * `tasks`: task state changes of an app (QUEUED: `changes` may be empty, "something was queued";
 * RUNNING when pulled; final states once written), batched; `more` when changes were dropped
 * past the batch cap (reload the list).
 */
export const tasksPushSchema = z.strictObject({ app: z.string(), changes: z.array(uiTaskChangeSchema), more: z.boolean() });
export type TasksPush = z.infer<typeof tasksPushSchema>;

/** `workers`: the app's workers when they changed (connected, slots, heartbeat). */
export const workersPushSchema = z.strictObject({ app: z.string(), workers: z.array(workerJsonSchema) });
export type WorkersPush = z.infer<typeof workersPushSchema>;

/** `log`: live log lines of a task the socket subscribed to. */
export const logPushSchema = z.strictObject({ taskId: z.string(), seq: z.number().int(), lines: z.array(z.string()) });
export type LogPush = z.infer<typeof logPushSchema>;

/** Acks of the dashboard's requests: `{ok:true}` or `{ok:false, code, message}` (codes of the one catalogue). */
export type UiAck = Ack;

/** Events the admin pushes on `/ui`. */
export interface UiServerEvents {
  tasks: (msg: TasksPush) => void;
  workers: (msg: WorkersPush) => void;
  log: (msg: LogPush) => void;
}

/**
 * Requests the dashboard sends on `/ui`: `subscribe-log {taskId}` (joins the task's log room when
 * the session is still live and its user may read the task's app) and `unsubscribe-log {taskId}`.
 * Any other event sent with an ack is answered `OASIS_ERR_VALIDATION`.
 */
export interface UiClientEvents {
  'subscribe-log': (msg: TaskRef, ack: (r: UiAck) => void) => void;
  'unsubscribe-log': (msg: TaskRef, ack?: (r: UiAck) => void) => void;
}

/** The names of {@link UiClientEvents}. */
export const UiClientEvent = { SUBSCRIBE_LOG: 'subscribe-log', UNSUBSCRIBE_LOG: 'unsubscribe-log' } as const satisfies Record<
  string,
  keyof UiClientEvents
>;
