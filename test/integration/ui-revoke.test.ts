import { expect } from 'chai';
import type { Socket } from 'socket.io-client';
import { silentLogger } from '../../server/src/domain/logger.js';
import type { RunningAdmin } from '../../server/src/main.js';
import { createIoServer } from '../../server/src/realtime/io-server.js';
import { UiGateway } from '../../server/src/realtime/ui-gateway.js';
import { createAdminStack, type AdminStack } from '../helpers/admin-stack.js';
import { ApiClient, signIn } from '../helpers/api-client.js';
import { startInProcessAdmin, type InProcessAdmin } from '../helpers/in-process-admin.js';
import { connected, disconnected, nextEvent, refused, UiSockets } from '../helpers/ui-socket.js';
import { updateUserSchema } from '@oasis/worker-client/contracts';
import { parsed } from '../helpers/parsed.js';

const USER_PASSWORD = 'user-pass-1234';
/** What socket.io-client reports when the server ended the socket. */
const SERVER_DISCONNECT = 'io server disconnect';

/** A REST call with a user's bearer token; returns the status. */
const callAs = async (baseUrl: string, token: string, method: string, path: string, body?: unknown): Promise<number> =>
  (await new ApiClient(baseUrl, token).call(method, path, body)).status;

/** True when `s` is still connected after `ms` (no disconnect in between). */
async function staysConnected(s: Socket, ms = 1200): Promise<boolean> {
  await new Promise((r) => setTimeout(r, ms));
  return s.connected;
}

describe('realtime: /ui sockets lose their rights at once, on every admin (issue 9)', function () {
  this.timeout(90_000);
  let world: InProcessAdmin;
  let admin1: RunningAdmin;
  let admin2: RunningAdmin;
  let api: ApiClient;
  const sockets = new UiSockets();
  let serial = 0;

  /** A new OPERATOR (or `role`) of `apps`, signed in once. */
  async function user(apps: string[], role = 'OPERATOR'): Promise<{ id: number; username: string; token: string }> {
    const username = `u${++serial}-${Date.now().toString(36)}`;
    const { id } = await api.ok<{ id: number }>('POST', '/api/v1/users', { username, password: USER_PASSWORD, role, apps });
    const { token } = await signIn(admin1.url, username, USER_PASSWORD);
    return { id, username, token };
  }
  /** One socket of `token` on each admin, connected. */
  async function onBothAdmins(token: string): Promise<[Socket, Socket]> {
    const s1 = sockets.open(admin1.url, { token });
    const s2 = sockets.open(admin2.url, { token });
    await Promise.all([connected(s1), connected(s2)]);
    return [s1, s2];
  }

  before(async function () {
    // Two admins on one Redis prefix and one database: a change through one must reach the other's sockets.
    world = await startInProcessAdmin();
    ({ admin: admin1, api } = world);
    admin2 = await world.another();
    await api.ok('POST', '/api/v1/apps', { name: 'alpha' });
    await api.ok('POST', '/api/v1/apps', { name: 'beta' });
  });
  afterEach(() => sockets.closeAll());
  after(async function () {
    sockets.closeAll();
    await world?.close();
  });

  it('apps changed (PUT /users/:id through admin 1): the sockets on both admins end; a reconnect joins only the new app', async function () {
    const u = await user(['alpha']);
    const [s1, s2] = await onBothAdmins(u.token);
    const gone = Promise.all([disconnected(s1), disconnected(s2)]);
    await api.ok('PUT', `/api/v1/users/${u.id}`, { apps: ['beta'] });
    expect(await gone).to.deep.equal([SERVER_DISCONNECT, SERVER_DISCONNECT]);

    // The session itself is still good: a new socket connects, now in beta's room only.
    const again = sockets.open(admin2.url, { token: u.token });
    const seen: string[] = [];
    again.on('tasks', (m: { app: string }) => seen.push(`tasks:${m.app}`));
    again.on('workers', (m: { app: string }) => seen.push(`workers:${m.app}`));
    await connected(again);
    const alphaJob = await api.ok<{ id: number }>('POST', '/api/v1/jobs', { app: 'alpha', name: 'a1', handler: 'h', schedule: { type: 'NONE' } });
    const betaJob = await api.ok<{ id: number }>('POST', '/api/v1/jobs', { app: 'beta', name: 'b1', handler: 'h', schedule: { type: 'NONE' } });
    const betaPush = nextEvent<{ app: string }>(again, 'tasks', (m) => m.app === 'beta', 15_000);
    // No worker is online: each trigger ends NO_WORKER and its final record is pushed to its app's room.
    await api.ok('POST', `/api/v1/jobs/${alphaJob.id}/trigger`, {});
    await api.ok('POST', `/api/v1/jobs/${betaJob.id}/trigger`, {});
    await betaPush;
    await new Promise((r) => setTimeout(r, 1000));
    expect(seen).to.include('workers:beta');
    expect(seen.filter((e) => e.endsWith(':alpha'))).to.deep.equal([]);
  });

  it('role changed (OPERATOR → VIEWER): the sockets on both admins end', async function () {
    const u = await user(['alpha']);
    const [s1, s2] = await onBothAdmins(u.token);
    const gone = Promise.all([disconnected(s1), disconnected(s2)]);
    await api.ok('PUT', `/api/v1/users/${u.id}`, { role: 'VIEWER' });
    expect(await gone).to.deep.equal([SERVER_DISCONNECT, SERVER_DISCONNECT]);
  });

  it('user deleted: the sockets on both admins end and the token no longer connects', async function () {
    const u = await user(['alpha']);
    const [s1, s2] = await onBothAdmins(u.token);
    const gone = Promise.all([disconnected(s1), disconnected(s2)]);
    await api.ok('DELETE', `/api/v1/users/${u.id}`);
    expect(await gone).to.deep.equal([SERVER_DISCONNECT, SERVER_DISCONNECT]);
    expect((await refused(sockets.open(admin2.url, { token: u.token }))).message).to.equal('OASIS_ERR_UNAUTHORIZED');
  });

  it('signed out (POST /auth/logout): that session’s sockets end on both admins, another session’s stay', async function () {
    const u = await user(['alpha']);
    const other = await signIn(admin1.url, u.username, USER_PASSWORD);
    const [s1, s2] = await onBothAdmins(u.token);
    const [o1, o2] = await onBothAdmins(other.token);
    const gone = Promise.all([disconnected(s1), disconnected(s2)]);
    expect(await callAs(admin1.url, u.token, 'POST', '/api/v1/auth/logout')).to.equal(204);
    expect(await gone).to.deep.equal([SERVER_DISCONNECT, SERVER_DISCONNECT]);
    expect([await staysConnected(o1), await staysConnected(o2, 0)]).to.deep.equal([true, true]);
  });

  it('password changed (by the user): every session’s sockets end on both admins', async function () {
    const u = await user(['alpha']);
    const other = await signIn(admin1.url, u.username, USER_PASSWORD);
    const all = [...(await onBothAdmins(u.token)), ...(await onBothAdmins(other.token))];
    const gone = Promise.all(all.map((s) => disconnected(s)));
    const status = await callAs(admin1.url, u.token, 'POST', `/api/v1/users/${u.id}/password`, {
      password: 'a-new-password-42',
      currentPassword: USER_PASSWORD,
    });
    expect(status).to.equal(204);
    expect(await gone).to.deep.equal(all.map(() => SERVER_DISCONNECT));
    expect((await refused(sockets.open(admin1.url, { token: other.token }))).message).to.equal('OASIS_ERR_UNAUTHORIZED');
  });

  it('password changed (by an ADMIN): the user’s sockets end on both admins', async function () {
    const u = await user(['alpha'], 'VIEWER');
    const [s1, s2] = await onBothAdmins(u.token);
    const gone = Promise.all([disconnected(s1), disconnected(s2)]);
    await api.ok('POST', `/api/v1/users/${u.id}/password`, { password: 'set-by-the-admin-1' });
    expect(await gone).to.deep.equal([SERVER_DISCONNECT, SERVER_DISCONNECT]);
  });

  it('a change of another user leaves these sockets alone', async function () {
    const u = await user(['alpha']);
    const bystander = await user(['alpha']);
    const [s1, s2] = await onBothAdmins(u.token);
    await api.ok('PUT', `/api/v1/users/${bystander.id}`, { apps: ['beta'] });
    await api.ok('DELETE', `/api/v1/users/${bystander.id}`);
    expect([await staysConnected(s1), await staysConnected(s2, 0)]).to.deep.equal([true, true]);
  });
});

