import type { z } from 'zod';
import { AppError } from '../domain/errors.js';

declare const parsedBrand: unique symbol;

/**
 * A value that went through its zod schema: the REST edge parses a request once
 * (`api/validate.ts`) and the services take `Parsed<…>` input, so they never parse it again and
 * nothing reaches them unchecked. Only {@link parseOrThrow} makes one.
 */
export type Parsed<T> = T & { readonly [parsedBrand]: true };

/** Turns zod issues into one readable line: `schedule.cron: Invalid input; name: Too small`. */
export function describeIssues(issues: readonly z.core.$ZodIssue[], where?: string): string {
  const parts = issues.slice(0, 10).map((i) => {
    const path = [where, ...i.path.map(String)].filter(Boolean).join('.');
    return path ? `${path}: ${i.message}` : i.message;
  });
  if (issues.length > 10) parts.push(`… and ${issues.length - 10} more`);
  return parts.join('; ');
}

/**
 * Parses `value` with `schema`.
 * @param where prefix of the paths in the message (`body`, `query`, …).
 * @throws {AppError} `OASIS_ERR_VALIDATION` listing what is wrong.
 */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, where?: string): Parsed<z.output<S>> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new AppError('OASIS_ERR_VALIDATION', describeIssues(parsed.error.issues, where));
  return parsed.data as Parsed<z.output<S>>;
}
