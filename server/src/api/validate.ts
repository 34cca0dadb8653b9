import type { Request } from 'express';
import { z } from 'zod';
import { parseOrThrow } from '../services/validation.js';

/** Request parts checked with zod; each throws `OASIS_ERR_VALIDATION` (400) on a mismatch. */
export const validate = {
  /** The JSON body; a missing body counts as `{}` (for routes whose fields are all optional). */
  body<S extends z.ZodType>(req: Request, schema: S): z.output<S> {
    return parseOrThrow(schema, req.body ?? {}, 'body');
  },
  query<S extends z.ZodType>(req: Request, schema: S): z.output<S> {
    return parseOrThrow(schema, { ...req.query }, 'query');
  },
  params<S extends z.ZodType>(req: Request, schema: S): z.output<S> {
    return parseOrThrow(schema, { ...req.params }, 'params');
  },
};

/** A positive database id in a path or query string (`12`, not `012` nor `1e3`). */
export const idString = z
  .string()
  .regex(/^[1-9][0-9]{0,9}$/, 'must be a positive integer')
  .transform(Number)
  .refine((n) => n <= 2_147_483_647, 'is too large');

/** A non-negative integer in a query string, between `min` and `max`. */
export const intString = (min: number, max: number) =>
  z
    .string()
    .regex(/^[0-9]{1,9}$/, 'must be a non-negative integer')
    .transform(Number)
    .refine((n) => n >= min && n <= max, `must be between ${min} and ${max}`);

/** `limit` (1-500, default 50) and `offset` of a paged list, to spread into a query schema. */
export const pageQuery = {
  limit: intString(1, 500).default(50),
  offset: intString(0, 1_000_000).default(0),
};

/** `:id` of a job. */
export const jobIdParams = z.strictObject({ id: idString });

/** `:id` of a task (its log id). */
export const taskIdParams = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'is not a task id'),
});
