/**
 * Admin roles (OASIS_ROLES, docs/deployment.md): in-process admins on one Redis prefix and one
 * database, each with its own roles. What one admin's part publishes must reach the workers and
 * dashboards connected to the others (the Socket.IO Redis adapter, the schedule pub/sub).
 */
import { expect } from 'chai';
import type { Socket } from 'socket.io-client';
import { OasisWorker } from '@oasis/worker-client';
import { PROTOCOL_VERSION } from '@oasis/worker-client/protocol';
import type { RunningAdmin } from '../../server/src/main.js';
import type { ApiClient } from '../helpers/api-client.js';
import { startInProcessAdmin, type InProcessAdmin } from '../helpers/in-process-admin.js';
import { quietWorkerLogger } from '../helpers/loggers.js';
import { openWorkerSocket } from '../helpers/raw-worker.js';
import { TEST_ADMIN_PASSWORD as PASSWORD } from '../helpers/stores.js';
import { connected, nextEvent, refused, UiSockets } from '../helpers/ui-socket.js';
import { sleep, waitFor } from '../helpers/wait.js';

interface TasksMsg {
  app: string;
  changes: { id: string; jobId: number; status: string; workerId: string | null }[];
}
interface LogRow {
  id: string;
  jobId: number;
  status: string;
  workerId: string | null;
  scheduledAt: number;
  startedAt: number | null;
}

const healthz = async (url: string) => (await fetch(`${url}/healthz`)).json() as Promise<{ status: string; roles: string[] }>;
const logOf = (api: ApiClient, taskId: string) => api.ok<LogRow>('GET', `/api/v1/logs/${taskId}`);
const nextFireOf = async (api: ApiClient, jobId: number) => (await api.ok<{ nextFireAt: number | null }>('GET', `/api/v1/jobs/${jobId}`)).nextFireAt;
/** Resolves with the ids of the first `n` tasks of `jobId` a `tasks` push reports ended SUCCESS. */
function successes(ui: Socket, jobId: number, n: number, ms: number): Promise<string[]> {
  const ids = new Set<string>();
  return nextEvent<TasksMsg>(ui, 'tasks', (m) => {
    for (const c of m.changes) if (c.jobId === jobId && c.status === 'SUCCESS') ids.add(c.id);
    return ids.size >= n;
  }, ms).then(() => [...ids]);
}

/** A raw `/worker` handshake with a valid token (the refusal must come from the role, not the token). */
function workerHandshake(app: string, token: string, workerId: string) {
  return { app, token, workerId, protocol: PROTOCOL_VERSION, concurrency: 1, handlers: ['work'] };
}

