/**
 * Script (GLUE) jobs: a task carrying `script` runs that script as a child process instead of a
 * registered handler, on workers started with `allowScripts: true`.
 *
 * - The source is written to a private temporary directory (removed afterwards) and run with
 *   `bash` (`sh` when there is no bash) for `shell`, this Node.js binary for `node`, `python3`
 *   for `python`.
 * - Arguments: `params shardIndex shardTotal`; environment: what the worker option `scriptEnv`
 *   says (default: the worker's without its token, see script-env.ts), plus `OASIS_PARAMS`,
 *   `OASIS_SHARD_INDEX`, `OASIS_SHARD_TOTAL`, `OASIS_TASK_ID`, `OASIS_JOB_ID`, `OASIS_ATTEMPT`,
 *   `OASIS_SCRIPT_VERSION`.
 * - stdout and stderr lines go to the task log as they come (stderr lines prefixed `[stderr]`).
 * - Exit code 0 = SUCCESS with the last non-empty stdout line as the output; any other exit =
 *   FAILED with the code and the tail of stderr.
 * - When the task's signal aborts (kill, timeout, shutdown) the process group gets SIGTERM, then
 *   SIGKILL after `killGraceMs` (the worker option `scriptKillGraceMs`, default 5000).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ScriptLanguage } from './contracts/enums.js';
import type { TaskScript } from './contracts/worker.js';
import type { Handler, JobContext } from './context.js';
import { NonRetryableError } from './errors.js';
import { scriptBaseEnv, type ScriptEnvOption } from './script-env.js';

/** Lines of stderr kept for the error of a failed script. */
const STDERR_TAIL_LINES = 20;
/** Longest stderr tail put in the error (characters). */
const STDERR_TAIL_CHARS = 4000;

export interface ScriptRunOptions {
  /** Time between SIGTERM and SIGKILL after an abort (ms). */
  killGraceMs: number;
  /** How the script's environment is built (the worker option `scriptEnv`). */
  env: ScriptEnvOption;
  /** The worker's token: kept out of the environment unless `env` passes it deliberately. */
  token: string;
}

/** A script that ran and exited with a non-zero code (or was killed by a signal not ours). */
export class ScriptFailedError extends Error {
  constructor(
    message: string,
    readonly exitCode: number | null,
    readonly exitSignal: NodeJS.Signals | null,
  ) {
    super(message);
    this.name = 'ScriptFailedError';
    this.stack = `${this.name}: ${message}`; // the worker's stack says nothing about the script
  }
}

interface Interpreter {
  command: string;
  extension: string;
}

function interpreterFor(language: unknown): Interpreter {
  switch (language) {
    case ScriptLanguage.SHELL:
      return { command: existsSync('/bin/bash') ? '/bin/bash' : 'sh', extension: 'sh' };
    case ScriptLanguage.NODE:
      return { command: process.execPath, extension: 'mjs' };
    case ScriptLanguage.PYTHON:
      return { command: 'python3', extension: 'py' };
    default:
      throw new NonRetryableError(
        `unknown script language ${JSON.stringify(language)} (this worker runs ${Object.values(ScriptLanguage).join(', ')})`,
      );
  }
}

/** Checks the `script` of a task; returns a problem or undefined when it can run. */
export function scriptProblem(script: unknown): string | undefined {
  if (typeof script !== 'object' || script === null) return 'the task\'s script is not an object';
  const s = script as Record<string, unknown>;
  if (!Object.values<unknown>(ScriptLanguage).includes(s.language)) {
    return `unknown script language ${JSON.stringify(s.language)} (this worker runs ${Object.values(ScriptLanguage).join(', ')})`;
  }
  if (typeof s.source !== 'string') return 'the task\'s script has no source';
  return undefined;
}

/** The handler that runs `script` as a child process. */
export function scriptHandler(script: TaskScript, options: ScriptRunOptions): Handler<string | undefined> {
  return (ctx) => runScript(script, ctx, options);
}

