import { ScriptCode } from './reply-codes.js';

/**
 * The header every script in `lua/` opens with, read by machine: the generator of the typed
 * wrappers (`scripts/gen-redis.ts` → `scripts.generated.ts`), the loader (which refuses to start
 * when a wrapper and its header disagree) and `test/lua/headers.test.ts`. The grammar:
 *
 * ```
 * --[[
 *   What the script does and guarantees (prose).
 *
 *   KEYS[1] schedule: the app's schedule ZSET          one line per key: name, colon, meaning
 *   ARGV[1] base: app key base ("<prefix>{<app>}:")   the same four first, in this order:
 *   ARGV[2] now: epoch ms                               base, now, workerTtl, seed
 *   ARGV[3] workerTtl: ms
 *   ARGV[4] seed: seeds math.random; "" = unused
 *   ARGV[5..] ids: the rest of the arguments            `..`: variadic, last only
 *
 *   Output: JSON object with effects                    "with effects": adds wake, kill, resched
 *     code: OK|NOT_REGISTERED  meaning                  4 spaces, name, colon, type, meaning;
 *     tasks: PulledTaskRow[]  meaning                   deeper lines continue the meaning
 * ]]
 * ```
 *
 * A reply field's type is `number`, `string`, `boolean`, `string[]`, `number[]`, a row type of
 * `schema.ts` (`ClaimedFireRow[]`), a union of {@link ScriptCode} names for `code`, or such a
 * union in brackets for a list of codes (`(OK|STALE)[]`). `name?:` marks a field that may be absent.
 */
export interface ScriptHeader {
  /** File name without `.lua`. */
  file: string;
  /** First sentence of the prose. */
  summary: string;
  keys: HeaderItem[];
  argv: HeaderItem[];
  /** The variadic last argument, if any (not in `argv`). */
  rest: HeaderItem | null;
  /** The reply adds the effects (wake, kill, resched). */
  effects: boolean;
  reply: ReplyField[];
}

export interface HeaderItem {
  name: string;
  doc: string;
}

export interface ReplyField extends HeaderItem {
  optional: boolean;
  /** The type as written. */
  type: string;
  /** For `code` and code lists: the codes allowed. */
  codes: ScriptCode[] | null;
  /** An array (`[]`): a Lua empty table, encoded `{}`, is read as an empty list. */
  list: boolean;
}

/** `ARGV[1..4]` of every script, in this order. */
export const LEADING_ARGV = ['base', 'now', 'workerTtl', 'seed'] as const;

/** Row types of `schema.ts` a reply field may use. */
export const ROW_TYPES = ['ClaimedFireRow', 'PulledTaskRow'] as const;

const PLAIN_TYPES = new Set(['number', 'string', 'boolean', 'string[]', 'number[]', ...ROW_TYPES.map((t) => `${t}[]`)]);
const ITEM = /^\s*(KEYS|ARGV)\[(\d+)(\.\.)?\]\s+([a-z][A-Za-z0-9]*):\s+(.*)$/;
const OUTPUT = /^\s*Output:\s*JSON object(.*)$/;
const FIELD = /^ {4}([a-z][A-Za-z0-9]*)(\?)?:\s+(\S+)(?:\s+(.*))?$/;

function codesOf(file: string, union: string): ScriptCode[] {
  return union.split('|').map((c) => {
    if (!(c in ScriptCode)) throw new Error(`lua/${file}.lua: unknown code ${c} in its Output`);
    return c as ScriptCode;
  });
}

function replyField(file: string, m: RegExpExecArray): ReplyField {
  const [, name = '', optional, type = '', doc = ''] = m;
  const codeList = /^\(([A-Z_|]+)\)\[\]$/.exec(type);
  let codes: ScriptCode[] | null = null;
  if (codeList) codes = codesOf(file, codeList[1] ?? '');
  else if (name === 'code') codes = codesOf(file, type);
  else if (!PLAIN_TYPES.has(type)) throw new Error(`lua/${file}.lua: reply field ${name} has the unknown type ${type}`);
  return { name, optional: optional === '?', type, doc, codes, list: type.endsWith('[]') };
}

/**
 * Reads the header of one script (its raw text, before includes are inlined).
 * @throws {Error} naming the file and the problem when the header breaks the grammar: missing,
 *   gaps in the numbering, a variadic argument that is not last, no key, leading arguments other
 *   than {@link LEADING_ARGV}, no `Output: JSON object` or no `code` field.
 */
