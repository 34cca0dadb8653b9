import { expect } from 'chai';
import { OasisWorker } from '@oasis/worker-client';
import type { RunningAdmin } from '../../server/src/main.js';
import { signIn, type ApiClient } from '../helpers/api-client.js';
import { startInProcessAdmin, type InProcessAdmin } from '../helpers/in-process-admin.js';
import { TEST_ADMIN_PASSWORD as PASSWORD } from '../helpers/stores.js';
import { connected, nextEvent, refused, UiSockets, type UiSocketOptions } from '../helpers/ui-socket.js';

interface TasksMsg {
  app: string;
  changes: { id: string; status: string }[];
  more: boolean;
}

describe('realtime: the /ui namespace (real socket.io-client, in-process admin and worker)', function () {
  this.timeout(60_000);
  let world: InProcessAdmin;
  let admin: RunningAdmin;
  let api: ApiClient;
  let worker: OasisWorker;
  const sockets = new UiSockets();
  let release: () => void = () => undefined;

  const open = (opts: UiSocketOptions) => sockets.open(admin.url, opts);
  before(async function () {
    world = await startInProcessAdmin({ env: { OASIS_HEARTBEAT_MS: '300', OASIS_TASK_LEASE_MS: '4000' } });
    ({ admin, api } = world);
    const { token } = await api.ok<{ token: string }>('POST', '/api/v1/apps', { name: 'live' });
    await api.ok('POST', '/api/v1/apps', { name: 'other' });
    await api.ok('POST', '/api/v1/users', { username: 'otto', password: 'other-pass', role: 'VIEWER', apps: ['other'] });
    worker = new OasisWorker({ url: admin.url, app: 'live', token, concurrency: 2 });
    worker.handle('talk', async (ctx) => {
      ctx.log('line one');
      await new Promise<void>((resolve) => {
        release = resolve;
        setTimeout(resolve, 20_000);
      });
      ctx.log('line two');
      return 'done';
    });
    await worker.start();
  });
  after(async function () {
    sockets.closeAll();
    release();
    await worker?.stop({ timeoutMs: 2000 }).catch(() => undefined);
    await world?.close();
  });

  it('refuses a handshake without a session, and a cookie from another origin', async function () {
    const anon = open({});
    const err = await connected(anon).then(
      () => null,
      (e: Error) => e,
    );
    expect(err?.message).to.equal('OASIS_ERR_UNAUTHORIZED');
    const login = await fetch(`${admin.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: PASSWORD }),
    });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    const foreign = open({ cookie, origin: 'http://evil.example' });
    const err2 = await connected(foreign).then(
      () => null,
      (e: Error) => e,
    );
    expect(err2?.message).to.equal('OASIS_ERR_FORBIDDEN');
    const same = open({ cookie, origin: admin.url.replace('127.0.0.1', '127.0.0.1') });
    await connected(same);
  });

  it('refuses a malformed Origin with OASIS_ERR_FORBIDDEN (no exception) and keeps serving', async function () {
    const { cookie } = await signIn(admin.url, 'admin', PASSWORD);
    for (const origin of ['::::', 'http://[', 'null', 'http://', 'http://127.0.0.1:99999', '%%', 'http://[::1']) {
      expect((await refused(open({ cookie, origin }))).message, origin).to.equal('OASIS_ERR_FORBIDDEN');
    }
    await connected(open({ cookie, origin: admin.url }));
    expect((await fetch(`${admin.url}/healthz`)).status).to.equal(200);
  });

  it('pushes worker presence, task states (QUEUED → RUNNING → final) and live log lines of a subscribed task', async function () {
    const me = await api.ok<{ token: string }>('POST', '/api/v1/auth/login', { username: 'admin', password: PASSWORD });
    const s = open({ token: me.token });
    const presence = nextEvent<{ app: string; workers: unknown[] }>(s, 'workers', (m) => m.app === 'live' && m.workers.length === 1);
    await connected(s);
    await presence;

    const job = await api.ok<{ id: number }>('POST', '/api/v1/jobs', { app: 'live', name: 'talk', handler: 'talk', schedule: { type: 'NONE' } });
    const running = nextEvent<TasksMsg>(s, 'tasks', (m) => m.app === 'live' && m.changes.some((c) => c.status === 'RUNNING'));
    const { taskId } = await api.ok<{ taskId: string }>('POST', `/api/v1/jobs/${job.id}/trigger`, {});
    expect((await running).changes.find((c) => c.status === 'RUNNING')?.id).to.equal(taskId);

    // Subscribe while it runs: the next lines arrive live.
    const ack = await s.timeout(5000).emitWithAck('subscribe-log', { taskId });
    expect(ack).to.deep.equal({ ok: true });
    const line = nextEvent<{ taskId: string; lines: string[] }>(s, 'log', (m) => m.taskId === taskId && m.lines.some((l) => l.endsWith('line two')));
    const final = nextEvent<TasksMsg>(s, 'tasks', (m) => m.changes.some((c) => c.id === taskId && c.status === 'SUCCESS'));
    release();
    await line;
    await final;
  });

  it('keeps other apps out: a VIEWER of another app gets no pushes and may not subscribe', async function () {
    const otto = await api.ok<{ token: string }>('POST', '/api/v1/auth/login', { username: 'otto', password: 'other-pass' });
    const s = open({ token: otto.token });
    const seen: string[] = [];
    s.on('tasks', (m: TasksMsg) => seen.push(m.app));
    s.on('workers', (m: { app: string }) => seen.push(m.app));
    await connected(s);
    const job = await api.ok<{ id: number }>('POST', '/api/v1/jobs', { app: 'live', name: 'talk2', handler: 'talk', schedule: { type: 'NONE' } });
    const { taskId } = await api.ok<{ taskId: string }>('POST', `/api/v1/jobs/${job.id}/trigger`, {});
    const ack = await s.timeout(5000).emitWithAck('subscribe-log', { taskId });
    // Another app's task: the same answer as one that does not exist.
    expect(ack).to.deep.equal({ ok: false, code: 'OASIS_ERR_NOT_FOUND', message: `No task has id "${taskId}"` });
    release();
    await new Promise((r) => setTimeout(r, 1500));
    expect(seen.filter((a) => a === 'live')).to.deep.equal([]);
    const bad = await s.timeout(5000).emitWithAck('subscribe-log', { taskId: 'no such id!' });
    expect(bad).to.include({ ok: false, code: 'OASIS_ERR_VALIDATION' });
  });
});
