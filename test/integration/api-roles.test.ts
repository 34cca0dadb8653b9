import { expect } from 'chai';
import { createAdminStack, TEST_ADMIN_PASSWORD, type AdminStack } from '../helpers/admin-stack.js';
import { ApiClient } from '../helpers/api-client.js';
import { waitFor } from '../helpers/wait.js';

interface Job {
  id: number;
  app: string;
}
interface AuditPage {
  items: { action: string; username: string; targetType: string; targetId: string | null; app: string | null; before: unknown; after: unknown }[];
  total: number;
}

/** Polls until `fn` answers something truthy (the audit trail is written after the answer). */
const eventually = <T>(fn: () => Promise<T | null | undefined | false>): Promise<T> => waitFor(fn, 3000, 'the audit trail', 50);

describe('API: users, roles, permissions and the audit trail', function () {
  let s: AdminStack;
  let admin: ApiClient;
  let operator: ApiClient;
  let viewer: ApiClient;
  let jobA: Job;
  let jobB: Job;
  let operatorId: number;

  before(async function () {
    s = await createAdminStack({ OASIS_LOGIN_MAX_FAILURES: '3' });
    admin = await s.signIn();
    await admin.ok('POST', '/api/v1/apps', { name: 'alpha', title: 'Alpha' });
    await admin.ok('POST', '/api/v1/apps', { name: 'beta', title: 'Beta' });
    const op = await admin.ok<{ id: number; apps: string[]; role: string }>('POST', '/api/v1/users', {
      username: 'olga', password: 'operator-pass', role: 'OPERATOR', apps: ['alpha'],
    });
    expect(op).to.include({ role: 'OPERATOR' });
    expect(op.apps).to.deep.equal(['alpha']);
    expect(op).to.not.have.property('passwordHash');
    operatorId = op.id;
    await admin.ok('POST', '/api/v1/users', { username: 'vic', password: 'viewer-pass', role: 'VIEWER', apps: ['alpha'] });
    jobA = await admin.ok<Job>('POST', '/api/v1/jobs', { app: 'alpha', name: 'a', handler: 'h', schedule: { type: 'NONE' } });
    jobB = await admin.ok<Job>('POST', '/api/v1/jobs', { app: 'beta', name: 'b', handler: 'h', schedule: { type: 'NONE' } });
    operator = await s.signIn('olga', 'operator-pass');
    viewer = await s.signIn('vic', 'viewer-pass');
  });
  after(async function () {
    await s?.close();
  });

  it('GET /auth/me answers role and apps', async function () {
    expect(await operator.ok('GET', '/api/v1/auth/me')).to.deep.include({ username: 'olga', role: 'OPERATOR', apps: ['alpha'] });
  });

  it('ADMIN sees and does everything', async function () {
    expect((await admin.ok<unknown[]>('GET', '/api/v1/apps')).length).to.equal(2);
    expect((await admin.ok<Job[]>('GET', '/api/v1/jobs')).map((j) => j.app).sort()).to.deep.equal(['alpha', 'beta']);
    expect((await admin.ok<unknown[]>('GET', '/api/v1/users')).length).to.equal(3);
    await admin.ok('POST', `/api/v1/jobs/${jobB.id}/stop`, {});
    await admin.ok('GET', '/api/v1/logs');
  });

  it('OPERATOR reads and changes jobs of its apps only', async function () {
    expect((await operator.ok<{ name: string }[]>('GET', '/api/v1/apps')).map((a) => a.name)).to.deep.equal(['alpha']);
    expect((await operator.ok<Job[]>('GET', '/api/v1/jobs')).map((j) => j.app)).to.deep.equal(['alpha']);
    const created = await operator.call('POST', '/api/v1/jobs', { app: 'alpha', name: 'op-job', handler: 'h', schedule: { type: 'NONE' } });
    expect(created.status).to.equal(201);
    await operator.ok('POST', `/api/v1/jobs/${jobA.id}/start`, {});
    await operator.ok('POST', `/api/v1/jobs/${jobA.id}/stop`, {});
    await operator.ok('PUT', `/api/v1/jobs/${jobA.id}`, { params: 'x' });
    expect((await operator.call('POST', `/api/v1/jobs/${jobA.id}/trigger`, {})).status).to.equal(202);
    await operator.ok('GET', '/api/v1/logs');
    await operator.ok('GET', '/api/v1/workers');

    for (const [method, path, body] of [
      ['POST', '/api/v1/jobs', { app: 'beta', name: 'nope', handler: 'h', schedule: { type: 'NONE' } }],
      ['GET', '/api/v1/jobs?app=beta', undefined],
      ['GET', '/api/v1/logs?app=beta', undefined],
      ['GET', '/api/v1/workers?app=beta', undefined],
      ['POST', '/api/v1/apps', { name: 'gamma' }],
      ['PUT', '/api/v1/apps/alpha', { title: 'x' }],
      ['POST', '/api/v1/apps/alpha/token', {}],
      ['GET', '/api/v1/apps/beta', undefined],
      ['GET', '/api/v1/users', undefined],
      ['POST', '/api/v1/users', { username: 'x1', password: 'xxxxxxxx', role: 'ADMIN' }],
      ['GET', '/api/v1/audit', undefined],
    ] as const) {
      const r = await operator.call(method, path, body);
      expect(r.status, `${method} ${path}`).to.equal(403);
      expect(r.body).to.include({ code: 'OASIS_ERR_FORBIDDEN', error: 'Forbidden' });
    }
    // Another app's jobs do not exist for it (same answer as an unknown id).
    for (const [method, path, body] of [
      ['GET', `/api/v1/jobs/${jobB.id}`, undefined],
      ['PUT', `/api/v1/jobs/${jobB.id}`, { params: 'x' }],
      ['DELETE', `/api/v1/jobs/${jobB.id}`, undefined],
      ['POST', `/api/v1/jobs/${jobB.id}/start`, {}],
      ['POST', `/api/v1/jobs/${jobB.id}/trigger`, {}],
    ] as const) {
      const r = await operator.call(method, path, body);
      expect(r.status, `${method} ${path}`).to.equal(404);
      expect(r.body).to.include({ code: 'OASIS_ERR_NOT_FOUND' });
    }
  });

  it('VIEWER reads its apps and changes nothing', async function () {
    expect([...new Set((await viewer.ok<Job[]>('GET', '/api/v1/jobs')).map((j) => j.app))]).to.deep.equal(['alpha']);
    await viewer.ok('GET', `/api/v1/jobs/${jobA.id}`);
    await viewer.ok('GET', '/api/v1/apps/alpha');
    await viewer.ok('GET', '/api/v1/logs?app=alpha');
    for (const [method, path, body] of [
      ['POST', '/api/v1/jobs', { app: 'alpha', name: 'v', handler: 'h', schedule: { type: 'NONE' } }],
      ['PUT', `/api/v1/jobs/${jobA.id}`, { params: 'y' }],
      ['DELETE', `/api/v1/jobs/${jobA.id}`, undefined],
      ['POST', `/api/v1/jobs/${jobA.id}/start`, {}],
      ['POST', `/api/v1/jobs/${jobA.id}/stop`, {}],
      ['POST', `/api/v1/jobs/${jobA.id}/trigger`, {}],
      ['GET', '/api/v1/users', undefined],
    ] as const) {
      const r = await viewer.call(method, path, body);
      expect(r.status, `${method} ${path}`).to.equal(403);
    }
    expect((await viewer.call('GET', `/api/v1/jobs/${jobB.id}`)).status).to.equal(404);
  });

  it('a non-admin cannot tell an unknown job from a forbidden one by probing ids', async function () {
    const missing = await viewer.call('GET', '/api/v1/jobs/999999');
    expect(missing.status).to.equal(404);
    // A job of an app the user may not even read answers exactly like one that does not exist.
    for (const [method, path] of [['GET', `/api/v1/jobs/${jobB.id}`], ['POST', `/api/v1/jobs/${jobB.id}/trigger`], ['GET', `/api/v1/jobs/${jobB.id}/next-fires`]] as const) {
      const theirs = await operator.call(method, path, method === 'POST' ? {} : undefined);
      expect(theirs.status, path).to.equal(404);
      expect(JSON.stringify(theirs.body).replace(String(jobB.id), 'N')).to.equal(JSON.stringify(missing.body).replace('999999', 'N'));
    }
    const { taskId } = await admin.ok<{ taskId: string }>('POST', `/api/v1/jobs/${jobB.id}/trigger`, {});
    const task = await operator.call('GET', `/api/v1/logs/${taskId}`);
    const noTask = await operator.call('GET', `/api/v1/logs/${jobA.id}-nosuchtask`);
    expect([task.status, noTask.status]).to.deep.equal([404, 404]);
    expect(JSON.stringify(task.body).replace(taskId, 'N')).to.equal(JSON.stringify(noTask.body).replace(`${jobA.id}-nosuchtask`, 'N'));
    // A job the user may read but not change: 403, it may know the job exists.
    expect((await viewer.call('POST', `/api/v1/jobs/${jobA.id}/trigger`, {})).status).to.equal(403);
  });

  it('a role or app change applies to the next request of an open session', async function () {
    await admin.ok('PUT', `/api/v1/users/${operatorId}`, { apps: ['alpha', 'beta'] });
    await operator.ok('GET', `/api/v1/jobs/${jobB.id}`);
    await admin.ok('PUT', `/api/v1/users/${operatorId}`, { role: 'VIEWER' });
    expect((await operator.call('POST', `/api/v1/jobs/${jobB.id}/trigger`, {})).status).to.equal(403);
    await admin.ok('PUT', `/api/v1/users/${operatorId}`, { role: 'OPERATOR', apps: ['alpha'] });
    expect((await admin.call('PUT', `/api/v1/users/${operatorId}`, { apps: ['nope'] })).body).to.include({ code: 'OASIS_ERR_UNKNOWN_APP' });
  });

  it('keeps an ADMIN: no self-delete, no demoting the built-in admin', async function () {
    const me = await admin.ok<{ id: number }>('GET', '/api/v1/auth/me');
    expect((await admin.call('DELETE', `/api/v1/users/${me.id}`)).body).to.include({ code: 'OASIS_ERR_CONFLICT' });
    expect((await admin.call('PUT', `/api/v1/users/${me.id}`, { role: 'VIEWER' })).body).to.include({ code: 'OASIS_ERR_CONFLICT' });
    expect((await admin.call('POST', '/api/v1/users', { username: 'olga', password: 'xxxxxxxx', role: 'VIEWER' })).status).to.equal(409);
    expect((await admin.call('POST', '/api/v1/users', { username: 'x', password: 'short', role: 'BOSS' })).body).to.include({ code: 'OASIS_ERR_VALIDATION' });
  });

  it('a password change needs the current one, and ends the old sessions', async function () {
    const vic = await viewer.ok<{ id: number }>('GET', '/api/v1/auth/me');
    expect((await viewer.call('POST', `/api/v1/users/${vic.id}/password`, { password: 'new-viewer-pass' })).status).to.equal(400);
    expect((await viewer.call('POST', `/api/v1/users/${operatorId}/password`, { password: 'new-viewer-pass' })).status).to.equal(403);
    const wrong = await viewer.call('POST', `/api/v1/users/${vic.id}/password`, { password: 'new-viewer-pass', currentPassword: 'nope' });
    expect(wrong.body).to.include({ code: 'OASIS_ERR_BAD_CREDENTIALS' });
    expect((await viewer.call('POST', `/api/v1/users/${vic.id}/password`, { password: 'new-viewer-pass', currentPassword: 'viewer-pass' })).status).to.equal(204);
    expect((await viewer.call('GET', '/api/v1/auth/me')).status).to.equal(401);
    await viewer.login('vic', 'new-viewer-pass');
    // An ADMIN sets anyone's password without the current one.
    expect((await admin.call('POST', `/api/v1/users/${vic.id}/password`, { password: 'viewer-pass' })).status).to.equal(204);
    await viewer.login('vic', 'viewer-pass');
  });

  it('a deleted user is signed out at once', async function () {
    const tmp = await admin.ok<{ id: number }>('POST', '/api/v1/users', { username: 'temp', password: 'temp-pass', role: 'VIEWER' });
    const c = new ApiClient(s.baseUrl);
    await c.login('temp', 'temp-pass');
    expect((await admin.call('DELETE', `/api/v1/users/${tmp.id}`)).status).to.equal(204);
    expect((await c.call('GET', '/api/v1/auth/me')).status).to.equal(401);
  });

  it('PUT /apps/:name changes the title; POST /apps/:name/token rotates the worker token', async function () {
    expect(await admin.ok('PUT', '/api/v1/apps/alpha', { title: 'Alpha!' })).to.include({ name: 'alpha', title: 'Alpha!' });
    const before = (await admin.ok<{ token: string }>('POST', '/api/v1/apps', { name: 'delta' })).token;
    const rotated = await admin.ok<{ token: string; name: string }>('POST', '/api/v1/apps/delta/token', {});
    expect(rotated.name).to.equal('delta');
    expect(rotated.token).to.match(/^[A-Za-z0-9_-]{43}$/).and.not.equal(before);
    expect(await s.services.apps.verifyWorkerToken('delta', rotated.token)).to.equal(true);
    expect(await s.services.apps.verifyWorkerToken('delta', before)).to.equal(false);
    expect((await admin.call('POST', '/api/v1/apps/nope/token', {})).status).to.equal(400);
  });

  it('records every change in the audit trail, secrets redacted; GET /audit filters', async function () {
    const page = await eventually(async () => {
      const p = await admin.ok<AuditPage>(`GET`, `/api/v1/audit?target=job:${jobA.id}&limit=100`);
      return p.items.some((i) => i.action === 'job.update') ? p : null;
    });
    const actions = page.items.map((i) => i.action);
    expect(actions).to.include.members(['job.start', 'job.stop', 'job.trigger', 'job.update']);
    const update = page.items.find((i) => i.action === 'job.update')!;
    expect(update).to.include({ username: 'olga', targetType: 'job', targetId: String(jobA.id), app: 'alpha' });
    expect((update.before as { params: string }).params).to.equal('');
    expect((update.after as { params: string }).params).to.equal('x');

    const apps = await eventually(async () => {
      const p = await admin.ok<AuditPage>('GET', '/api/v1/audit?target=app:delta');
      return p.items.some((i) => i.action === 'app.token') ? p : null;
    });
    for (const i of apps.items) expect(JSON.stringify(i.after)).to.not.match(/[A-Za-z0-9_-]{43}/);
    expect(apps.items.map((i) => i.action)).to.include.members(['app.create', 'app.token']);

    const users = await admin.ok<AuditPage>('GET', '/api/v1/audit?target=user&user=admin');
    expect(users.items.map((i) => i.action)).to.include.members(['user.create', 'user.update', 'user.delete', 'user.password']);
    for (const i of users.items) expect(JSON.stringify(i)).to.not.include('pass"');
    expect(users.items.every((i) => i.username === 'admin')).to.equal(true);
    expect((await admin.call('GET', '/api/v1/audit?target=Bad Target')).status).to.equal(400);
  });

  it('records refusals: a 403, and another app’s job answered as 404, each as <action>.denied with the app', async function () {
    await viewer.call('POST', `/api/v1/jobs/${jobA.id}/trigger`, {});
    await viewer.call('GET', '/api/v1/users');
    await operator.call('POST', `/api/v1/jobs/${jobB.id}/trigger`, {});
    const page = await eventually(async () => {
      const p = await admin.ok<AuditPage>('GET', '/api/v1/audit?limit=200');
      const denied = p.items.filter((i) => i.action.endsWith('.denied'));
      return denied.length >= 3 ? denied : null;
    });
    expect(page.find((i) => i.action === 'job.trigger.denied' && i.username === 'vic')).to.include({ app: 'alpha', targetId: String(jobA.id) });
    expect(page.find((i) => i.action === 'user.get.denied' && i.username === 'vic')).to.not.equal(undefined);
    const hidden = page.find((i) => i.action === 'job.trigger.denied' && i.username === 'olga');
    expect(hidden).to.include({ app: 'beta', targetId: String(jobB.id) });
    expect(hidden?.after).to.include({ code: 'OASIS_ERR_NOT_FOUND' });
    // A missing job is not a refusal.
    await operator.call('GET', '/api/v1/jobs/999998');
    await new Promise((r) => setTimeout(r, 200));
    const again = await admin.ok<AuditPage>('GET', '/api/v1/audit?limit=200');
    expect(again.items.filter((i) => i.action === 'job.get.denied' && i.targetId === '999998')).to.have.length(0);
  });

  it('the dashboard cookie authenticates; changes with it need X-Oasis-CSRF', async function () {
    const login = await fetch(`${s.baseUrl}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: TEST_ADMIN_PASSWORD }),
    });
    const setCookie = login.headers.get('set-cookie') ?? '';
    expect(setCookie).to.match(/^oasis_session=[A-Za-z0-9_-]{43}; /);
    expect(setCookie).to.include('HttpOnly').and.include('SameSite=Strict').and.include('Path=/');
    const cookie = setCookie.split(';')[0]!;
    expect((await fetch(`${s.baseUrl}/api/v1/auth/me`, { headers: { cookie } })).status).to.equal(200);
    const post = (headers: Record<string, string>) =>
      fetch(`${s.baseUrl}/api/v1/jobs/${jobA.id}/stop`, { method: 'POST', headers: { cookie, 'content-type': 'application/json', ...headers }, body: '{}' });
    const refused = await post({});
    expect(refused.status).to.equal(403);
    expect(await refused.json()).to.include({ code: 'OASIS_ERR_FORBIDDEN' });
    expect((await post({ 'x-oasis-csrf': '1' })).status).to.equal(200);
    const out = await fetch(`${s.baseUrl}/api/v1/auth/logout`, { method: 'POST', headers: { cookie, 'x-oasis-csrf': '1' } });
    expect(out.status).to.equal(204);
    expect(out.headers.get('set-cookie')).to.match(/^oasis_session=; .*Max-Age=0/);
    expect((await fetch(`${s.baseUrl}/api/v1/auth/me`, { headers: { cookie } })).status).to.equal(401);
  });

  it('rate-limits failed sign-ins per user and per address with 429 OASIS_ERR_RATE_LIMITED', async function () {
    const c = new ApiClient(s.baseUrl);
    for (let i = 0; i < 3; i++) expect((await c.call('POST', '/api/v1/auth/login', { username: 'vic', password: 'wrong-one' })).status).to.equal(401);
    const limited = await c.call('POST', '/api/v1/auth/login', { username: 'vic', password: 'viewer-pass' });
    expect(limited.status).to.equal(429);
    expect(limited.body).to.include({ code: 'OASIS_ERR_RATE_LIMITED', error: 'Too Many Requests' });
    // Another username from the same address is not affected.
    expect((await c.call('POST', '/api/v1/auth/login', { username: 'olga', password: 'operator-pass' })).status).to.equal(200);
  });
});
