import { z } from 'zod';
import { MisfirePolicy, OverlapPolicy, RetryBackoff, Routing, ScriptLanguage } from '../domain/types.js';
import { appNameSchema } from './app-service.js';

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

/** Handler names as workers register them: no spaces, 1-128 chars (the worker handshake's limit). */
export const handlerSchema = z.string().regex(/^\S{1,128}$/, 'must be 1-128 characters without spaces');

const jobNameSchema = z
  .string()
  .trim()
  .min(1)
  .max(128)
  // eslint-disable-next-line no-control-regex
  .regex(/^[^\u0000-\u001f\u007f]*$/, 'must not contain control characters');

function oneOf<T extends string>(values: Record<string, T>) {
  return z.enum(Object.values(values) as [T, ...T[]]);
}

const misfireSchema = z.strictObject({
  policy: oneOf(MisfirePolicy).optional(),
  thresholdMs: z.number().int().min(0).max(INT_MAX).optional(),
});

const retrySchema = z.strictObject({
  count: z.number().int().min(0).max(100).optional(),
  backoff: oneOf(RetryBackoff).optional(),
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
  language: oneOf(ScriptLanguage),
  /** The code; its size is checked against the configured params cap (x4). */
  source: z.string().min(1).max(1_000_000),
});

const fields = {
  name: jobNameSchema,
  handler: handlerSchema,
  /** Raw string handed to the handler; its size is checked against the configured cap. */
  params: z.string().optional(),
  schedule: scheduleSchema,
  enabled: z.boolean().optional(),
  misfire: misfireSchema.optional(),
  overlap: oneOf(OverlapPolicy).optional(),
  routing: oneOf(Routing).optional(),
  timeoutMs: z.number().int().min(0).max(INT_MAX).optional(),
  retry: retrySchema.optional(),
  childJobIds: z.array(z.number().int().min(1)).max(50).optional(),
  childOptions: childOptionsSchema.optional(),
  alarm: alarmSchema.optional(),
  /** A script (GLUE) job's code, or null to turn it back into a handler job. */
  script: scriptSchema.nullable().optional(),
};

/**
 * A new job. Defaults: params '', enabled true, misfire SKIP + configured threshold, overlap
 * ALLOW, routing BUSYOVER, timeoutMs 0, no retries, no children, no alarms, no script. A script
 * job may leave out `handler` (it becomes `script`).
 */
export const createJobSchema = z.strictObject({ app: appNameSchema, ...fields, handler: handlerSchema.optional() });
export type CreateJobInput = z.input<typeof createJobSchema>;

/** A change to a job: any field but the app (a job never moves to another app). */
export const updateJobSchema = z.strictObject({
  ...fields,
  name: jobNameSchema.optional(),
  handler: handlerSchema.optional(),
  schedule: scheduleSchema.optional(),
});
export type UpdateJobInput = z.input<typeof updateJobSchema>;

/** Body of a manual trigger: params for this run only (default: the job's). */
export const triggerJobSchema = z.strictObject({ params: z.string().optional() });
export type TriggerJobInput = z.input<typeof triggerJobSchema>;

/** Body of `pause`: an optional note shown with the job. */
export const pauseJobSchema = z.strictObject({ note: z.string().max(255).optional() });
export type PauseJobInput = z.input<typeof pauseJobSchema>;

/** Body of `skip-next`: how many upcoming scheduled fires to skip (default 1). */
export const skipNextSchema = z.strictObject({ count: z.number().int().min(1).max(10_000).optional() });
export type SkipNextInput = z.input<typeof skipNextSchema>;

/** Body of `POST /schedule/preview`: a schedule as a job would have it, and how many fires (1-100, default 5). */
export const previewScheduleSchema = z.strictObject({
  schedule: scheduleSchema,
  count: z.number().int().min(1).max(100).optional(),
});
export type PreviewScheduleInput = z.input<typeof previewScheduleSchema>;
