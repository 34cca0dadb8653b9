import { expect } from 'chai';
import { canWriteScripts, type Principal } from '../../server/src/domain/roles.js';
import { AuthService } from '../../server/src/services/index.js';
import { createRepositories, openDatabase, type Database, type Repositories } from '../../server/src/store/db/index.js';
import { createHotStore } from '../../server/src/store/redis/hot-store.js';
import { createAdminStack, type AdminStack } from '../helpers/admin-stack.js';
import { ApiClient } from '../helpers/api-client.js';
import { createTestRedis, type TestRedis } from '../helpers/redis.js';

interface User {
  id: number;
  username: string;
  role: string;
  apps: string[];
  scriptApps: string[];
}

describe('API: script grants of users (scriptApps) and canonical usernames (MariaDB)', function () {
  let s: AdminStack;
  let admin: ApiClient;
  before(async function () {
    s = await createAdminStack();
    admin = await s.signIn();
    for (const name of ['alpha', 'beta', 'gamma']) await admin.ok('POST', '/api/v1/apps', { name, title: name });
  });
  after(async function () {
    await s?.close();
  });

  it('POST /users and PUT /users/:id take scriptApps; they show in the user, the list and /auth/me', async function () {
    const sam = await admin.ok<User>('POST', '/api/v1/users', {
      username: 'sam', password: 'sam-password', role: 'OPERATOR', apps: ['alpha', 'beta'], scriptApps: ['beta'],
    });
    expect(sam).to.deep.include({ username: 'sam', role: 'OPERATOR', apps: ['alpha', 'beta'], scriptApps: ['beta'] });
    expect(await admin.ok<User>('GET', `/api/v1/users/${sam.id}`)).to.deep.include({ scriptApps: ['beta'] });
    const listed = (await admin.ok<User[]>('GET', '/api/v1/users')).find((u) => u.id === sam.id);
    expect(listed).to.deep.include({ scriptApps: ['beta'] });

    expect(await admin.ok<User>('PUT', `/api/v1/users/${sam.id}`, { scriptApps: ['beta', 'alpha'] })).to.deep.include({ scriptApps: ['alpha', 'beta'] });
    const me = new ApiClient(s.baseUrl);
    await me.login('sam', 'sam-password');
    expect(await me.ok('GET', '/api/v1/auth/me')).to.deep.include({ apps: ['alpha', 'beta'], scriptApps: ['alpha', 'beta'] });

    // Taking an app away takes its script grant with it.
    expect(await admin.ok<User>('PUT', `/api/v1/users/${sam.id}`, { apps: ['beta', 'gamma'] })).to.deep.include({ apps: ['beta', 'gamma'], scriptApps: ['beta'] });
    expect(await admin.ok<User>('PUT', `/api/v1/users/${sam.id}`, { scriptApps: [] })).to.deep.include({ scriptApps: [] });
    // Users made without scriptApps have none.
    const olga = await admin.ok<User>('POST', '/api/v1/users', { username: 'olga', password: 'olga-password', role: 'OPERATOR', apps: ['alpha'] });
    expect(olga.scriptApps).to.deep.equal([]);
  });

  it('a scriptApps entry outside apps is 400 OASIS_ERR_VALIDATION, and nothing is stored', async function () {
    const bad = await admin.call('POST', '/api/v1/users', {
      username: 'mallory', password: 'mallory-password', role: 'OPERATOR', apps: ['alpha'], scriptApps: ['beta'],
    });
    expect(bad.status).to.equal(400);
    expect(bad.body).to.include({ statusCode: 400, code: 'OASIS_ERR_VALIDATION', error: 'Bad Request' });
    expect((bad.body as { message: string }).message).to.match(/scriptApps/);
    expect((await admin.ok<User[]>('GET', '/api/v1/users')).some((u) => u.username === 'mallory')).to.equal(false);

    const pat = await admin.ok<User>('POST', '/api/v1/users', { username: 'pat', password: 'pat-password', role: 'OPERATOR', apps: ['alpha'], scriptApps: ['alpha'] });
    const put = await admin.call('PUT', `/api/v1/users/${pat.id}`, { scriptApps: ['alpha', 'gamma'] });
    expect(put.status).to.equal(400);
    expect(put.body).to.include({ code: 'OASIS_ERR_VALIDATION' });
    const both = await admin.call('PUT', `/api/v1/users/${pat.id}`, { apps: ['beta'], scriptApps: ['alpha'] });
    expect(both.body).to.include({ code: 'OASIS_ERR_VALIDATION' });
    expect(await admin.ok<User>('GET', `/api/v1/users/${pat.id}`)).to.deep.include({ apps: ['alpha'], scriptApps: ['alpha'] });
    const malformed = await admin.call('PUT', `/api/v1/users/${pat.id}`, { scriptApps: 'alpha' });
    expect(malformed.body).to.include({ statusCode: 400, code: 'OASIS_ERR_VALIDATION' });
  });

  it('only an OPERATOR keeps script grants (an ADMIN writes scripts anywhere, a VIEWER nowhere)', async function () {
    const vera = await admin.ok<User>('POST', '/api/v1/users', { username: 'vera', password: 'vera-password', role: 'VIEWER', apps: ['alpha'], scriptApps: ['alpha'] });
    expect(vera.scriptApps).to.deep.equal([]);
    const op = await admin.ok<User>('PUT', `/api/v1/users/${vera.id}`, { role: 'OPERATOR', scriptApps: ['alpha'] });
    expect(op).to.deep.include({ role: 'OPERATOR', scriptApps: ['alpha'] });
    expect(await admin.ok<User>('PUT', `/api/v1/users/${vera.id}`, { role: 'VIEWER' })).to.deep.include({ scriptApps: [] });
    expect(await admin.ok<User>('PUT', `/api/v1/users/${vera.id}`, { role: 'ADMIN' })).to.deep.include({ apps: [], scriptApps: [] });
  });

  it('canWriteScripts: ADMIN everywhere, OPERATOR only where granted, VIEWER never', function () {
    const p = (role: Principal['role'], apps: string[], scriptApps: string[]): Principal => ({ id: 1, username: 'u', role, apps, scriptApps });
    expect(canWriteScripts(p('ADMIN', [], []), 'alpha')).to.equal(true);
    expect(canWriteScripts(p('OPERATOR', ['alpha', 'beta'], ['alpha']), 'alpha')).to.equal(true);
    expect(canWriteScripts(p('OPERATOR', ['alpha', 'beta'], ['alpha']), 'beta')).to.equal(false);
    // A grant for an app the user may not operate is worth nothing.
    expect(canWriteScripts(p('OPERATOR', ['beta'], ['alpha']), 'alpha')).to.equal(false);
    expect(canWriteScripts(p('VIEWER', ['alpha'], ['alpha']), 'alpha')).to.equal(false);
  });

  it('usernames are stored canonical (trimmed, NFKC, lower case); another spelling of a taken name is a conflict', async function () {
    const bob = await admin.ok<User>('POST', '/api/v1/users', { username: 'Bob.Builder', password: 'bob-password', role: 'VIEWER' });
    expect(bob.username).to.equal('bob.builder');
    const twin = await admin.call('POST', '/api/v1/users', { username: 'ＢＯＢ.builder', password: 'bob-password', role: 'VIEWER' });
    expect(twin.body).to.include({ statusCode: 409, code: 'OASIS_ERR_CONFLICT' });
    const accented = await admin.call('POST', '/api/v1/users', { username: 'böb', password: 'bob-password', role: 'VIEWER' });
    expect(accented.body).to.include({ statusCode: 400, code: 'OASIS_ERR_VALIDATION' });
    await new ApiClient(s.baseUrl).login(' BOB.BUILDER ', 'bob-password');
  });

  it('a legacy mixed-case username (stored before canonical names) still signs in, under any spelling', async function () {
    const passwordHash = await s.services.auth.hashPassword('legacy-password');
    await s.repos.users.create({ username: 'Legacy.User', passwordHash, role: 'VIEWER' });
    for (const spelling of ['Legacy.User', 'legacy.user', 'LEGACY.USER ']) {
      const r = await new ApiClient(s.baseUrl).call('POST', '/api/v1/auth/login', { username: spelling, password: 'legacy-password' });
      expect(r.status, spelling).to.equal(200);
      expect((r.body as { user: User }).user.username).to.equal('Legacy.User');
    }
  });
});

