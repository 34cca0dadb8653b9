/**
 * The suite's cluster tier (`npm run test:cluster`, run by `.ci/run` beside `npm test`): starts a
 * private 3-master Redis Cluster on free ports (the shared Redis is a single server), runs the
 * Lua, integration and e2e tiers against it (OASIS_TEST_REDIS_CLUSTER: test clients and admins
 * use it, `OASIS_REDIS_CLUSTER_NODES`), stops it by PID and exits with mocha's code. Tests
 * tagged `[own Redis]` start a Redis setup of their own (a private server, Sentinel, a cluster to
 * reshard, a proxy) whatever the tier: they run once, in `npm test`. Extra arguments go to mocha
 * in place of the tiers (one file, `--grep`).
 */
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPrivateCluster } from '../test/helpers/private-cluster.js';

/** The tag of the tests that bring their own Redis (run by `npm test` only). */
const OWN_REDIS = '\\[own Redis\\]';
const TIERS = ['test/lua/**/*.test.ts', 'test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts'];

const cluster = await startPrivateCluster(join(tmpdir(), `oasis-test-cluster-${process.pid}`));
process.stdout.write(`[test:cluster] Redis Cluster on ${cluster.seeds}\n`);
let code: number;
try {
  const args = process.argv.slice(2);
  // Tiers or files given: the same, without the own-Redis tests; a --grep of the caller's wins.
  const files = args.length ? args : TIERS;
  const filter = files.includes('--grep') || files.includes('-g') ? [] : ['--grep', OWN_REDIS, '--invert'];
  const mocha = spawn('npx', ['mocha', ...files, ...filter], {
    stdio: 'inherit',
    env: { ...process.env, OASIS_TEST_REDIS_CLUSTER: cluster.seeds },
  });
  const stop = () => mocha.kill('SIGTERM');
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  code = await new Promise<number>((res) => mocha.once('exit', (c) => res(c ?? 1)));
} finally {
  await cluster.stop();
}
process.exit(code);