async function runScript(script: TaskScript, ctx: JobContext, options: ScriptRunOptions): Promise<string | undefined> {
  const interpreter = interpreterFor(script.language);
  const dir = await mkdtemp(join(tmpdir(), 'oasis-script-'));
  try {
    const file = join(dir, `task.${interpreter.extension}`);
    await writeFile(file, script.source, { mode: 0o600 });
    return await runChild(interpreter, file, script, ctx, options);
  } finally {
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}

function runChild(
  interpreter: Interpreter,
  file: string,
  script: TaskScript,
  ctx: JobContext,
  options: ScriptRunOptions,
): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    if (ctx.signal.aborted) {
      reject(ctx.signal.reason);
      return;
    }
    const shard = ctx.shard;
    const child = spawn(interpreter.command, [file, ctx.params, String(shard.index), String(shard.total)], {
      cwd: process.cwd(),
      env: {
        ...scriptBaseEnv(options.env, options.token),
        OASIS_PARAMS: ctx.params,
        OASIS_SHARD_INDEX: String(shard.index),
        OASIS_SHARD_TOTAL: String(shard.total),
        OASIS_TASK_ID: ctx.taskId,
        OASIS_JOB_ID: String(ctx.jobId),
        OASIS_ATTEMPT: String(ctx.attempt),
        OASIS_SCRIPT_VERSION: String(script.version),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so an abort also ends what the script started (`sleep`, pipes).
      detached: process.platform !== 'win32',
    });

    let lastStdout: string | undefined;
    const stderrTail: string[] = [];
    let killTimer: NodeJS.Timeout | undefined;
    let settled = false;

    const signalGroup = (signal: NodeJS.Signals): void => {
      if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
      try {
        if (process.platform === 'win32') child.kill(signal);
        else process.kill(-child.pid, signal);
      } catch {
        child.kill(signal); // the group is gone already; the process itself may not be
      }
    };
    const onAbort = (): void => {
      ctx.log(`[oasis] ${describeAbort(ctx.signal.reason)}: sending SIGTERM to the script (SIGKILL in ${options.killGraceMs} ms)`);
      signalGroup('SIGTERM');
      killTimer = setTimeout(() => {
        ctx.log('[oasis] the script did not exit after SIGTERM: SIGKILL');
        signalGroup('SIGKILL');
      }, options.killGraceMs);
      killTimer.unref();
    };
    ctx.signal.addEventListener('abort', onAbort, { once: true });

    // Lines are delivered in order per stream; 'close' comes after both streams ended.
    const out = createInterface({ input: child.stdout, crlfDelay: Infinity });
    out.on('line', (line) => {
      ctx.log(line);
      if (line.trim() !== '') lastStdout = line;
    });
    const err = createInterface({ input: child.stderr, crlfDelay: Infinity });
    err.on('line', (line) => {
      ctx.log(`[stderr] ${line}`);
      stderrTail.push(line);
      if (stderrTail.length > STDERR_TAIL_LINES) stderrTail.shift();
    });

    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(killTimer);
      ctx.signal.removeEventListener('abort', onAbort);
      fn();
    };

    child.once('spawn', () => ctx.log(`[oasis] running ${script.language} script v${script.version} (pid ${child.pid})`));
    child.once('error', (e: NodeJS.ErrnoException) => {
      finish(() => {
        const what = e.code === 'ENOENT' ? `${interpreter.command} was not found on this worker` : e.message;
        reject(new NonRetryableError(`cannot run the ${script.language} script: ${what}`, { cause: e }));
      });
    });
    child.once('close', (code, signal) => {
      finish(() => {
        ctx.log(`[oasis] script exited with ${code !== null ? `code ${code}` : `signal ${signal}`}`);
        if (code === 0) return resolve(lastStdout);
        if (ctx.signal.aborted) return reject(ctx.signal.reason);
        const tail = stderrTail.join('\n').slice(-STDERR_TAIL_CHARS);
        const how = code !== null ? `exited with code ${code}` : `was killed by ${signal}`;
        reject(new ScriptFailedError(`the script ${how}${tail === '' ? '' : `; stderr:\n${tail}`}`, code, signal));
      });
    });
  });
}

function describeAbort(reason: unknown): string {
  return reason instanceof Error ? reason.message : 'the task was aborted';
}