describe('canonical usernames on SQLite (binary comparison)', function () {
  let db: Database;
  let repos: Repositories;
  let redis: TestRedis;
  let auth: AuthService;
  before(async function () {
    db = await openDatabase('sqlite::memory:');
    await db.sync();
    repos = createRepositories(db);
    redis = createTestRedis();
    auth = new AuthService({ users: repos.users, sessions: createHotStore(redis.redis, redis.keys).sessions, config: { sessionTtlMs: 60_000 }, bcryptRounds: 4 });
  });
  after(async function () {
    await db?.close();
    await redis?.cleanup();
  });

  it('finds a legacy mixed-case user under any spelling and refuses a second spelling of it', async function () {
    await repos.users.create({ username: 'Legacy.User', passwordHash: await auth.hashPassword('legacy-password'), role: 'VIEWER' });
    for (const spelling of ['Legacy.User', 'legacy.user', 'LEGACY.USER ', 'ｌｅｇａｃｙ.user']) {
      const r = await auth.login(spelling, 'legacy-password');
      expect(r.user.username, spelling).to.equal('Legacy.User');
    }
    expect(await repos.users.findByUsername('légacy.user')).to.equal(null);
    try {
      await repos.users.create({ username: 'legacy.user', passwordHash: 'x', role: 'VIEWER' });
      expect.fail('expected a conflict');
    } catch (err) {
      expect((err as { code?: string }).code).to.equal('OASIS_ERR_CONFLICT');
    }
  });

  it('keeps script grants in their own table, gone with their user', async function () {
    await repos.apps.create({ name: 'embedded', title: 'E', tokenHash: 'f'.repeat(64) });
    const u = await repos.users.create({ username: 'op', passwordHash: 'x', role: 'OPERATOR', apps: ['embedded'], scriptApps: ['embedded'] });
    expect(u).to.deep.include({ apps: ['embedded'], scriptApps: ['embedded'] });
    expect(await repos.users.findByUsername('OP')).to.deep.include({ scriptApps: ['embedded'] });
    expect(await db.models.UserScriptApp.count({ where: { userId: u.id } })).to.equal(1);
    await repos.users.delete(u.id);
    expect(await db.models.UserScriptApp.count({ where: { userId: u.id } })).to.equal(0);
  });
});
