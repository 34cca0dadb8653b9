/**
 * REST requests read their user's row at most every USER_RECENT_MS (UsersRepo.findRecent): a
 * change made through this admin counts at once, one made elsewhere (another admin, straight in
 * the database) within USER_RECENT_MS; a sign-out at once.
 */
import { expect } from 'chai';
import { createAppSchema } from '@oasis/worker-client/contracts';
import { USER_RECENT_MS } from '../../server/src/store/db/users-repo.js';
import { createAdminStack, type AdminStack } from '../helpers/admin-stack.js';
import { parsed } from '../helpers/parsed.js';

describe('the user of a REST request is read at most every USER_RECENT_MS (MariaDB + Redis)', function () {
  let s: AdminStack;
  let viewerId: number;
  const password = 'viewer-password-1';

  before(async function () {
    s = await createAdminStack();
    await s.services.apps.create(parsed(createAppSchema, { name: 'seen' }));
    const admin = await s.signIn();
    viewerId = (await admin.ok<{ id: number }>('POST', '/api/v1/users', { username: 'viewer', password, role: 'VIEWER', apps: ['seen'] })).id;
  });
  after(async function () {
    await s?.close();
  });

  it('answers a burst from one row, and sees a change made through this admin at once', async function () {
    const viewer = await s.signIn('viewer', password);
    expect((await viewer.call('GET', '/api/v1/logs?app=seen')).status).to.equal(200);
    const admin = await s.signIn();
    await admin.ok('PUT', `/api/v1/users/${viewerId}`, { apps: [] });
    expect((await viewer.call('GET', '/api/v1/logs?app=seen')).status).to.equal(403);
    await admin.ok('PUT', `/api/v1/users/${viewerId}`, { apps: ['seen'] });
    expect((await viewer.call('GET', '/api/v1/logs?app=seen')).status).to.equal(200);
  });

  it('sees a change made elsewhere (straight in the database) within USER_RECENT_MS, a sign-out at once', async function () {
    const viewer = await s.signIn('viewer', password);
    expect((await viewer.call('GET', '/api/v1/logs?app=seen')).status).to.equal(200);
    await s.db.sequelize.query('DELETE FROM oasis_user_app WHERE user_id = ?', { replacements: [viewerId] });
    await new Promise((r) => setTimeout(r, USER_RECENT_MS + 50));
    expect((await viewer.call('GET', '/api/v1/logs?app=seen')).status).to.equal(403);
    expect((await viewer.call('POST', '/api/v1/auth/logout')).status).to.be.within(200, 204);
    expect((await viewer.call('GET', '/api/v1/auth/me')).status).to.equal(401);
  });

  it('findRecent answers a recent row, then reads again', async function () {
    const first = await s.repos.users.findRecent(viewerId);
    await s.db.sequelize.query("UPDATE oasis_user SET role = 'OPERATOR' WHERE id = ?", { replacements: [viewerId] });
    expect((await s.repos.users.findRecent(viewerId))?.role, 'within USER_RECENT_MS').to.equal(first?.role);
    expect((await s.repos.users.findRecent(viewerId, 0))?.role).to.equal('OPERATOR');
  });
});
