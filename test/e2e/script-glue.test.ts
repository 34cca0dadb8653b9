/**
 * A script (XXL-JOB GLUE) job through a real admin process: the source edited through the API
 * reaches a worker started with `allowScripts`, runs as a child process with the params, its
 * output becomes the log and the result; a new version is listed and runs next; a worker without
 * `allowScripts` refuses script tasks.
 */
import { expect } from 'chai';
import type { OasisWorker } from '@oasis/worker-client';
import type { ApiClient } from '../helpers/api-client.js';
import { createAppOn, createE2eWorld, type E2eWorld } from '../helpers/e2e-env.js';
import { quietWorkerLogger as quiet } from '../helpers/loggers.js';
import { waitFor } from '../helpers/wait.js';

interface LogRecord {
  id: string;
  status: string;
  result: string | null;
  error: string | null;
}

describe('e2e: script (GLUE) jobs', function () {
  this.timeout(60_000);
  let world: E2eWorld;
  let api: ApiClient;
  let token: string;
  let url: string;
  let worker: OasisWorker | undefined;

  before(async () => {
    world = await createE2eWorld();
    url = (await world.startAdmin()).url;
    ({ api, token } = await createAppOn(url, 'glue'));
  });
  afterEach(async () => {
    await world.stopWorkers();
  });
  after(async () => {
    await world?.cleanup();
  });

  const finalOf = (taskId: string) =>
    waitFor(async () => {
      const r = await api.ok<LogRecord>('GET', `/api/v1/logs/${taskId}`);
      return !['QUEUED', 'RUNNING'].includes(r.status) && r;
    }, 20_000, `the final record of ${taskId}`);
  const textOf = async (taskId: string) =>
    waitFor(async () => {
      const t = await api.ok<{ lines: string[]; done: boolean }>('GET', `/api/v1/logs/${taskId}/text?from=0`);
      return t.done && t.lines;
    }, 10_000, 'the persisted log');

  it('runs the script with its params on a worker that allows scripts; versions are kept and the newest runs', async () => {
    worker = world.worker({ url, app: 'glue', token, allowScripts: true, pollMs: 100, logger: quiet });
    await worker.start();
    const job = await api.ok<{ id: number; handler: string; scriptVersion: number }>('POST', '/api/v1/jobs', {
      app: 'glue',
      name: 'greet',
      params: 'world',
      schedule: { type: 'NONE' },
      script: { language: 'shell', source: 'echo "hello $1"\necho "shard $OASIS_SHARD_INDEX/$OASIS_SHARD_TOTAL"' },
    });
    expect(job).to.include({ handler: 'script', scriptVersion: 1 });
    const { taskId } = await api.ok<{ taskId: string }>('POST', `/api/v1/jobs/${job.id}/trigger`, {});
    expect(await finalOf(taskId)).to.include({ status: 'SUCCESS' });
    const lines = (await textOf(taskId)).join('\n');
    expect(lines).to.contain('hello world');
    expect(lines).to.contain('shard 0/1');

    await api.ok('PUT', `/api/v1/jobs/${job.id}`, { script: { language: 'node', source: 'console.log("v2", process.argv[2]); process.exit(3)' } });
    const versions = await api.ok<{ items: Array<{ version: number; language: string }> }>('GET', `/api/v1/jobs/${job.id}/script-versions`);
    expect(versions.items.map((v) => [v.version, v.language])).to.deep.equal([
      [2, 'node'],
      [1, 'shell'],
    ]);
    const second = await api.ok<{ taskId: string }>('POST', `/api/v1/jobs/${job.id}/trigger`, {});
    const rec = await finalOf(second.taskId);
    expect(rec.status).to.equal('FAILED');
    expect(rec.error).to.match(/3/);
    expect((await textOf(second.taskId)).join('\n')).to.contain('v2 world');
  });

  it('a worker started without allowScripts fails script tasks', async () => {
    worker = world.worker({ url, app: 'glue', token, pollMs: 100, logger: quiet });
    await worker.start();
    const job = await api.ok<{ id: number }>('POST', '/api/v1/jobs', {
      app: 'glue',
      name: 'refused',
      schedule: { type: 'NONE' },
      script: { language: 'shell', source: 'echo never' },
    });
    const { taskId } = await api.ok<{ taskId: string }>('POST', `/api/v1/jobs/${job.id}/trigger`, {});
    const rec = await finalOf(taskId);
    expect(rec.status).to.equal('FAILED');
    expect(rec.error).to.match(/allowScripts/);
  });
});
