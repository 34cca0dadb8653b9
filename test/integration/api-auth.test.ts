import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { createApi } from '../../server/src/api/index.js';
import { silentLogger } from '../../server/src/domain/logger.js';
import { createAdminStack, TEST_ADMIN_PASSWORD, type AdminStack } from '../helpers/admin-stack.js';
import { ApiClient } from '../helpers/api-client.js';

const ERROR_KEYS = ['statusCode', 'code', 'error', 'message'];

describe('API: login, bearer tokens, /healthz', function () {
  let s: AdminStack;
  before(async function () {
    s = await createAdminStack();
  });
  after(async function () {
    await s?.close();
  });

  it('logs in with the right password and answers a token', async function () {
    const api = new ApiClient(s.baseUrl);
    const r = await api.call('POST', '/api/v1/auth/login', { username: 'admin', password: TEST_ADMIN_PASSWORD });
    expect(r.status).to.equal(200);
    const body = r.body as { token: string; expiresAt: number; user: { username: string } };
    expect(body.token).to.match(/^[A-Za-z0-9_-]{43}$/);
    expect(body.user.username).to.equal('admin');
    expect(body.expiresAt).to.be.greaterThan(Date.now());
  });

  it('answers 401 OASIS_ERR_BAD_CREDENTIALS, the same for a wrong password and an unknown user', async function () {
    const api = new ApiClient(s.baseUrl);
    const wrong = await api.call('POST', '/api/v1/auth/login', { username: 'admin', password: 'nope-nope' });
    const ghost = await api.call('POST', '/api/v1/auth/login', { username: 'ghost', password: 'nope-nope' });
    expect(wrong.status).to.equal(401);
    expect(wrong.body).to.deep.equal(ghost.body);
    expect(wrong.body).to.have.all.keys(...ERROR_KEYS);
    expect(wrong.body).to.include({ statusCode: 401, code: 'OASIS_ERR_BAD_CREDENTIALS', error: 'Unauthorized' });
  });

  it('requires a bearer token on every other /api/v1 route', async function () {
    const anon = new ApiClient(s.baseUrl);
    for (const [method, path] of [
      ['GET', '/api/v1/apps'],
      ['POST', '/api/v1/apps'],
      ['GET', '/api/v1/jobs'],
      ['GET', '/api/v1/jobs/1'],
      ['POST', '/api/v1/jobs/1/trigger'],
      ['GET', '/api/v1/logs'],
      ['GET', '/api/v1/workers'],
      ['GET', '/api/v1/auth/me'],
    ] as const) {
      const r = await anon.call(method, path, method === 'POST' ? {} : undefined);
      expect(r.status, `${method} ${path}`).to.equal(401);
      expect(r.body).to.include({ code: 'OASIS_ERR_UNAUTHORIZED', error: 'Unauthorized' });
    }
    const res = await fetch(`${s.baseUrl}/api/v1/apps`, { headers: { authorization: 'Bearer ' + 'A'.repeat(43) } });
    expect(res.status).to.equal(401);
    expect(res.headers.get('www-authenticate')).to.equal('Bearer');
    const basic = await fetch(`${s.baseUrl}/api/v1/apps`, { headers: { authorization: 'Basic YWRtaW46eA==' } });
    expect(basic.status).to.equal(401);
  });

  it('knows who is logged in, and logout ends the session', async function () {
    const api = new ApiClient(s.baseUrl);
    await api.login('admin', TEST_ADMIN_PASSWORD);
    expect(await api.ok('GET', '/api/v1/auth/me')).to.include({ username: 'admin', role: 'ADMIN' });
    expect((await api.call('POST', '/api/v1/auth/logout')).status).to.equal(204);
    expect((await api.call('GET', '/api/v1/apps')).status).to.equal(401);
  });

  it('audits sign-in, failed sign-in and sign-out with the address and the canonical username, never the password', async function () {
    const api = new ApiClient(s.baseUrl);
    expect((await api.call('POST', '/api/v1/auth/login', { username: ' Ghost.Writer ', password: 'secret-guess-1' })).status).to.equal(401);
    expect((await api.call('POST', '/api/v1/auth/login', { username: 'ADMIN', password: 'secret-guess-2' })).status).to.equal(401);
    await api.login('Admin ', TEST_ADMIN_PASSWORD);
    expect((await api.call('POST', '/api/v1/auth/logout')).status).to.equal(204);
    await api.login('admin', TEST_ADMIN_PASSWORD);

    type Entry = { action: string; username: string; targetType: string; targetId: string | null; ip: string | null };
    const entries = await api.ok<{ items: Entry[] }>('GET', '/api/v1/audit?target=auth&limit=100');
    const of = (action: string) => entries.items.filter((e) => e.action === action);
    const adminId = String((await api.ok<{ id: number }>('GET', '/api/v1/auth/me')).id);

    expect(of('auth.login-failed').map((e) => e.username)).to.include.members(['ghost.writer', 'admin']);
    expect(of('auth.login-failed').find((e) => e.username === 'admin')).to.include({ targetId: adminId, ip: '127.0.0.1' });
    expect(of('auth.login-failed').find((e) => e.username === 'ghost.writer')).to.include({ targetId: null, ip: '127.0.0.1' });
    expect(of('auth.login').length).to.be.at.least(2);
    for (const e of of('auth.login')) expect(e).to.include({ username: 'admin', targetType: 'auth', targetId: adminId, ip: '127.0.0.1' });
    expect(of('auth.logout').length).to.be.at.least(1);
    expect(of('auth.logout')[0]).to.include({ username: 'admin', targetId: adminId, ip: '127.0.0.1' });
    const text = JSON.stringify(entries);
    for (const secret of ['secret-guess-1', 'secret-guess-2', TEST_ADMIN_PASSWORD]) expect(text).to.not.include(secret);
  });

  it('GET /healthz answers 200 {status:"ok"} without auth when Redis and the database answer', async function () {
    const res = await fetch(`${s.baseUrl}/healthz`);
    expect(res.status).to.equal(200);
    expect(await res.json()).to.deep.equal({ status: 'ok' });
  });

  it('GET /healthz answers 503 when the database does not answer', async function () {
    const app = createApi({ config: s.config, services: s.services, hot: s.hot, dbPing: async () => false, logger: silentLogger });
    const server = createServer(app).listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/healthz`);
      expect(res.status).to.equal(503);
      const body = (await res.json()) as Record<string, unknown>;
      expect(body).to.have.all.keys(...ERROR_KEYS);
      expect(body).to.include({ statusCode: 503, code: 'OASIS_ERR_UNAVAILABLE', error: 'Service Unavailable' });
      expect(body.message).to.match(/database/);
    } finally {
      server.close();
    }
  });
});
