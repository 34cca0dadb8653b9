/** Small zod helpers the contract files share. */
import { z } from 'zod';

/** A zod enum of the values of an `as const` object (the closed sets of `enums.ts`). */
export function closedSet<T extends string>(values: Record<string, T>) {
  return z.enum(Object.values(values) as [T, ...T[]]);
}