/**
 * The gateway on an admin stack whose services have no access hook: the store changes, nobody
 * tells the gateway. What protects the socket then is the gateway's own re-check.
 */
describe('realtime: /ui re-checks the session itself (no access hook wired)', function () {
  this.timeout(60_000);
  const sockets = new UiSockets();

  interface World {
    stack: AdminStack;
    api: ApiClient;
    gateway: UiGateway;
    close(): Promise<void>;
  }
  async function world(recheckMs?: number): Promise<World> {
    const stack = await createAdminStack();
    const io = createIoServer(stack.server, stack.redis.connect(), stack.redis.connect());
    const gateway = new UiGateway({ io, services: stack.services, effects: stack.effects, logger: silentLogger, ...(recheckMs !== undefined && { recheckMs }) });
    const api = await stack.signIn();
    await api.ok('POST', '/api/v1/apps', { name: 'alpha' });
    await api.ok('POST', '/api/v1/apps', { name: 'beta' });
    return {
      stack,
      api,
      gateway,
      async close() {
        gateway.close();
        await new Promise<void>((res) => io.close(() => res()));
        await stack.close();
      },
    };
  }
  let serial = 0;
  async function operator(w: World, apps: string[]): Promise<{ id: number; username: string; token: string }> {
    const username = `op${++serial}`;
    const { id } = await w.api.ok<{ id: number }>('POST', '/api/v1/users', { username, password: USER_PASSWORD, role: 'OPERATOR', apps });
    return { id, username, token: (await signIn(w.stack.baseUrl, username, USER_PASSWORD)).token };
  }
  /** A queued task of app alpha (a worker counts as online, nothing pulls). */
  async function alphaTask(w: World): Promise<string> {
    await w.stack.onlineWorker('alpha');
    const job = await w.api.ok<{ id: number }>('POST', '/api/v1/jobs', { app: 'alpha', name: `j${++serial}`, handler: 'h', schedule: { type: 'NONE' } });
    return (await w.api.ok<{ taskId: string }>('POST', `/api/v1/jobs/${job.id}/trigger`, {})).taskId;
  }
  const subscribe = (s: Socket, taskId: string) => s.timeout(5000).emitWithAck('subscribe-log', { taskId }) as Promise<Record<string, unknown>>;

  afterEach(() => sockets.closeAll());

  describe('on every subscribe-log', function () {
    let w: World;
    before(async () => {
      w = await world();
    });
    after(async () => {
      await w?.close();
    });

    it('refuses a subscribe after the user lost the app, then ends the socket (its rooms are stale)', async function () {
      const u = await operator(w, ['alpha']);
      const taskId = await alphaTask(w);
      const s = sockets.open(w.stack.baseUrl, { token: u.token });
      await connected(s);
      expect(await subscribe(s, taskId)).to.deep.equal({ ok: true });
      const gone = disconnected(s);
      await w.stack.services.users.update(u.id, parsed(updateUserSchema, { apps: ['beta'] }));
      const ack = await subscribe(s, taskId);
      expect(ack).to.include({ ok: false, code: 'OASIS_ERR_NOT_FOUND' });
      expect(ack['message']).to.be.a('string');
      expect(await gone).to.equal(SERVER_DISCONNECT);
    });

    it('refuses a subscribe with OASIS_ERR_UNAUTHORIZED once the session ended (sign-out, password, deletion)', async function () {
      const taskId = await alphaTask(w);
      const ends: [string, (u: { id: number; token: string }) => Promise<unknown>][] = [
        ['sign-out', (u) => w.stack.services.auth.logout(u.token)],
        ['password', (u) => w.stack.repos.users.setPasswordHash(u.id, 'not-the-old-hash')],
        ['deletion', (u) => w.stack.repos.users.delete(u.id)],
      ];
      for (const [what, end] of ends) {
        const u = await operator(w, ['alpha']);
        const s = sockets.open(w.stack.baseUrl, { token: u.token });
        await connected(s);
        expect(await subscribe(s, taskId), what).to.deep.equal({ ok: true });
        const gone = disconnected(s);
        await end(u);
        expect(await subscribe(s, taskId), what).to.include({ ok: false, code: 'OASIS_ERR_UNAUTHORIZED' });
        expect(await gone, what).to.equal(SERVER_DISCONNECT);
      }
    });

    it('refuses even a readable task once the rights changed (apps added): the socket must reconnect to get its new rooms', async function () {
      const u = await operator(w, ['alpha']);
      const taskId = await alphaTask(w);
      const s = sockets.open(w.stack.baseUrl, { token: u.token });
      await connected(s);
      const gone = disconnected(s);
      await w.stack.services.users.update(u.id, parsed(updateUserSchema, { apps: ['alpha', 'beta'] }));
      expect(await subscribe(s, taskId)).to.include({ ok: false, code: 'OASIS_ERR_UNAUTHORIZED' });
      expect(await gone).to.equal(SERVER_DISCONNECT);
      const again = sockets.open(w.stack.baseUrl, { token: u.token });
      await connected(again);
      expect(await subscribe(again, taskId)).to.deep.equal({ ok: true });
    });

    it('still serves a user whose rights did not change', async function () {
      const u = await operator(w, ['alpha', 'beta']);
      const taskId = await alphaTask(w);
      const s = sockets.open(w.stack.baseUrl, { token: u.token });
      await connected(s);
      await w.stack.services.users.update(u.id, parsed(updateUserSchema, { apps: ['alpha', 'beta'] }));
      expect(await subscribe(s, taskId)).to.deep.equal({ ok: true });
      expect(await subscribe(s, taskId)).to.deep.equal({ ok: true });
      expect(s.connected).to.equal(true);
    });
  });

  describe('every recheckMs, for every socket (a lost event, an expired session)', function () {
    let w: World;
    before(async () => {
      w = await world(250);
    });
    after(async () => {
      await w?.close();
    });

    it('ends the socket of a user whose apps changed, and of a session that ended, without any event', async function () {
      const a = await operator(w, ['alpha']);
      const b = await operator(w, ['alpha']);
      const keep = await operator(w, ['alpha']);
      const [sa, sb, sk] = [a, b, keep].map((u) => sockets.open(w.stack.baseUrl, { token: u.token }));
      await Promise.all([sa, sb, sk].map((s) => connected(s!)));
      const gone = Promise.all([disconnected(sa!, 5000), disconnected(sb!, 5000)]);
      await w.stack.services.users.update(a.id, parsed(updateUserSchema, { apps: ['beta'] }));
      await w.stack.services.auth.logout(b.token);
      expect(await gone).to.deep.equal([SERVER_DISCONNECT, SERVER_DISCONNECT]);
      expect(sk!.connected).to.equal(true);
    });
  });
});
