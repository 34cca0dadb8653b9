import type { z } from 'zod';

/**
 * The fields of `value` that the answer's contract `schema` declares, in the schema's order: an
 * answer carries what its contract says, always in the same order, and nothing else the record
 * holds (in-flight extras, internals). `value` must already fit the contract's type, field by
 * field, so a field renamed or retyped on either side fails the type check.
 */
export function asDeclared<S extends z.ZodObject>(schema: S, value: z.infer<S>): z.infer<S> {
  const out: Record<string, unknown> = {};
  for (const key of keysOf(schema)) out[key] = (value as Record<string, unknown>)[key];
  return out as z.infer<S>;
}

/** The declared keys of a schema, listed once per schema (a page of logs asks 50 times per request). */
const declaredKeys = new WeakMap<z.ZodObject, readonly string[]>();
function keysOf(schema: z.ZodObject): readonly string[] {
  let keys = declaredKeys.get(schema);
  if (!keys) {
    keys = Object.keys(schema.shape);
    declaredKeys.set(schema, keys);
  }
  return keys;
}
