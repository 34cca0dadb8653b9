/**
 * The REST bodies of jobs (`/api/v1/jobs…`, `/api/v1/schedule/preview`): what a request may send
 * (zod schemas the admin's routes validate with, once) and what the admin answers (the job JSON,
 * built by `jobJson` in `server/src/api/routes/jobs.ts`, which `satisfies` {@link JobJson}).
 */
import { z } from 'zod';
import { closedSet } from './kit.js';
import { MisfirePolicy, OverlapPolicy, RetryBackoff, Routing, ScriptLanguage } from './enums.js';
import { HANDLER_NAME_PATTERN } from './names.js';
import { appNameSchema } from './rest-access.js';

/** Largest value an INT column holds; bounds every millisecond setting stored as INT. */
const INT_MAX = 2_147_483_647;
const TEN_YEARS_MS = 10 * 366 * 24 * 3600 * 1000;

const epochMs = z.number().int().min(0).max(8_640_000_000_000);

const window = {
  /** No fire before this instant (epoch ms). */
  startAt: epochMs.optional(),
  /** No fire after this instant (epoch ms). */
  endAt: epochMs.optional(),
  /** At most this many scheduled runs, then the job leaves the schedule. */
  maxRuns: z.number().int().min(1).max(INT_MAX).optional(),
};

/**
 * `{type:"CRON", cron, timezone?}` | `{type:"FIXED_RATE", everyMs}` (≥ 100) |
 * `{type:"FIXED_DELAY", delayMs}` (≥ 100) — each with optional `startAt`, `endAt`, `maxRuns` —
 * | `{type:"ONCE", at}` | `{type:"NONE"}`.
 */
export const scheduleSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('CRON'),
    cron: z.string().trim().min(1).max(256),
    timezone: z.string().min(1).max(64).optional(),
    ...window,
  }),
  z.strictObject({
    type: z.literal('FIXED_RATE'),
    everyMs: z.number().int().min(100).max(TEN_YEARS_MS),
    ...window,
  }),
  z.strictObject({
    type: z.literal('FIXED_DELAY'),
    delayMs: z.number().int().min(100).max(TEN_YEARS_MS),
    ...window,
  }),
  z.strictObject({ type: z.literal('ONCE'), at: epochMs }),
  z.strictObject({ type: z.literal('NONE') }),
]);
export type ScheduleInput = z.input<typeof scheduleSchema>;

/** Handler names as workers register them: no spaces, 1-128 chars (the worker handshake's limit). */
export const handlerSchema = z.string().regex(HANDLER_NAME_PATTERN, 'must be 1-128 characters without spaces');

const jobNameSchema = z
  .string()
  .trim()
  .min(1)
  .max(128)
  // eslint-disable-next-line no-control-regex
  .regex(/^[^\u0000-\u001f\u007f]*$/, 'must not contain control characters');

const misfireSchema = z.strictObject({
  policy: closedSet(MisfirePolicy).optional(),
  thresholdMs: z.number().int().min(0).max(INT_MAX).optional(),
});

const retrySchema = z.strictObject({
  count: z.number().int().min(0).max(100).optional(),
  backoff: closedSet(RetryBackoff).optional(),
  delayMs: z.number().int().min(0).max(INT_MAX).optional(),
  maxDelayMs: z.number().int().min(0).max(INT_MAX).optional(),
  jitter: z.number().min(0).max(1).optional(),
});

const childOptionsSchema = z.strictObject({
  onFailure: z.boolean().optional(),
  passResult: z.boolean().optional(),
});

