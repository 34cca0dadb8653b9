import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { freePort } from '../../server/src/store/redis/connection.js';
import { waitFor } from './wait.js';

export { freePort };

const ROOT = resolve(import.meta.dirname, '../..');

/** A child process started by {@link runTs}, with its recent output. */
export interface Proc {
  child: ChildProcess;
  output(): string;
  /** Resolves when the process exits. */
  exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Runs a TypeScript entry of this repository as a separate Node process (through tsx). */
export function runTs(entry: string, env: Record<string, string>, nodeArgs: string[] = []): Proc {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', resolve(ROOT, entry)], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-200_000)));
  child.stderr?.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-200_000)));
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
  return {
    child,
    output: () => out,
    exited,
    async kill(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    },
  };
}

/** Starts an admin process on a free port (or `env.OASIS_PORT`) and waits until /healthz answers 200. */
export async function startAdminProcess(env: Record<string, string>, nodeArgs: string[] = []): Promise<Proc & { url: string; port: number }> {
  const port = env.OASIS_PORT ? Number(env.OASIS_PORT) : await freePort();
  const p = runTs('server/src/main.ts', { OASIS_PORT: String(port), OASIS_HOST: '127.0.0.1', OASIS_LOG_LEVEL: 'warn', ...env }, nodeArgs);
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    async () => {
      if (p.child.exitCode !== null) throw new Error(`admin exited: ${p.output()}`);
      return (await fetch(`${url}/healthz`)).status === 200;
    },
    30_000,
    'admin /healthz',
  ).catch((err: Error) => {
    throw new Error(`${err.message}\n${p.output()}`);
  });
  return { ...p, url, port };
}
