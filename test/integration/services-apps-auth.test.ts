import { expect } from 'chai';
import { AuthService } from '../../server/src/services/index.js';
import { createAdminStack, TEST_ADMIN_PASSWORD, type AdminStack } from '../helpers/admin-stack.js';
import { expectAppError as expectCode } from '../helpers/expect-app-error.js';
import { createAppSchema } from '@oasis/worker-client/contracts';
import { parsed, withParsed } from '../helpers/parsed.js';

describe('AppService and AuthService (MariaDB + Redis)', function () {
  let s: AdminStack;
  before(async function () {
    s = await createAdminStack();
  });
  after(async function () {
    await s?.close();
  });

  describe('apps', function () {
    it('creates an app with a token shown once, stored as its sha256, and registers it hot', async function () {
      const created = await s.services.apps.create(parsed(createAppSchema, { name: 'orders', title: 'Orders' }));
      expect(created).to.include({ name: 'orders', title: 'Orders' });
      expect(created.token).to.match(/^[A-Za-z0-9_-]{43}$/);
      const row = await s.repos.apps.findByName('orders');
      expect(row?.tokenHash).to.match(/^[0-9a-f]{64}$/);
      expect(row?.tokenHash).to.not.equal(created.token);
      const listed = await s.services.apps.list();
      expect(listed.find((a) => a.name === 'orders')).to.have.all.keys('id', 'name', 'title', 'createdAt');
      expect(await s.store.schedule.apps()).to.include('orders');
    });

    it('verifies worker tokens', async function () {
      const { token } = await s.services.apps.create(parsed(createAppSchema, { name: 'payments' }));
      expect(await s.services.apps.verifyWorkerToken('payments', token)).to.equal(true);
      expect(await s.services.apps.verifyWorkerToken('payments', token.slice(0, -1) + 'A')).to.equal(token.endsWith('A'));
      expect(await s.services.apps.verifyWorkerToken('payments', '')).to.equal(false);
      expect(await s.services.apps.verifyWorkerToken('nobody', token)).to.equal(false);
      expect((await s.services.apps.get('payments')).title).to.equal('payments');
    });

    it('refuses bad and duplicate names', async function () {
      await expectCode(withParsed(createAppSchema, { name: 'Bad Name' }, (b) => s.services.apps.create(b)), 'OASIS_ERR_VALIDATION');
      await expectCode(withParsed(createAppSchema, { name: 'x' }, (b) => s.services.apps.create(b)), 'OASIS_ERR_VALIDATION');
      await s.services.apps.create(parsed(createAppSchema, { name: 'dup-app' }));
      await expectCode(s.services.apps.create(parsed(createAppSchema, { name: 'dup-app' })), 'OASIS_ERR_CONFLICT');
      await expectCode(s.services.apps.get('nobody'), 'OASIS_ERR_UNKNOWN_APP');
    });
  });

  describe('auth', function () {
    it('ensureAdmin creates admin once; a missing password is generated and returned', async function () {
      expect(await s.services.auth.ensureAdmin('another-password')).to.deep.equal({ created: false, generatedPassword: null });
      // A second database without users: the password is generated.
      const auth = new AuthService({ users: s.repos.users, sessions: s.store.sessions, config: s.config, bcryptRounds: 4 });
      await s.db.models.User.destroy({ where: { username: 'admin' } });
      const r = await auth.ensureAdmin();
      expect(r.created).to.equal(true);
      expect(r.generatedPassword).to.be.a('string').with.length.greaterThan(15);
      const login = await auth.login('admin', r.generatedPassword!);
      expect(login.user.username).to.equal('admin');
      // Put the stack's admin back for the other tests.
      await s.db.models.User.destroy({ where: { username: 'admin' } });
      expect((await s.services.auth.ensureAdmin(TEST_ADMIN_PASSWORD)).created).to.equal(true);
    });

    it('logs in, authenticates the token, logs out', async function () {
      const r = await s.services.auth.login('admin', TEST_ADMIN_PASSWORD);
      expect(r.token).to.match(/^[A-Za-z0-9_-]{43}$/);
      expect(r.expiresAt).to.be.greaterThan(Date.now());
      expect(r.user).to.include({ username: 'admin', role: 'ADMIN' });
      expect(await s.services.auth.authenticate(r.token)).to.deep.equal(r.user);
      // Only the hash is stored.
      expect(await s.redis.redis.exists(s.redis.keys.session(r.token))).to.equal(0);
      await s.services.auth.logout(r.token);
      expect(await s.services.auth.authenticate(r.token)).to.equal(null);
    });

    it('answers the same error for an unknown user and a wrong password; junk tokens are null', async function () {
      await expectCode(s.services.auth.login('admin', 'wrong-password'), 'OASIS_ERR_BAD_CREDENTIALS');
      await expectCode(s.services.auth.login('ghost', TEST_ADMIN_PASSWORD), 'OASIS_ERR_BAD_CREDENTIALS');
      expect(await s.services.auth.authenticate('')).to.equal(null);
      expect(await s.services.auth.authenticate('x'.repeat(43))).to.equal(null);
      expect(await s.services.auth.authenticate('not a token')).to.equal(null);
    });
  });
});
