/**
 * Seeded hostile values for socket and REST fuzzers: the same seed gives the same sequence, so a
 * failure is replayed by running the test again with the seed it printed.
 */

/** A seeded PRNG (mulberry32): floats in [0, 1). */
export type Rng = () => number;

/** A {@link Rng} seeded with `seed`. */
export function seededRng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One element of `items`. */
export function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)]!;
}

/** Integer in [min, max]. */
export function int(rng: Rng, min: number, max: number): number {
  return min + Math.floor(rng() * (max - min + 1));
}

/** Keys that have tripped JavaScript code before: prototype keys, empty, unicode, look-alikes. */
export const HOSTILE_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'valueOf',
  '',
  ' ',
  'taskId',
  'taskid',
  'TaskId',
  'táskId',
  '\u0000',
  '🙂',
  'ok',
  'code',
  'app',
] as const;

/** Strings that have tripped parsers before: unicode, controls, lone surrogates, look-alike ids, injections. */
export const HOSTILE_STRINGS = [
  '',
  ' ',
  '\u0000',
  '\ud800',
  '\udfff',
  '\u202e\u0041\u0042',
  '\ufeff',
  '🙂🙂🙂',
  '𝕒𝕝𝕡𝕙𝕒',
  'ｂｅｔａ',
  '../../etc/passwd',
  '%E0%A4%A',
  '%00',
  "' OR 1=1 --",
  '<script>alert(1)</script>',
  '${process.exit()}',
  '*',
  '1-',
  '-1',
  '1e309',
  'NaN',
  'null',
  'undefined',
  '__proto__',
  'a'.repeat(65),
  'a'.repeat(64),
  '1-00000000000000000000000000',
] as const;

/**
 * A JSON-able value of random shape, `depth` levels deep at most, except for the occasional
 * 800-level value (deeper ones overflow socket.io-client's own encoder; send those raw).
 */
export function fuzzValue(rng: Rng, depth = 3): unknown {
  const r = rng();
  if (depth <= 0 || r < 0.35) return fuzzScalar(rng);
  if (r < 0.55) return Array.from({ length: int(rng, 0, 4) }, () => fuzzValue(rng, depth - 1));
  if (r < 0.9) return fuzzObject(rng, depth - 1);
  return pick(rng, [() => deepValue(int(rng, 100, 800)), () => 'x'.repeat(int(rng, 10_000, 512 * 1024)), () => wideObject(int(rng, 100, 5000))])();
}

/** An object with random, often hostile keys; `__proto__` is an own key (as JSON.parse makes it). */
export function fuzzObject(rng: Rng, depth = 2): Record<string, unknown> {
  const entries: [string, unknown][] = [];
  for (let i = int(rng, 0, 4); i > 0; i--) entries.push([rng() < 0.6 ? pick(rng, HOSTILE_KEYS) : fuzzString(rng), fuzzValue(rng, depth)]);
  return withOwnKeys(entries);
}

/** A scalar: null, booleans, edge numbers, hostile or random strings. */
export function fuzzScalar(rng: Rng): unknown {
  return pick(rng, [
    () => null,
    () => rng() < 0.5,
    () => pick(rng, [0, -0, 1, -1, 2 ** 53, -(2 ** 53), 1e308, -1e308, 0.1, Number.MAX_SAFE_INTEGER + 2]),
    () => int(rng, -1e9, 1e9),
    () => pick(rng, HOSTILE_STRINGS),
    () => fuzzString(rng),
  ])();
}

/** A random string of 0..40 code points from several planes (lone surrogates included). */
export function fuzzString(rng: Rng): string {
  let s = '';
  for (let i = int(rng, 0, 40); i > 0; i--) {
    const plane = rng();
    const cp = plane < 0.5 ? int(rng, 0x20, 0x7e) : plane < 0.7 ? int(rng, 0, 0x1f) : plane < 0.85 ? int(rng, 0x80, 0xffff) : int(rng, 0x10000, 0x10ffff);
    s += cp >= 0xd800 && cp <= 0xdfff ? String.fromCharCode(cp) : String.fromCodePoint(cp);
  }
  return s;
}

/** `{a:{a:{…}}}` nested `levels` deep. */
export function deepValue(levels: number): unknown {
  let v: unknown = 'bottom';
  for (let i = 0; i < levels; i++) v = i % 2 ? { a: v } : [v];
  return v;
}

/** An object with `n` keys. */
export function wideObject(n: number): Record<string, number> {
  const o: Record<string, number> = {};
  for (let i = 0; i < n; i++) o[`k${i}`] = i;
  return o;
}

/** An object whose keys are all own properties, `__proto__` included (a literal would set the prototype instead). */
export function withOwnKeys(entries: readonly [string, unknown][]): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const [k, v] of entries) Object.defineProperty(o, k, { value: v, enumerable: true, configurable: true, writable: true });
  return o;
}
