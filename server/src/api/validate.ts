import type { Request } from 'express';
import type { z } from 'zod';
import { parseOrThrow, type Parsed } from '../services/validation.js';

/**
 * Request parts checked with the contracts' zod schemas (`@oasis/worker-client/contracts`), once
 * per request: the services take the parsed values as they are. Each throws
 * `OASIS_ERR_VALIDATION` (400) on a mismatch.
 */
export const validate = {
  /** The JSON body; a missing body counts as `{}` (for routes whose fields are all optional). */
  body<S extends z.ZodType>(req: Request, schema: S): Parsed<z.output<S>> {
    return parseOrThrow(schema, req.body ?? {}, 'body');
  },
  query<S extends z.ZodType>(req: Request, schema: S): Parsed<z.output<S>> {
    return parseOrThrow(schema, { ...req.query }, 'query');
  },
  params<S extends z.ZodType>(req: Request, schema: S): Parsed<z.output<S>> {
    return parseOrThrow(schema, { ...req.params }, 'params');
  },
};