export function parseHeader(file: string, source: string): ScriptHeader {
  const text = /^--\[\[([\s\S]*?)\]\]/.exec(source)?.[1];
  if (text === undefined) throw new Error(`lua/${file}.lua: no header comment`);
  const header: ScriptHeader = { file, summary: '', keys: [], argv: [], rest: null, effects: false, reply: [] };
  const prose: string[] = [];
  let last: HeaderItem | null = null;
  let inOutput = false;
  for (const line of text.split('\n')) {
    const item = ITEM.exec(line);
    const output = OUTPUT.exec(line);
    const field = inOutput ? FIELD.exec(line) : null;
    if (item) {
      const [, kind, index, variadic, name = '', doc = ''] = item;
      const list = kind === 'KEYS' ? header.keys : header.argv;
      if (header.rest) throw new Error(`lua/${file}.lua: ARGV[${index}] follows the variadic argument`);
      if (Number(index) !== list.length + 1) throw new Error(`lua/${file}.lua: ${kind}[${index}] out of order`);
      last = { name, doc: doc.trim() };
      if (variadic) {
        if (kind === 'KEYS') throw new Error(`lua/${file}.lua: KEYS cannot be variadic`);
        header.rest = last;
      } else list.push(last);
    } else if (output) {
      inOutput = true;
      header.effects = /with effects/.test(output[1] ?? '');
      last = null;
    } else if (field) {
      const f = replyField(file, field);
      header.reply.push(f);
      last = f;
    } else if (last && /^\s{5,}\S/.test(line)) {
      last.doc = `${last.doc} ${line.trim()}`;
    } else if (!inOutput && header.keys.length === 0 && header.argv.length === 0) {
      prose.push(line.trim());
    }
  }
  header.summary = (prose.join(' ').trim().split(/(?<=\.)\s/)[0] ?? '').trim();
  if (header.keys.length === 0) throw new Error(`lua/${file}.lua: declares no KEYS (a cluster client could not route it)`);
  const leading = header.argv.slice(0, LEADING_ARGV.length).map((a) => a.name);
  if (leading.join() !== LEADING_ARGV.join()) {
    throw new Error(`lua/${file}.lua: ARGV must start with ${LEADING_ARGV.join(', ')}, not ${leading.join(', ')}`);
  }
  if (!inOutput) throw new Error(`lua/${file}.lua: no "Output: JSON object" line`);
  if (!header.reply.some((f) => f.name === 'code' && !f.optional)) throw new Error(`lua/${file}.lua: its reply has no code field`);
  return header;
}

/** An argument of a script: Redis takes strings; numbers are sent as their decimal text. */
export type ScriptArg = string | number;

/** `ARGV[1..4]`, the same for every script ({@link LEADING_ARGV}), used or not. */
export interface LeadingArgs {
  /** The app key base `<prefix>{<app>}:`: every key the script builds starts with it. */
  base: string;
  /** The admin's clock, epoch ms: scripts never read the time themselves. */
  now: ScriptArg;
  /** Worker TTL (ms): workers silent longer are not routed to. */
  workerTtl: ScriptArg;
  /** Seed of math.random (RANDOM routing, retry jitter); '' when the script draws nothing. */
  seed: ScriptArg;
}

/**
 * What a generated wrapper (`scripts.generated.ts`) knows of its script, from the header: the
 * loader checks it against the header again at start, and `ScriptRunner.call` lays out KEYS and
 * ARGV in this order and decodes the reply by it.
 */
export interface ScriptSpec {
  readonly file: string;
  readonly keys: readonly string[];
  readonly argv: readonly string[];
  readonly rest: string | null;
  readonly effects: boolean;
  /** Reply fields holding codes (`code`, code lists) → the codes each may hold. */
  readonly codes: Readonly<Record<string, readonly ScriptCode[]>>;
  /** Reply fields that are lists. */
  readonly lists: readonly string[];
}

/** What the reply of a script "with effects" adds (see `lua/include/context.lua`). */
export interface EffectsReply {
  /** Targets to wake: worker ids, '' for the app's shared queue. */
  wake: string[];
  /** Tasks whose worker must abort them. */
  kill: { taskId: string; workerId: string }[];
  /** A job got a new next fire outside the scheduler, or a retry was planned. */
  resched: boolean;
}

/** The spec a header describes (what the generator writes and the loader compares). */
export function specOf(h: ScriptHeader): ScriptSpec {
  const codes: Record<string, readonly ScriptCode[]> = {};
  for (const f of h.reply) if (f.codes) codes[f.name] = f.codes;
  return {
    file: h.file,
    keys: h.keys.map((k) => k.name),
    argv: h.argv.map((a) => a.name),
    rest: h.rest?.name ?? null,
    effects: h.effects,
    codes,
    lists: h.reply.filter((f) => f.list).map((f) => f.name),
  };
}
