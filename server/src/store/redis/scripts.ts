import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RedisClient } from './connection.js';
import { SCRIPTS, type ScriptCalls } from './generated/index.js';
import { codeName } from './reply-codes.js';
import { APP_KEYS } from './schema.js';
import { parseHeader, specOf, type LeadingArgs, type ScriptArg, type ScriptSpec } from './script-header.js';

export interface LoadedScript {
  file: string;
  /** The file as written (its header is the contract). */
  raw: string;
  /** The file with its includes inlined: what Redis runs. */
  source: string;
  sha: string;
}

/** Finds `lua/` from both the source tree and the compiled `dist/` tree. */
export function luaDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const up of ['../../../../lua', '../../../../../lua']) {
    const dir = resolve(here, up);
    try {
      if (readdirSync(dir).includes('claim-due.lua')) return dir;
    } catch {
      // try the next candidate
    }
  }
  throw new Error(`lua/ directory not found from ${here}`);
}

const INCLUDE = /^--\s*@include\s+([a-z-]+)\s*$/m;

/**
 * Reads one script and inlines its `-- @include name` lines from `lua/include/name.lua`, depth
 * first and each include once (an include names what it needs itself; a name seen before is
 * dropped), so a local function is always defined before the code that uses it.
 */
export function readScript(file: string, dir = luaDir()): LoadedScript {
  const raw = readFileSync(join(dir, `${file}.lua`), 'utf8');
  const seen = new Set<string>();
  let source = raw;
  for (let m = INCLUDE.exec(source); m; m = INCLUDE.exec(source)) {
    const name = m[1] as string;
    const inc = seen.has(name) ? '' : readFileSync(join(dir, 'include', `${name}.lua`), 'utf8');
    seen.add(name);
    // A function, not a string: `$'` and friends in Lua patterns must not act as replacement patterns.
    source = source.replace(m[0], () => inc);
  }
  return { file, raw, source, sha: createHash('sha1').update(source).digest('hex') };
}

/**
 * `ARGV[1..4]` of a call: the app's key base, the clock, the worker TTL (0 when the script routes
 * nothing) and, when `seeded`, a fresh seed for math.random (RANDOM routing, retry jitter).
 */
export function leadingArgs(base: string, now: number, workerTtl = 0, seeded = false): LeadingArgs {
  return { base, now, workerTtl, seed: seeded ? Math.floor(Math.random() * 2 ** 31) : '' };
}

/** The fence keys' suffixes under an app's base (`APP_KEYS.fence`). */
const FENCE_1 = `${APP_KEYS.fence.suffix}1`;
const FENCE_2 = `${APP_KEYS.fence.suffix}2`;

type Call<N extends keyof ScriptCalls> = ScriptCalls[N];

/**
 * Decodes a script's JSON reply by its spec: a Lua empty table (cjson writes `{}`) becomes an
 * empty list where the header declares a list, and codes become their names (one mapping,
 * `reply-codes.ts`).
 */
function decode(spec: ScriptSpec, raw: unknown): Record<string, unknown> {
  const o = JSON.parse(String(raw)) as Record<string, unknown>;
  const lists = spec.effects ? [...spec.lists, 'wake', 'kill'] : spec.lists;
  for (const f of lists) if (!Array.isArray(o[f])) o[f] = [];
  if (spec.effects) o.resched = o.resched === true;
  for (const [f, allowed] of Object.entries(spec.codes)) {
    const v = o[f];
    o[f] = Array.isArray(v) ? v.map((c) => codeName(spec.file, c, allowed)) : codeName(spec.file, v, allowed);
  }
  return o;
}

/**
 * Runs the project's Lua scripts by EVALSHA, loading a script on first use or after a RedisClient
 * restart (NOSCRIPT). Like BullMQ's loader it knows each script's key count — here from the
 * generated specs (`generated/`), checked against every header at construction — and lays out
 * KEYS and ARGV by name, so a call can never pass the wrong count or order.
 */
export class ScriptRunner {
  /** File → the script and the spec checked against its header (what calls are laid out by). */
  private readonly scripts = new Map<string, { script: LoadedScript; spec: ScriptSpec }>();

  /**
   * Loads `specs` (default: every generated one).
   * @throws {Error} when a script's header and its spec disagree (regenerate the wrappers).
   */
  constructor(
    private readonly redis: RedisClient,
    specs: readonly ScriptSpec[] = SCRIPTS,
  ) {
    const dir = luaDir();
    for (const spec of specs) {
      const s = readScript(spec.file, dir);
      const declared = JSON.stringify(specOf(parseHeader(spec.file, s.raw)));
      if (declared !== JSON.stringify(spec)) {
        throw new Error(`lua/${spec.file}.lua and its generated wrapper disagree: run npx tsx scripts/gen-redis.ts`);
      }
      this.scripts.set(spec.file, { script: s, spec });
    }
  }

  /** Runs one script with its KEYS and ARGV by name; resolves to its decoded reply. */
  async call<N extends keyof ScriptCalls>(which: ScriptSpec & { file: N }, keys: Call<N>['keys'], args: Call<N>['args']): Promise<Call<N>['reply']> {
    const loaded = this.scripts.get(which.file);
    if (!loaded) throw new Error(`unknown script ${which.file}`);
    const { script: s, spec } = loaded;
    const byName = args as unknown as Record<string, ScriptArg | ScriptArg[]>;
    const k = spec.keys.map((name) => (keys as Record<string, string>)[name] as string);
    // The app's two fence keys, after the script's own (which it reads as KEYS[1..n]). They never
    // exist, so while the app's slot is being moved to another cluster node Redis answers the
    // script TRYAGAIN (some declared keys missing) on both nodes and the client retries until the
    // move ends; a script never runs with part of the app's keys on the other node. One server:
    // two more names hashed, nothing else.
    const base = byName.base as string;
    k.push(`${base}${FENCE_1}`, `${base}${FENCE_2}`);
    const a = spec.argv.map((name) => byName[name] as ScriptArg);
    if (spec.rest) a.push(...(byName[spec.rest] as ScriptArg[]));
    let raw: unknown;
    try {
      raw = await this.redis.evalsha(s.sha, k.length, ...k, ...a);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      raw = await this.redis.eval(s.source, k.length, ...k, ...a);
    }
    return decode(spec, raw) as Call<N>['reply'];
  }
}
