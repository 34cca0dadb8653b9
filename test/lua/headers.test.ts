/**
 * Every script's header is its contract (grammar: `server/src/store/redis/script-header.ts`):
 * it declares at least one key (a Redis Cluster client routes by it), the leading ARGV every
 * script takes, and a reply with named fields and a code. The generated wrappers
 * (`server/src/store/redis/generated/`) must be what the headers give today — same KEYS and ARGV,
 * same count, same order — and the body must use no KEYS or ARGV its header does not declare.
 */
import { expect } from 'chai';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readHeaders, scriptFiles, WRAPPERS_DIR, wrapperFiles } from '../../scripts/redis-codegen.js';
import { commitFire, SCRIPTS } from '../../server/src/store/redis/generated/index.js';
import { codeName, ScriptReplyError } from '../../server/src/store/redis/reply-codes.js';
import { LEADING_ARGV, parseHeader, specOf } from '../../server/src/store/redis/script-header.js';
import { leadingArgs, luaDir, readScript, ScriptRunner } from '../../server/src/store/redis/scripts.js';
import { scanLua } from '../helpers/lua-source.js';
import { createTestRedis, TEST_REDIS_CLUSTER, type TestRedis } from '../helpers/redis.js';

const ROOT = join(luaDir(), '..');

describe('lua: script headers and their generated wrappers', () => {
  const files = scriptFiles(luaDir());

  it('every script has a generated wrapper and every wrapper a script', () => {
    expect(SCRIPTS.map((s) => s.file).sort()).to.deep.equal(files);
    const generated = readdirSync(join(ROOT, WRAPPERS_DIR)).sort();
    expect(generated).to.deep.equal([...files.map((f) => `${f}.ts`), 'index.ts'].sort());
  });

  it('the generated wrappers are what the headers give (npx tsx scripts/gen-redis.ts rewrites them)', () => {
    for (const [path, text] of wrapperFiles(readHeaders(luaDir()))) {
      const committed = existsSync(join(ROOT, path)) ? readFileSync(join(ROOT, path), 'utf8') : '(missing)';
      expect(committed, `${path} is stale`).to.equal(text);
    }
  });

  for (const spec of SCRIPTS) {
    describe(`${spec.file}.lua`, () => {
      const raw = readFileSync(join(luaDir(), `${spec.file}.lua`), 'utf8');

      it('declares at least one key, the leading ARGV and a reply with a code', () => {
        const h = parseHeader(spec.file, raw);
        expect(h.keys.length, 'KEYS').to.be.greaterThan(0);
        expect(h.argv.slice(0, LEADING_ARGV.length).map((a) => a.name)).to.deep.equal([...LEADING_ARGV]);
        expect(h.reply.map((f) => f.name)).to.include('code');
      });

      it('its wrapper passes the KEYS and ARGV of its header, in count and order', () => {
        const declared = specOf(parseHeader(spec.file, raw));
        expect({ keys: spec.keys, argv: spec.argv, rest: spec.rest }).to.deep.equal({ keys: declared.keys, argv: declared.argv, rest: declared.rest });
        expect(spec).to.deep.equal(declared);
      });

      it('uses exactly the KEYS it declares and no ARGV it does not', () => {
        const h = parseHeader(spec.file, raw);
        const { code } = scanLua(readScript(spec.file).source);
        const used = [...new Set([...code.matchAll(/KEYS\[(\d+)\]/g)].map((m) => Number(m[1])))].sort();
        expect(used, 'KEYS used').to.deep.equal(h.keys.map((_, i) => i + 1));
        const fixed = h.argv.length;
        for (const m of code.matchAll(/ARGV\[(\d+)\]/g)) {
          const i = Number(m[1]);
          expect(i <= fixed || (h.rest !== null && i === fixed + 1), `ARGV[${i}] declared`).to.equal(true);
        }
      });
    });
  }
});

describe('lua: the loader and the reply codes hold the contract at run time', () => {
  let t: TestRedis;
  beforeEach(() => {
    t = createTestRedis();
  });
  afterEach(async () => {
    await t.cleanup();
  });

  it('refuses to start on a spec its header contradicts (ARGV swapped)', () => {
    const swapped = { ...commitFire, argv: ['base', 'now', 'workerTtl', 'seed', 'count', 'bufferMax'] };
    expect(() => new ScriptRunner(t.redis, [swapped])).to.throw(/commit-fire\.lua and its generated wrapper disagree/);
    expect(() => new ScriptRunner(t.redis, [commitFire])).to.not.throw();
  });

  it('a script refuses a declared key outside the slot of its ARGV[1]', async () => {
    const runner = new ScriptRunner(t.redis);
    const call = (app: string) =>
      runner.call(commitFire, { schedule: t.keys.app(app).schedule }, { ...leadingArgs(t.keys.app('a').base, 1), bufferMax: 1, count: 0, fires: [] });
    expect((await call('a')).statuses).to.deep.equal([]);
    let err: unknown = null;
    await call('b').catch((e: unknown) => (err = e));
    // A cluster refuses the call before the script runs (the declared keys span two slots).
    expect(String(err)).to.match(TEST_REDIS_CLUSTER ? /CROSSSLOT/ : /declared key .*\{b\}:schedule is not .*\{a\}:schedule/);
  });

  it('a code a script does not declare is an error, not an outcome', () => {
    expect(codeName('set-progress', -3, ['OK', 'NOT_IN_FLIGHT', 'NOT_HELD'])).to.equal('NOT_HELD');
    expect(() => codeName('set-progress', -7, ['OK', 'NOT_IN_FLIGHT', 'NOT_HELD'])).to.throw(ScriptReplyError, /undeclared code -7/);
    expect(() => codeName('set-progress', 42, ['OK'])).to.throw(ScriptReplyError);
  });
});