const httpUrl = z
  .url({ protocol: /^https?$/ })
  .max(2048)
  .refine((u) => /^https?:\/\//i.test(u), 'must be an http(s) URL');

const alarmSchema = z.strictObject({
  emails: z.array(z.email().max(254)).max(20).optional(),
  webhooks: z.array(httpUrl).max(10).optional(),
});

const scriptSchema = z.strictObject({
  language: closedSet(ScriptLanguage),
  /** The code; the admin checks its size against the configured params cap (x4). */
  source: z.string().min(1).max(1_000_000),
});

const fields = {
  name: jobNameSchema,
  handler: handlerSchema,
  /** Raw string handed to the handler; the admin checks its size against the configured cap. */
  params: z.string().optional(),
  schedule: scheduleSchema,
  enabled: z.boolean().optional(),
  misfire: misfireSchema.optional(),
  overlap: closedSet(OverlapPolicy).optional(),
  routing: closedSet(Routing).optional(),
  timeoutMs: z.number().int().min(0).max(INT_MAX).optional(),
  retry: retrySchema.optional(),
  childJobIds: z.array(z.number().int().min(1)).max(50).optional(),
  childOptions: childOptionsSchema.optional(),
  alarm: alarmSchema.optional(),
  /** A script (GLUE) job's code, or null to turn it back into a handler job. */
  script: scriptSchema.nullable().optional(),
};

/**
 * Body of `POST /jobs`. Defaults: params '', enabled true, misfire SKIP + configured threshold,
 * overlap ALLOW, routing BUSYOVER, timeoutMs 0, no retries, no children, no alarms, no script. A
 * script job may leave out `handler` (it becomes `script`).
 */
export const createJobSchema = z.strictObject({ app: appNameSchema, ...fields, handler: handlerSchema.optional() });
export type CreateJobBody = z.input<typeof createJobSchema>;
export type CreateJob = z.output<typeof createJobSchema>;

/** Body of `PUT /jobs/:id`: any field but the app (a job never moves to another app). */
export const updateJobSchema = z.strictObject({
  ...fields,
  name: jobNameSchema.optional(),
  handler: handlerSchema.optional(),
  schedule: scheduleSchema.optional(),
});
export type UpdateJobBody = z.input<typeof updateJobSchema>;
export type UpdateJob = z.output<typeof updateJobSchema>;

/** Body of `POST /jobs/:id/trigger`: params for this run only (default: the job's). */
export const triggerJobSchema = z.strictObject({ params: z.string().optional() });
export type TriggerJob = z.output<typeof triggerJobSchema>;

/** Body of `POST /jobs/:id/pause`: an optional note shown with the job. */
export const pauseJobSchema = z.strictObject({ note: z.string().max(255).optional() });
export type PauseJob = z.output<typeof pauseJobSchema>;

/** Body of `POST /jobs/:id/skip-next`: how many upcoming scheduled fires to skip (default 1). */
export const skipNextSchema = z.strictObject({ count: z.number().int().min(1).max(10_000).optional() });
export type SkipNext = z.output<typeof skipNextSchema>;

/** Body of `POST /schedule/preview`: a schedule as a job would have it, and how many fires (1-100, default 5). */
export const previewScheduleSchema = z.strictObject({
  schedule: scheduleSchema,
  count: z.number().int().min(1).max(100).optional(),
});
export type PreviewScheduleBody = z.input<typeof previewScheduleSchema>;
export type PreviewSchedule = z.output<typeof previewScheduleSchema>;

// ---- answers -------------------------------------------------------------------------------

/** A job as the API answers it (`GET /jobs/:id` and every call that changes one). Times are epoch ms. */
export const jobJsonSchema = z.strictObject({
  id: z.number().int(),
  app: z.string(),
  name: z.string(),
  /** Handler name; for a script job, a label shown in logs (default `script`). */
  handler: z.string(),
  params: z.string(),
  schedule: scheduleSchema,
  misfire: z.strictObject({ policy: closedSet(MisfirePolicy), thresholdMs: z.number().int() }),
  overlap: closedSet(OverlapPolicy),
  routing: closedSet(Routing),
  timeoutMs: z.number().int(),
  retry: z.strictObject({
    count: z.number().int(),
    backoff: closedSet(RetryBackoff),
    delayMs: z.number().int(),
    /** 0 = no cap. */
    maxDelayMs: z.number().int(),
    jitter: z.number(),
  }),
  childJobIds: z.array(z.number().int()),
  childOptions: z.strictObject({ onFailure: z.boolean(), passResult: z.boolean() }),
  alarm: z.strictObject({ emails: z.array(z.string()), webhooks: z.array(z.string()) }),
  /** Null for a handler job; `sha256` names the exact code (hex of its UTF-8). */
  script: z.strictObject({ language: closedSet(ScriptLanguage), source: z.string(), sha256: z.string() }).nullable(),
  /** Version of `script` (0 when it never had one). */
  scriptVersion: z.number().int(),
  enabled: z.boolean(),
  paused: z.boolean(),
  pauseNote: z.string(),
  /** Scheduled fires still to be skipped. */
  skipNext: z.number().int(),
  /** Scheduled fires that produced a run so far (counts towards `schedule.maxRuns`). */
  runs: z.number().int(),
  /** Bumped on every change of the definition. */
  version: z.number().int(),
  /** Next scheduled fire, or null (stopped, paused, finished, NONE). */
  nextFireAt: z.number().int().nullable(),
  createdAt: z.number().int(),
  updatedAt: z.number().int(),
});
export type JobJson = z.infer<typeof jobJsonSchema>;

/** Answer of `POST /jobs/:id/trigger`: the task made (the first one for a sharding broadcast) and all of them. */
export const triggerAnswerSchema = z.strictObject({ taskId: z.string(), taskIds: z.array(z.string()) });
export type TriggerAnswer = z.infer<typeof triggerAnswerSchema>;

/** Answer of `POST /schedule/preview`: fire instants; `complete` false when the CPU budget cut the list short. */
export const previewAnswerSchema = z.strictObject({ fires: z.array(z.number().int()), complete: z.boolean() });
export type PreviewAnswer = z.infer<typeof previewAnswerSchema>;

/** Answer of `GET /jobs/:id/next-fires`; `basis` `next` = from the job's pending fire, `now` = its plan from now. */
export const nextFiresAnswerSchema = z.strictObject({
  fires: z.array(z.number().int()),
  basis: z.enum(['next', 'now']),
  skipNext: z.number().int(),
  complete: z.boolean(),
});
export type NextFiresAnswer = z.infer<typeof nextFiresAnswerSchema>;

/** Answer of `GET /jobs/:id/script-versions`: newest first. */
export const scriptVersionsAnswerSchema = z.strictObject({
  items: z.array(z.strictObject({ version: z.number().int(), language: closedSet(ScriptLanguage), source: z.string(), createdAt: z.number().int() })),
});
export type ScriptVersionsAnswer = z.infer<typeof scriptVersionsAnswerSchema>;