describe('admin roles: api-only admins beside scheduling ones (in-process admins, one Redis prefix and database)', function () {
  this.timeout(60_000);
  const sockets = new UiSockets();
  const workers: OasisWorker[] = [];
  let world: InProcessAdmin;
  afterEach(async function () {
    sockets.closeAll();
    for (const w of workers.splice(0)) await w.stop({ timeoutMs: 2000 }).catch(() => undefined);
    await world?.close();
  });

  const uiToken = async (api: ApiClient) => (await api.ok<{ token: string }>('POST', '/api/v1/auth/login', { username: 'admin', password: PASSWORD })).token;

  it('api + scheduler,dispatch,writer: the api admin fires nothing and accepts no worker; the other serves no API but fires, runs, records and kills what the api admin asks, live on its /ui', async function () {
    // Heartbeats 20 s apart: an abort within seconds came by the kill emit, not a heartbeat's answer.
    world = await startInProcessAdmin({ env: { OASIS_ROLES: 'api', OASIS_HEARTBEAT_MS: '20000', OASIS_TASK_LEASE_MS: '60000', OASIS_WORKER_TTL_MS: '60000' } });
    const { admin: apiAdmin, api } = world;
    expect(await healthz(apiAdmin.url)).to.include({ status: 'ok' }).and.to.have.deep.property('roles', ['api']);
    const { token } = await api.ok<{ token: string }>('POST', '/api/v1/apps', { name: 'roles' });
    const job = await api.ok<{ id: number }>('POST', '/api/v1/jobs', { app: 'roles', name: 'tick', handler: 'work', schedule: { type: 'FIXED_RATE', everyMs: 300 } });

    // Alone, the api admin claims no fire: the job's next fire stays where it was, in the past.
    const due = await nextFireOf(api, job.id);
    await sleep(1500);
    expect(await nextFireOf(api, job.id)).to.equal(due);
    expect(due).to.be.below(Date.now() - 1000);
    // A worker with a valid token is refused with a clear code (the SDK then tries its next admin).
    const raw = openWorkerSocket(apiAdmin.url, workerHandshake('roles', token, 'raw-1'));
    const refusal = await refused(raw);
    raw.disconnect();
    expect(refusal.message).to.match(/^OASIS_ERR_UNAVAILABLE: this admin accepts no workers \(OASIS_ROLES=api\)/);
    expect((refusal as Error & { data?: unknown }).data).to.include({ code: 'OASIS_ERR_UNAVAILABLE' });

    const hot = await world.another({ OASIS_ROLES: 'scheduler,dispatch,writer' });
    expect((await healthz(hot.url)).roles).to.deep.equal(['scheduler', 'dispatch', 'writer']);
    const noApi = await fetch(`${hot.url}/api/v1/jobs`);
    expect(noApi.status).to.equal(404);
    expect(await noApi.json()).to.include({ code: 'OASIS_ERR_NOT_FOUND' }).and.to.have.property('message').that.matches(/serves \/healthz only .*api role/);
    expect((await fetch(`${hot.url}/`)).status).to.equal(404);
    // No dashboard channel on it either.
    expect((await refused(sockets.open(hot.url, { token: await uiToken(api) }))).message).to.match(/^OASIS_ERR_UNAVAILABLE: this admin serves no dashboard/);

    // The dashboard on the api admin sees what the other admin's dispatch (RUNNING) and writer (SUCCESS) do.
    const ui = sockets.open(apiAdmin.url, { token: await uiToken(api) });
    await connected(ui);
    const running = nextEvent<TasksMsg>(ui, 'tasks', (m) => m.app === 'roles' && m.changes.some((c) => c.jobId === job.id && c.status === 'RUNNING'), 15_000);
    const success = successes(ui, job.id, 2, 15_000);

    // The worker knows both admins: refused by the api admin, it connects to the other.
    let aborted = 0;
    const worker = new OasisWorker({ urls: [apiAdmin.url, hot.url], app: 'roles', token, workerId: 'w-roles', concurrency: 2, logger: quietWorkerLogger });
    // Long enough that RUNNING is pushed before SUCCESS (one push holds a task's latest state).
    worker.handle('work', async () => {
      await sleep(500);
      return 'ok';
    });
    worker.handle('long', (ctx) => new Promise((resolve) => ctx.signal.addEventListener('abort', () => resolve(`aborted ${++aborted}`))));
    workers.push(worker);
    await worker.start();

    await running;
    // Written by the other admin, read from the database through the api admin's REST.
    for (const id of await success) expect(await logOf(api, id)).to.include({ status: 'SUCCESS', workerId: 'w-roles', jobId: job.id });
    expect(await nextFireOf(api, job.id)).to.be.above(due!);
    await api.ok('POST', `/api/v1/jobs/${job.id}/stop`, {});

    // A kill asked of the api admin reaches the worker connected to the other one.
    const long = await api.ok<{ id: number }>('POST', '/api/v1/jobs', { app: 'roles', name: 'long', handler: 'long', schedule: { type: 'NONE' } });
    const { taskId } = await api.ok<{ taskId: string }>('POST', `/api/v1/jobs/${long.id}/trigger`, {});
    await waitFor(async () => (await logOf(api, taskId)).status === 'RUNNING', 10_000, 'the long task running');
    await api.ok('POST', `/api/v1/logs/${taskId}/kill`, { reason: 'roles test' });
    await waitFor(() => aborted === 1, 3000, 'the worker told to abort');
    await waitFor(async () => (await logOf(api, taskId)).status === 'KILLED', 10_000, 'the KILLED record');
  });

  it('one role per admin (api, scheduler, dispatch, writer): a worker on the dispatch admin is woken for fires the scheduler admin commits, and the api admin shows them live and recorded', async function () {
    world = await startInProcessAdmin({ env: { OASIS_ROLES: 'api', OASIS_HEARTBEAT_MS: '300' } });
    const { admin: apiAdmin, api } = world;
    const scheduler = await world.another({ OASIS_ROLES: 'scheduler' });
    const dispatch: RunningAdmin = await world.another({ OASIS_ROLES: 'dispatch' });
    await world.another({ OASIS_ROLES: 'writer' });
    expect((await healthz(scheduler.url)).roles).to.deep.equal(['scheduler']);
    expect((await refused(openWorkerSocket(scheduler.url, { app: 'x' }))).message).to.match(/^OASIS_ERR_UNAVAILABLE: this admin accepts no workers \(OASIS_ROLES=scheduler\)/);

    const { token } = await api.ok<{ token: string }>('POST', '/api/v1/apps', { name: 'split' });
    // A 60 s poll: a task that starts within a second of its fire was woken, not polled.
    const worker = new OasisWorker({ url: dispatch.url, app: 'split', token, workerId: 'w-split', concurrency: 2, pollMs: 60_000, logger: quietWorkerLogger });
    worker.handle('work', async (ctx) => {
      ctx.log('first line');
      await sleep(400);
      ctx.log('second line');
      return 'ok';
    });
    workers.push(worker);
    await worker.start();

    const ui = sockets.open(apiAdmin.url, { token: await uiToken(api) });
    await connected(ui);
    const job = await api.ok<{ id: number }>('POST', '/api/v1/jobs', { app: 'split', name: 'tick', handler: 'work', schedule: { type: 'FIXED_RATE', everyMs: 1000 } });
    const done = successes(ui, job.id, 3, 20_000);
    // RUNNING is pushed by the dispatch admin, the subscribed log lines come from it too (asked
    // for on the api admin), SUCCESS by the writer admin: all through the Redis adapter.
    const first = await nextEvent<TasksMsg>(ui, 'tasks', (m) => m.app === 'split' && m.changes.some((c) => c.jobId === job.id && c.status === 'RUNNING'), 15_000);
    const taskId = first.changes.find((c) => c.jobId === job.id && c.status === 'RUNNING')!.id;
    const line = nextEvent<{ taskId: string; lines: string[] }>(ui, 'log', (m) => m.taskId === taskId && m.lines.some((l) => l.endsWith('second line')), 10_000);
    expect(await ui.timeout(5000).emitWithAck('subscribe-log', { taskId })).to.deep.equal({ ok: true });
    await line;
    const ids = await done;
    expect(ids).to.include(taskId);
    await api.ok('POST', `/api/v1/jobs/${job.id}/stop`, {});
    for (const id of ids) {
      const r = await logOf(api, id);
      expect(r.status).to.equal('SUCCESS');
      expect(r.workerId).to.equal('w-split');
      expect(r.startedAt! - r.scheduledAt, `task ${r.id} started late: not woken?`).to.be.below(1000);
    }
  });
});
