/**
 * The published shape of `@oasis/worker-client`: `npm pack` builds it (prepack) into a tarball,
 * the tarball installs into an empty ESM project, and a plain Node script there imports the
 * package, registers a handler with the decorator and `register()`, connects to a real admin
 * process and completes a job, checked through the admin's REST API.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { createAppOn, createE2eWorld, type E2eWorld } from '../helpers/e2e-env.js';
import { waitFor } from '../helpers/wait.js';

const run = promisify(execFile);
const PACKAGE_DIR = resolve(import.meta.dirname, '../../worker-client');
const TSC = resolve(import.meta.dirname, '../../node_modules/typescript/bin/tsc');

/** The consumer: a plain ESM script, no TypeScript, no loader. */
const CONSUMER = `
import { OasisWorker, OasisJob, NonRetryableError } from '@oasis/worker-client';
import { PROTOCOL_VERSION } from '@oasis/worker-client/protocol';

class PackedJobs {
  greeting = 'hello from the tarball';
  async run(ctx) {
    ctx.log('running from the packed package');
    ctx.progress(50);
    return { greeting: this.greeting, params: ctx.params, protocol: PROTOCOL_VERSION };
  }
}
// Plain JavaScript has no decorator syntax yet: apply it by hand (legacy form).
OasisJob('packed')(PackedJobs.prototype, 'run', Object.getOwnPropertyDescriptor(PackedJobs.prototype, 'run'));
if (typeof NonRetryableError !== 'function') throw new Error('NonRetryableError is not exported');

const worker = new OasisWorker({
  url: process.env.OASIS_URL,
  app: process.env.OASIS_APP,
  token: process.env.OASIS_TOKEN,
  // The liveness thread runs from the package's own file: say when it connected.
  logger: { debug: (m) => { if (m.startsWith('liveness connection on')) console.log('liveness thread connected'); } },
});
worker.register(new PackedJobs());
worker.on('task:end', (result) => {
  console.log('task ended', result.status);
  worker.stop({ timeoutMs: 5000 }).then(() => process.exit(0), () => process.exit(1));
});
await worker.start();
console.log('worker started');
`;

describe('e2e: the packed @oasis/worker-client tarball', function () {
  this.timeout(120_000);
  let world: E2eWorld;
  let dir: string;

  beforeEach(async () => {
    world = await createE2eWorld();
    dir = await mkdtemp(join(tmpdir(), 'oasis-pack-'));
  });
  afterEach(async () => {
    await world.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  it('installs from npm pack into an empty project and completes a job against a real admin', async () => {
    const adminStarting = world.startAdmin();
    // The package's build (what its prepack script runs), called directly to spare an npm process.
    await run(process.execPath, [TSC, '-p', 'tsconfig.build.json'], { cwd: PACKAGE_DIR });
    const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], {
      cwd: PACKAGE_DIR,
      maxBuffer: 16 * 1024 * 1024,
    });
    const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[];
    const files = (info?.files ?? []).map((f) => f.path);
    expect(files).to.include.members(['dist/index.js', 'dist/index.d.ts', 'dist/protocol.js', 'dist/decorator.js', 'dist/liveness.js', 'dist/liveness-thread.js', 'dist/sandbox.js', 'dist/sandbox-thread.js', 'dist/thread-entry.js', 'README.md', 'package.json']);
    expect(files.filter((f) => f.startsWith('src/') || f.endsWith('.test.ts')), 'no sources or tests packed').to.deep.equal([]);

    const consumer = join(dir, 'consumer');
    await run('mkdir', ['-p', consumer]);
    await writeFile(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    // The registry is reachable, but socket.io-client is normally in the local cache already.
    await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', join(dir, info?.filename ?? '')], {
      cwd: consumer,
      maxBuffer: 16 * 1024 * 1024,
    });
    const types = await readFile(join(consumer, 'node_modules/@oasis/worker-client/dist/index.d.ts'), 'utf8');
    expect(types).to.include('OasisJob').and.include('OasisWorker');
    await writeFile(join(consumer, 'worker.mjs'), CONSUMER);

    const admin = await adminStarting;
    const { api, token } = await createAppOn(admin.url, 'packed');
    const job = await api.ok<{ id: number }>('POST', '/api/v1/jobs', { app: 'packed', name: 'packed', handler: 'packed', schedule: { type: 'NONE' } });

    const child = spawn(process.execPath, ['worker.mjs'], {
      cwd: consumer,
      env: { ...process.env, OASIS_URL: admin.url, OASIS_APP: 'packed', OASIS_TOKEN: token },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    try {
      await waitFor(async () => output.includes('worker started') || (child.exitCode !== null && Promise.reject(new Error(output))), 15_000, 'the packed worker to start');
      await waitFor(() => output.includes('liveness thread connected'), 15_000, 'the packed liveness thread to connect');
      const { taskId } = await api.ok<{ taskId: string }>('POST', `/api/v1/jobs/${job.id}/trigger`, { params: 'p1' });
      expect(await exited, output).to.equal(0);
      expect(output).to.include('task ended SUCCESS');
      const record = await waitFor(async () => {
        const r = await api.ok<{ status: string; result: string; workerId: string }>('GET', `/api/v1/logs/${taskId}`);
        return r.status === 'SUCCESS' && r;
      }, 10_000, 'the final record');
      expect(JSON.parse(record.result)).to.deep.equal({ greeting: 'hello from the tarball', params: 'p1', protocol: 1 });
      const text = await waitFor(async () => {
        const t = await api.ok<{ lines: string[]; done: boolean }>('GET', `/api/v1/logs/${taskId}/text`);
        return t.done && t;
      }, 10_000, 'the persisted log');
      expect(text.lines.join('\n')).to.include('running from the packed package');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
