/**
 * What the REST API answers about runs and workers: task logs (`/api/v1/logs…`), workers
 * (`/api/v1/workers`, also pushed on `/ui`) and the daily report (`/api/v1/reports/daily`). The
 * admin's builders `satisfies` these types; `test/integration/api-contracts.test.ts` parses real
 * answers with the schemas.
 */
import { z } from 'zod';
import { TaskStatus, TriggerType } from './enums.js';
import { closedSet } from './kit.js';

const epochMs = z.number().int();

/** What every record of one task attempt says. Times are epoch ms. */
const attemptShape = {
  id: z.string(),
  jobId: z.number().int(),
  app: z.string(),
  handler: z.string(),
  scheduledAt: epochMs,
  startedAt: epochMs.nullable(),
  finishedAt: epochMs.nullable(),
  status: closedSet(TaskStatus),
  triggerType: closedSet(TriggerType),
  workerId: z.string().nullable(),
  attempt: z.number().int(),
  shardIndex: z.number().int(),
  shardTotal: z.number().int(),
  params: z.string(),
  result: z.string().nullable(),
  error: z.string().nullable(),
};

/** One task attempt, in flight (from Redis) or final (from the database). Times are epoch ms. */
export const logJsonSchema = z.strictObject({
  ...attemptShape,
  /** Latest progress (0..100) reported while the task runs; null when none or final. */
  progress: z.number().nullable(),
  /**
   * In flight only: queued while the app had no live worker, the task waits for one since this
   * time (epoch ms); it ends NO_WORKER when none comes within `OASIS_NO_WORKER_GRACE_MS`.
   */
  waitingForWorkerSince: epochMs.nullable().optional(),
});
export type LogJson = z.infer<typeof logJsonSchema>;

/**
 * Answer of `GET /logs`: a page (in flight first, then final records, newest scheduled first).
 * `nextCursor` continues the list (`cursor=`); null at the end. A page may hold fewer than
 * `limit` items and still have a `nextCursor` (an in-flight status filter reads a bounded number
 * of tasks per request). `total` (in flight plus final matches, an exact count) is there only
 * when asked with `withTotal=1`: counting costs as much as reading every match.
 */
export const logPageSchema = z.strictObject({
  items: z.array(logJsonSchema),
  nextCursor: z.string().nullable(),
  total: z.number().int().optional(),
});
export type LogPage = z.infer<typeof logPageSchema>;

/**
 * A second final record of a fire that already has one (same job, scheduled time, shard and
 * attempt, another task id): e.g. a fire that ran twice after Redis lost data. Kept apart,
 * never merged into the first record (`firstId`). Times are epoch ms.
 */
export const logDuplicateJsonSchema = z.strictObject({
  ...attemptShape,
  /** Task id of the record kept for the fire in the logs ('' when it was gone already). */
  firstId: z.string(),
  /** When the admin's writer found it. */
  detectedAt: epochMs,
});
export type LogDuplicateJson = z.infer<typeof logDuplicateJsonSchema>;

/** Answer of `GET /logs/duplicates`: a page (newest scheduled first) and how many match. */
export const logDuplicatePageSchema = z.strictObject({ items: z.array(logDuplicateJsonSchema), total: z.number().int() });
export type LogDuplicatePage = z.infer<typeof logDuplicatePageSchema>;

/** Answer of `GET /logs/:id/text`: a slice of a task's execution log. */
export const logTextSchema = z.strictObject({
  lines: z.array(z.string()),
  /** Index of the first line returned (0-based). */
  from: z.number().int(),
  /** Where to ask from next time. */
  next: z.number().int(),
  /** More lines than this page are there already: ask again from `next` at once. */
  more: z.boolean(),
  /** The task is final and its whole log has been returned (no `more`). */
  done: z.boolean(),
});
export type LogText = z.infer<typeof logTextSchema>;

/** A worker as the registry knows it (`GET /workers`, and the `/ui` `workers` push). Times are epoch ms. */
export const workerJsonSchema = z.strictObject({
  workerId: z.string(),
  app: z.string(),
  online: z.boolean(),
  concurrency: z.number().int(),
  running: z.number().int(),
  free: z.number().int(),
  handlers: z.array(z.string()),
  lastHeartbeat: epochMs,
  connectedAt: epochMs,
  host: z.string().nullable(),
  pid: z.number().int().nullable(),
  /** The cluster's clock minus the worker's (ms), as it measured and sent with its last heartbeat; null when it sent none. */
  clockOffsetMs: z.number().int().nullable(),
});
export type WorkerJson = z.infer<typeof workerJsonSchema>;

/** Answer of `GET /reports/daily`: final records per UTC day and status, oldest first, zero-filled. */
export const dailyReportSchema = z.strictObject({
  days: z.array(
    z.strictObject({
      /** `YYYY-MM-DD` (UTC). */
      day: z.string(),
      /** Final status → count; every final status is listed, zero when none. */
      counts: z.record(z.string(), z.number().int()),
      total: z.number().int(),
      /** Second records of fires scheduled that day, kept apart (`GET /logs/duplicates`); not in `total`. */
      duplicates: z.number().int(),
    }),
  ),
});
export type DailyReportJson = z.infer<typeof dailyReportSchema>;
