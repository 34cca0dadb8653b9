/**
 * The Redis schema is declared once (`server/src/store/redis/schema.ts`) and the Lua side reads
 * the same declaration (`lua/include/schema.lua`, generated): this file holds the two equal.
 * It fails when the generated file is stale, when TypeScript and Lua build different key names,
 * when a script names a declared field (or an old name of one) with a raw string instead of
 * `F.<hash>.<field>`, and when a script uses a field, key or code declared nowhere.
 */
import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LUA_SCHEMA_PATH, luaSchemaSource } from '../../scripts/redis-codegen.js';
import { ScriptCode } from '../../server/src/store/redis/reply-codes.js';
import { APP_KEYS, DROPPED_JOB_FIELDS, F, FINALS_ENTRY, LEGACY_FIELDS } from '../../server/src/store/redis/schema.js';
import { luaDir } from '../../server/src/store/redis/scripts.js';
import { scanLua } from '../helpers/lua-source.js';
import { createTestRedis, type TestRedis } from '../helpers/redis.js';

/** Every Lua file but the generated one: the scripts and the includes. */
function luaSources(): { path: string; src: string }[] {
  const dir = luaDir();
  const at = (sub: string) =>
    readdirSync(join(dir, sub))
      .filter((f) => f.endsWith('.lua'))
      .map((f) => join(sub, f));
  return [...at('.'), ...at('include')]
    .filter((p) => p !== join('include', 'schema.lua'))
    .map((p) => ({ path: `lua/${p.replace(/^\.\//, '')}`, src: readFileSync(join(dir, p), 'utf8') }));
}

const hashes = F as unknown as Record<string, Record<string, string>>;
/** Every declared field name, and every name of the previous layout. */
const FIELD_NAMES = new Set([
  ...Object.values(hashes).flatMap((h) => Object.keys(h)),
  ...Object.values(LEGACY_FIELDS).flatMap((m) => Object.keys(m)),
  ...DROPPED_JOB_FIELDS,
  FINALS_ENTRY.record,
]);

describe('lua: one Redis schema for TypeScript and Lua', () => {
  it(`${LUA_SCHEMA_PATH} is generated from schema.ts (npx tsx scripts/gen-redis.ts rewrites it)`, () => {
    const committed = readFileSync(join(luaDir(), 'include', 'schema.lua'), 'utf8');
    expect(committed, 'lua/include/schema.lua is stale').to.equal(luaSchemaSource());
  });

  it('no script names a field with a raw string: F.<hash>.<field> only', () => {
    const raw: string[] = [];
    for (const { path, src } of luaSources()) {
      for (const s of scanLua(src).strings) if (FIELD_NAMES.has(s.text)) raw.push(`${path}:${s.line} '${s.text}'`);
    }
    expect(raw, 'raw field names').to.deep.equal([]);
  });

  it('every F.<hash>.<field>, KEY.<name> and CODE.<name> a script uses is declared', () => {
    const undeclared: string[] = [];
    for (const { path, src } of luaSources()) {
      const { code } = scanLua(src);
      for (const m of code.matchAll(/\bF\.(\w+)\.(\w+)/g)) {
        if (!hashes[m[1] as string]?.[m[2] as string]) undeclared.push(`${path}: ${m[0]}`);
      }
      for (const m of code.matchAll(/\bF\.(\w+)\b(?!\.)/g)) if (!hashes[m[1] as string]) undeclared.push(`${path}: ${m[0]}`);
      for (const m of code.matchAll(/\bKEY\.(\w+)/g)) if (!(m[1] as string in APP_KEYS)) undeclared.push(`${path}: ${m[0]}`);
      for (const m of code.matchAll(/\bCODE\.(\w+)/g)) if (!(m[1] as string in ScriptCode)) undeclared.push(`${path}: ${m[0]}`);
    }
    expect(undeclared, 'undeclared names').to.deep.equal([]);
  });

  describe('key names', () => {
    let t: TestRedis;
    before(() => {
      t = createTestRedis();
    });
    after(async () => {
      await t.cleanup();
    });

    it('Lua builds every app key as keys.ts does', async () => {
      const k = t.keys.app('billing');
      const names = Object.keys(APP_KEYS) as (keyof typeof APP_KEYS)[];
      const lua = `${luaSchemaSource()}
local out = {}
for i, name in ipairs(ARGV) do out[i] = KEY[name](KEYS[1], 'ID-1') end
return out`;
      const built = (await t.redis.eval(lua, 1, k.base, ...names)) as string[];
      const expected = names.map((n) => {
        const v = k[n];
        return typeof v === 'function' ? v('ID-1') : v;
      });
      expect(built).to.deep.equal(expected);
    });
  });
});
