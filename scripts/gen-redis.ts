/**
 * Regenerates the generated files of the Redis layer: `lua/include/schema.lua` (the schema of
 * `server/src/store/redis/schema.ts`, for the scripts) and `server/src/store/redis/generated/`
 * (one typed spec per script, from the headers of `lua/*.lua`, and an index).
 *
 * Usage: npx tsx scripts/gen-redis.ts [--check]
 * With `--check` nothing is written; exit 1 when a file is stale or left over. The tests
 * `test/lua/schema.test.ts` and `test/lua/headers.test.ts` make the same comparison.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { LUA_SCHEMA_PATH, luaSchemaSource, readHeaders, WRAPPERS_DIR, wrapperFiles } from './redis-codegen.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const check = process.argv.includes('--check');
const outputs = new Map<string, string>([[LUA_SCHEMA_PATH, luaSchemaSource()], ...wrapperFiles(readHeaders(`${root}lua`))]);

const read = (path: string): string | null => {
  try {
    return readFileSync(`${root}${path}`, 'utf8');
  } catch {
    return null;
  }
};

mkdirSync(`${root}${WRAPPERS_DIR}`, { recursive: true });
const leftOver = readdirSync(`${root}${WRAPPERS_DIR}`)
  .map((f) => `${WRAPPERS_DIR}/${f}`)
  .filter((p) => !outputs.has(p));
let stale = 0;
for (const path of leftOver) {
  stale++;
  if (check) process.stderr.write(`${path} belongs to no script\n`);
  else rmSync(`${root}${path}`);
}
for (const [path, text] of outputs) {
  if (read(path) === text) continue;
  stale++;
  if (check) process.stderr.write(`${path} is stale: run npx tsx scripts/gen-redis.ts\n`);
  else {
    writeFileSync(`${root}${path}`, text);
    process.stdout.write(`wrote ${path}\n`);
  }
}
if (check && stale > 0) process.exit(1);
