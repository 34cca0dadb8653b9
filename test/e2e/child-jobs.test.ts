/**
 * Child jobs and alarms end to end: an admin process, two SDK workers, real Redis and MariaDB.
 * A parent's success fires its child with the parent's result, the child's success fires the
 * grandchild with its own params; a sharded parent fires its child once; a final failure posts
 * the job's alarm webhook (a local HTTP server) once.
 */
import { expect } from 'chai';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApiClient } from '../helpers/api-client.js';
import { createAppOn, createE2eWorld, finalRecordsOf, startWorkers, type E2eWorld } from '../helpers/e2e-env.js';
import { quietWorkerLogger } from '../helpers/loggers.js';
import { waitFor } from '../helpers/wait.js';

interface LogRecord {
  id: string;
  status: string;
  triggerType: string;
  params: string;
  result: string | null;
  shardIndex: number;
}

describe('e2e: child jobs and alarms (admin process + SDK workers)', function () {
  this.timeout(90_000);
  let world: E2eWorld;
  let api: ApiClient;
  let hooks: Server;
  let hookUrl: string;
  const posted: { event: string; task: { id: string } | null }[] = [];

  before(async () => {
    hooks = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        posted.push(JSON.parse(body) as (typeof posted)[number]);
        res.writeHead(204).end();
      });
    });
    hooks.listen(0, '127.0.0.1');
    await once(hooks, 'listening');
    hookUrl = `http://127.0.0.1:${(hooks.address() as AddressInfo).port}/alarm`;

    world = await createE2eWorld();
    // One writer loop: batches are handled in order, so "nothing fired" can be checked after a later fire.
    // The alarm receiver listens on loopback, which webhooks may reach only when allowed.
    const admin = await world.startAdmin({ OASIS_WRITERS: '1', OASIS_ALARM_RETRY_MS: '50', OASIS_WEBHOOK_ALLOW: '127.0.0.1' });
    let token: string;
    ({ api, token } = await createAppOn(admin.url, 'kids'));
    await startWorkers(world, api, { url: admin.url, app: 'kids', token, concurrency: 4, pollMs: 100, logger: quietWorkerLogger }, ['w-a', 'w-b'], (w) => {
      w.handle('echo', async (ctx) => ({ got: ctx.params, trigger: ctx.triggerType }));
      w.handle('maybe', async (ctx) => {
        if (ctx.params === 'fail') throw new Error('asked to fail');
        return 'fine';
      });
    });
  });
  after(async () => {
    await world?.cleanup();
    hooks?.closeAllConnections();
    hooks?.close();
  });

  const createJob = (name: string, handler: string, extra: Record<string, unknown> = {}) =>
    api.ok<{ id: number }>('POST', '/api/v1/jobs', { app: 'kids', name, handler, schedule: { type: 'NONE' }, ...extra });
  const trigger = (jobId: number, params?: string) => api.ok<{ taskId: string }>('POST', `/api/v1/jobs/${jobId}/trigger`, params === undefined ? {} : { params });
  const finals = (jobId: number, n: number) => finalRecordsOf<LogRecord>(api, jobId, n, 30_000);

  it('parent → child (parent result as params) → grandchild (own params), each once with trigger CHILD', async () => {
    const grandchild = await createJob('grandchild', 'echo', { params: 'own-params' });
    const child = await createJob('child', 'echo', { childJobIds: [grandchild.id] });
    const parent = await createJob('parent', 'echo', { childJobIds: [child.id], childOptions: { passResult: true } });
    await trigger(parent.id, 'from-the-parent');

    const [p] = await finals(parent.id, 1);
    expect(p).to.include({ status: 'SUCCESS', triggerType: 'MANUAL' });
    const [c] = await finals(child.id, 1);
    expect(c).to.include({ status: 'SUCCESS', triggerType: 'CHILD', params: p!.result });
    const [g] = await finals(grandchild.id, 1);
    expect(g).to.include({ status: 'SUCCESS', triggerType: 'CHILD', params: 'own-params' });
    expect(JSON.parse(g!.result ?? '{}')).to.deep.equal({ got: 'own-params', trigger: 'CHILD' });
  });

  it('a sharded parent fires its child once; a failed parent fires nothing (no onFailure) and alarms once', async () => {
    const child = await createJob('once-child', 'echo');
    const parent = await createJob('bcast-parent', 'echo', { routing: 'SHARDING_BROADCAST', childJobIds: [child.id] });
    const quietChild = await createJob('quiet-child', 'echo');
    const failing = await createJob('failing', 'maybe', { childJobIds: [quietChild.id], alarm: { webhooks: [hookUrl] } });

    await trigger(parent.id);
    expect((await finals(parent.id, 2)).map((r) => r.shardIndex).sort()).to.deep.equal([0, 1]);
    await trigger(failing.id, 'fail');
    const [failed] = await finals(failing.id, 1);
    expect(failed?.status).to.equal('FAILED');
    // A later success of the same job fires its child; with one writer loop, anything the failure
    // or the second shard would have fired was fired before this.
    await trigger(failing.id, 'succeed');
    await finals(quietChild.id, 1);
    await finals(child.id, 1);

    const childRuns = await api.ok<{ items: LogRecord[] }>('GET', `/api/v1/logs?jobId=${child.id}&limit=100`);
    expect(childRuns.items).to.have.length(1);
    const quietRuns = await api.ok<{ items: LogRecord[] }>('GET', `/api/v1/logs?jobId=${quietChild.id}&limit=100`);
    expect(quietRuns.items).to.have.length(1);
    await waitFor(async () => posted.length >= 1, 10_000, 'the alarm webhook');
    expect(posted.map((x) => [x.event, x.task?.id])).to.deep.equal([['FAILED', failed!.id]]);
  });
});
