import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';

/** Names of the scripts in `lua/` (file name without `.lua`). */
export const ScriptName = {
  claimDue: 'claim-due',
  commitFire: 'commit-fire',
  enqueueTask: 'enqueue-task',
  pullTasks: 'pull-tasks',
  completeTasks: 'complete-tasks',
  renewLeases: 'renew-leases',
  reapExpired: 'reap-expired',
  reapWorkers: 'reap-workers',
  workerOffline: 'worker-offline',
  syncJob: 'sync-job',
  appendLog: 'append-log',
  setProgress: 'set-progress',
  killTask: 'kill-task',
  promoteDelayed: 'promote-delayed',
} as const;
export type ScriptName = (typeof ScriptName)[keyof typeof ScriptName];

export interface LoadedScript {
  name: ScriptName;
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

/** Reads one script and inlines its `-- @include name` lines from `lua/include/name.lua`. */
export function readScript(name: ScriptName, dir = luaDir()): LoadedScript {
  let source = readFileSync(join(dir, `${name}.lua`), 'utf8');
  for (let m = INCLUDE.exec(source); m; m = INCLUDE.exec(source)) {
    const inc = readFileSync(join(dir, 'include', `${m[1]}.lua`), 'utf8');
    // A function, not a string: `$'` and friends in Lua patterns must not act as replacement patterns.
    source = source.replace(m[0], () => inc);
  }
  return { name, source, sha: createHash('sha1').update(source).digest('hex') };
}

export type LuaReply = string | number | null | LuaReply[];

/**
 * Runs the project's Lua scripts by EVALSHA, loading a script on first use or after a Redis
 * restart (NOSCRIPT). All arguments are strings or numbers; time always comes in as an argument.
 */
export class ScriptRunner {
  private readonly scripts = new Map<ScriptName, LoadedScript>();

  constructor(private readonly redis: Redis) {
    const dir = luaDir();
    for (const name of Object.values(ScriptName)) this.scripts.set(name, readScript(name, dir));
  }

  async run(name: ScriptName, keys: string[], args: (string | number)[]): Promise<LuaReply> {
    const s = this.scripts.get(name);
    if (!s) throw new Error(`unknown script ${name}`);
    try {
      return (await this.redis.evalsha(s.sha, keys.length, ...keys, ...args)) as LuaReply;
    } catch (err) {
      if (err instanceof Error && err.message.startsWith('NOSCRIPT')) {
        return (await this.redis.eval(s.source, keys.length, ...keys, ...args)) as LuaReply;
      }
      throw err;
    }
  }
}
