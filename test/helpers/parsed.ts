/**
 * The services take input parsed by its contract schema (`Parsed<…>`), as the REST edge parses a
 * request once: tests that call a service directly parse their input the same way first.
 */
import type { z } from 'zod';
import { parseOrThrow, type Parsed } from '../../server/src/services/validation.js';

/** `value` parsed with `schema`. @throws {AppError} `OASIS_ERR_VALIDATION`, as the edge would answer. */
export function parsed<S extends z.ZodType>(schema: S, value: z.input<S>): Parsed<z.output<S>> {
  return parseOrThrow(schema, value);
}

/** Like {@link parsed}, then `call` with it; a refusal of the input becomes the promise's rejection, as a service's own would. */
export async function withParsed<S extends z.ZodType, R>(schema: S, value: z.input<S>, call: (input: Parsed<z.output<S>>) => Promise<R>): Promise<R> {
  return call(parsed(schema, value));
}
