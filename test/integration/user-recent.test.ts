/**
 * REST requests reuse their user's row while the users counter in Redis is unchanged
 * (UsersRepo.findRecent, read beside the session): every change of a user bumps it, so a change
 * made on any admin counts from the next request on every admin; a sign-out at once. A row is
 * reused at most USER_RECENT_MS even under an unchanged counter (a change straight in the
 * database, or a bump that failed).
 */
import { expect } from 'chai';
import { startInProcessAdmin, type InProcessAdmin } from '../helpers/in-process-admin.js';
import { ApiClient } from '../helpers/api-client.js';
import { TEST_ADMIN_PASSWORD } from '../helpers/stores.js';
import { createAdminStack, type AdminStack } from '../helpers/admin-stack.js';

describe('the user row of a REST request is reused only under an unchanged users counter (MariaDB + Redis)', function () {
  this.timeout(30_000);
  let a: InProcessAdmin;
  let viewerId: number;
  const password = 'viewer-password-1';

  before(async function () {
    a = await startInProcessAdmin();
    await a.api.ok('POST', '/api/v1/apps', { name: 'seen' });
    viewerId = (await a.api.ok<{ id: number }>('POST', '/api/v1/users', { username: 'viewer', password, role: 'VIEWER', apps: ['seen'] })).id;
  });
  after(async function () {
    await a?.close();
  });

  it('sees a change made on another admin at the next request, and a sign-out at once', async function () {
    const other = await a.another();
    const onOther = await ApiClient.signedIn(other.url, 'admin', TEST_ADMIN_PASSWORD);
    const viewer = await ApiClient.signedIn(a.admin.url, 'viewer', password);
    for (let i = 0; i < 3; i++) expect((await viewer.call('GET', '/api/v1/logs?app=seen')).status).to.equal(200);
    await onOther.ok('PUT', `/api/v1/users/${viewerId}`, { apps: [] });
    expect((await viewer.call('GET', '/api/v1/logs?app=seen')).status, 'apps taken away on the other admin').to.equal(403);
    await onOther.ok('PUT', `/api/v1/users/${viewerId}`, { apps: ['seen'] });
    expect((await viewer.call('GET', '/api/v1/logs?app=seen')).status, 'given back').to.equal(200);
    await onOther.ok('POST', `/api/v1/users/${viewerId}/password`, { password: 'viewer-password-2' });
    expect((await viewer.call('GET', '/api/v1/logs?app=seen')).status, 'password changed on the other admin').to.equal(401);
    const again = await ApiClient.signedIn(a.admin.url, 'viewer', 'viewer-password-2');
    expect((await again.call('POST', '/api/v1/auth/logout')).status).to.be.within(200, 204);
    expect((await again.call('GET', '/api/v1/auth/me')).status).to.equal(401);
  });
});

describe('UsersRepo.findRecent', function () {
  let s: AdminStack;
  let id: number;

  before(async function () {
    s = await createAdminStack();
    const admin = await s.signIn();
    id = (await admin.ok<{ id: number }>('POST', '/api/v1/users', { username: 'repo-viewer', password: 'viewer-password-1', role: 'VIEWER' })).id;
  });
  after(async function () {
    await s?.close();
  });

  it('answers the row read under the same counter, reads again under another one or past maxAgeMs', async function () {
    const first = await s.repos.users.findRecent(id, '7');
    await s.db.sequelize.query("UPDATE oasis_user SET role = 'OPERATOR' WHERE id = ?", { replacements: [id] });
    expect((await s.repos.users.findRecent(id, '7'))?.role, 'same counter').to.equal(first?.role);
    expect((await s.repos.users.findRecent(id, '8'))?.role, 'counter bumped').to.equal('OPERATOR');
    await s.db.sequelize.query("UPDATE oasis_user SET role = 'VIEWER' WHERE id = ?", { replacements: [id] });
    expect((await s.repos.users.findRecent(id, '8', 0))?.role, 'past maxAgeMs').to.equal('VIEWER');
  });
});
