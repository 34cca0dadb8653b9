/**
 * A worker's liveness connection through a real admin (in process, real Redis and MariaDB) and
 * raw sockets: a second `/worker` socket with `role: 'liveness'` and the worker's token is
 * welcomed (the welcome lists the roles the admin accepts), may only heartbeat — its heartbeats
 * renew the leases of the worker's tasks while the main socket is silent —, gets no `wake`,
 * registers no worker, and its disconnect does not retire the worker.
 */
import { expect } from 'chai';
import type { Socket } from 'socket.io-client';
import { PROTOCOL_VERSION } from '@oasis/worker-client/protocol';
import type { ApiClient } from '../helpers/api-client.js';
import { startInProcessAdmin, type InProcessAdmin } from '../helpers/in-process-admin.js';
import { connected, openWorkerSocket, rawWorker, type RawWorker } from '../helpers/raw-worker.js';
import { sleep, waitFor } from '../helpers/wait.js';

interface TaskView {
  status: string;
  workerId: string | null;
}

describe('worker liveness connection (real admin, raw sockets)', function () {
  this.timeout(60_000);
  let world: InProcessAdmin;
  let api: ApiClient;
  let token = '';
  let jobId = 0;
  let main: RawWorker | undefined;
  const sockets: Socket[] = [];

  before(async () => {
    // Short leases and TTL: a silent worker is retired and its task lost within a second or two.
    world = await startInProcessAdmin({ env: { OASIS_HEARTBEAT_MS: '300', OASIS_TASK_LEASE_MS: '1200', OASIS_WORKER_TTL_MS: '1200', OASIS_SWEEP_MS: '200' } });
    api = world.api;
    token = (await api.ok<{ token: string }>('POST', '/api/v1/apps', { name: 'live' })).token;
    jobId = (await api.ok<{ id: number }>('POST', '/api/v1/jobs', { app: 'live', name: 'j', handler: 'h', schedule: { type: 'NONE' } })).id;
  });
  afterEach(() => {
    main?.close();
    main = undefined;
    for (const s of sockets.splice(0)) s.disconnect();
  });
  after(async () => {
    await world?.close();
  });

  const handshake = (workerId: string, extra: Record<string, unknown> = {}) => ({
    app: 'live',
    token,
    workerId,
    concurrency: 4,
    handlers: ['h'],
    protocol: PROTOCOL_VERSION,
    ...extra,
  });

  /** Opens a liveness socket for `workerId` and waits for its welcome (returned). */
  async function liveness(workerId: string, extra: Record<string, unknown> = {}): Promise<{ socket: Socket; welcome: Record<string, unknown> }> {
    const socket = openWorkerSocket(world.admin.url, handshake(workerId, { role: 'liveness', ...extra }));
    sockets.push(socket);
    const welcome = new Promise<Record<string, unknown>>((resolve) => socket.once('welcome', (m: Record<string, unknown>) => resolve(m)));
    await connected(socket);
    return { socket, welcome: await welcome };
  }
  const call = <T>(socket: Socket, event: string, msg: unknown) => socket.timeout(5000).emitWithAck(event, msg) as Promise<T>;
  const workers = async () => (await api.ok<{ workerId: string; online?: boolean }[]>('GET', '/api/v1/workers?app=live')).map((w) => w.workerId);
  const task = (id: string) => api.ok<TaskView>('GET', `/api/v1/logs/${id}`);

  async function runningTaskOf(w: RawWorker): Promise<string> {
    const { taskId } = await api.ok<{ taskId: string }>('POST', `/api/v1/jobs/${jobId}/trigger`, {});
    const pulled = await w.call<{ tasks: { id: string }[] }>('pull', { max: 1 });
    expect(pulled.tasks.map((t) => t.id)).to.deep.equal([taskId]);
    return taskId;
  }

  it('is welcomed with the roles the admin accepts, and refuses every message but heartbeat', async () => {
    main = await rawWorker(world.admin.url, { app: 'live', token, workerId: 'w-roles' });
    const { socket, welcome } = await liveness('w-roles');
    expect(welcome.roles).to.deep.equal(['main', 'liveness']);
    for (const [event, msg] of [
      ['pull', { max: 1 }],
      ['results', { results: [] }],
      ['log', { taskId: 't', seq: 0, lines: ['x'] }],
      ['progress', { taskId: 't', value: 1 }],
    ] as const) {
      const reply = await call<{ ok: boolean; code: string; message: string }>(socket, event, msg);
      expect(reply, event).to.include({ ok: false, code: 'OASIS_ERR_BAD_MESSAGE' });
      expect(reply.message).to.include('heartbeat only');
    }
    const beat = await call<{ ok: boolean; abort: string[]; now: number }>(socket, 'heartbeat', { running: [], free: 4 });
    expect(beat).to.include({ ok: true }).and.have.all.keys('ok', 'abort', 'now');
    expect(beat.abort).to.deep.equal([]);
    // The cluster's clock, for the worker's offset; same machine as Redis here.
    expect(Math.abs(beat.now - Date.now())).to.be.below(1000);
  });

  it('refuses a liveness handshake with a wrong token, and registers no worker for one', async () => {
    const bad = openWorkerSocket(world.admin.url, handshake('w-ghost', { role: 'liveness', token: 'wrong' }));
    sockets.push(bad);
    const err = await connected(bad).then(() => undefined, (e: Error) => e);
    expect(err?.message).to.include('OASIS_ERR_UNAUTHORIZED');
    await liveness('w-ghost');
    expect(await workers()).to.not.include('w-ghost');
  });

  it('keeps the worker and its task alive by heartbeats while the main socket is silent', async () => {
    main = await rawWorker(world.admin.url, { app: 'live', token, workerId: 'w-busy' });
    const taskId = await runningTaskOf(main);
    const { socket } = await liveness('w-busy');
    // Four leases long, only the liveness socket speaks.
    const until = Date.now() + 4800;
    while (Date.now() < until) {
      const reply = await call<{ ok: boolean; abort: string[] }>(socket, 'heartbeat', { running: [taskId], free: 3 });
      expect(reply).to.include({ ok: true }).and.have.property('abort').that.deep.equals([]);
      await sleep(250);
    }
    expect((await task(taskId)).status).to.equal('RUNNING');
    expect(await workers()).to.include('w-busy');
    const done = await main.call<{ verdicts: string[] }>('results', {
      results: [{ taskId, attempt: 1, status: 'SUCCESS', output: '"ok"', startedAt: Date.now() - 5000, finishedAt: Date.now() }],
    });
    expect(done.verdicts).to.deep.equal(['accepted']);
  });

  it('gets no wake, and its disconnect does not retire the worker', async () => {
    main = await rawWorker(world.admin.url, { app: 'live', token, workerId: 'w-wake' });
    const { socket } = await liveness('w-wake');
    let livenessWakes = 0;
    let mainWakes = 0;
    socket.on('wake', () => livenessWakes++);
    main.socket.on('wake', () => mainWakes++);
    await api.ok('POST', `/api/v1/jobs/${jobId}/trigger`, {});
    await waitFor(() => mainWakes > 0, 5000, 'the main socket woken', 20);
    const first = await main.call<{ tasks: { id: string }[] }>('pull', { max: 1 });
    expect(first.tasks).to.have.length(1);
    expect(livenessWakes, 'wakes on the liveness socket').to.equal(0);

    socket.disconnect();
    await sleep(300);
    const hb = await main.call<{ ok: boolean }>('heartbeat', { running: first.tasks.map((t) => t.id), free: 3 });
    expect(hb.ok).to.equal(true);
    expect(await workers()).to.include('w-wake');
    const taskId = (await api.ok<{ taskId: string }>('POST', `/api/v1/jobs/${jobId}/trigger`, {})).taskId;
    const again = await main.call<{ tasks: { id: string }[] }>('pull', { max: 1 });
    expect(again.tasks.map((t) => t.id), 'the main socket still pulls').to.deep.equal([taskId]);
  });
});
