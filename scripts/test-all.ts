/**
 * `npm run test:all` (the tests of `npm test`, after typecheck and lint): every tier, in lanes
 * that run side by side. Each test has its own database, key prefix and ports, and most of the
 * e2e time is waiting (faults held for seconds), so the lanes share the cores well:
 *
 *   single   unit, Lua, integration and browser tiers on the single test Redis
 *   e2e      the e2e tier on the single test Redis
 *   cluster  the Lua and integration tiers on a private 3-master Redis Cluster (test-cluster.ts)
 *   cluster-e2e  the e2e tier on another private cluster
 *
 * A lane's output is printed whole when it ends (so mocha's reports do not interleave); the exit
 * code is non-zero when any lane failed. `OASIS_TEST_LANES=single,e2e` runs only those.
 */
import { spawn } from 'node:child_process';

const LANES: Record<string, string[]> = {
  single: ['mocha', 'test/unit/**/*.test.ts', 'test/lua/**/*.test.ts', 'test/integration/**/*.test.ts', 'test/browser/**/*.test.ts'],
  e2e: ['mocha', 'test/e2e/**/*.test.ts'],
  cluster: ['tsx', 'scripts/test-cluster.ts', 'test/lua/**/*.test.ts', 'test/integration/**/*.test.ts'],
  'cluster-e2e': ['tsx', 'scripts/test-cluster.ts', 'test/e2e/**/*.test.ts'],
};

const chosen = (process.env.OASIS_TEST_LANES ?? Object.keys(LANES).join(',')).split(',').filter((l) => l in LANES);
const started = Date.now();
const results = await Promise.all(
  chosen.map(
    (name) =>
      new Promise<{ name: string; code: number; out: string; seconds: number }>((res) => {
        const [cmd, ...args] = LANES[name] as string[];
        const t0 = Date.now();
        const child = spawn('npx', [cmd as string, ...args], { env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.stderr.on('data', (d: Buffer) => (out += d.toString()));
        child.once('exit', (code) => {
          const seconds = (Date.now() - t0) / 1000;
          process.stdout.write(`\n===== lane ${name}: exit ${code}, ${seconds.toFixed(0)} s =====\n${out}`);
          res({ name, code: code ?? 1, out, seconds });
        });
      }),
  ),
);
process.stdout.write(`\n===== lanes: ${results.map((r) => `${r.name} ${r.code === 0 ? 'ok' : 'FAILED'} ${r.seconds.toFixed(0)} s`).join(', ')}; ${((Date.now() - started) / 1000).toFixed(0)} s in all =====\n`);
process.exit(results.every((r) => r.code === 0) ? 0 : 1);
