import { z } from 'zod';
import { MisfirePolicy, Routing } from '../domain/types.js';
import { appNameSchema } from './app-service.js';

/** Largest value an INT column holds; bounds every millisecond setting stored as INT. */
const INT_MAX = 2_147_483_647;
const TEN_YEARS_MS = 10 * 366 * 24 * 3600 * 1000;

/** `{type:"CRON", cron, timezone?}` | `{type:"FIXED_RATE", everyMs}` (≥ 100) | `{type:"NONE"}`. */
export const scheduleSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('CRON'),
    cron: z.string().trim().min(1).max(256),
    timezone: z.string().min(1).max(64).optional(),
  }),
  z.strictObject({
    type: z.literal('FIXED_RATE'),
    everyMs: z.number().int().min(100).max(TEN_YEARS_MS),
  }),
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

const misfireSchema = z.strictObject({
  policy: z.enum(Object.values(MisfirePolicy) as [MisfirePolicy, ...MisfirePolicy[]]).optional(),
  thresholdMs: z.number().int().min(0).max(INT_MAX).optional(),
});

const fields = {
  name: jobNameSchema,
  handler: handlerSchema,
  /** Raw string handed to the handler; its size is checked against the configured cap. */
  params: z.string().optional(),
  schedule: scheduleSchema,
  enabled: z.boolean().optional(),
  routing: z.enum(Object.values(Routing) as [Routing, ...Routing[]]).optional(),
  timeoutMs: z.number().int().min(0).max(INT_MAX).optional(),
  misfire: misfireSchema.optional(),
};

/** A new job. Defaults: params '', enabled true, routing ANY, timeoutMs 0, misfire FIRE_ONCE + configured threshold. */
export const createJobSchema = z.strictObject({ app: appNameSchema, ...fields });
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
