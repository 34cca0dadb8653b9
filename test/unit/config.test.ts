import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../server/src/config/load.js';

describe('config: loadConfig', () => {
  it('applies the defaults and freezes the result', () => {
    const c = loadConfig({});
    expect(c.port).to.equal(8080);
    expect(c.redisPrefix).to.equal('oasis:');
    expect(c.redisUrl).to.equal(undefined);
    expect(c.databaseUrl).to.equal('sqlite:data/oasis.sqlite');
    expect(c.adminPassword).to.equal(undefined);
    expect(Object.isFrozen(c)).to.equal(true);
  });

  it('reads every documented variable', () => {
    const c = loadConfig({
      OASIS_PORT: '9000',
      OASIS_REDIS_URL: 'redis://10.0.0.1:6380',
      OASIS_REDIS_PREFIX: 'x:',
      OASIS_DATABASE_URL: 'mysql://u:p@db:3306/oasis',
      OASIS_ADMIN_PASSWORD: 'long-enough',
    });
    expect([c.port, c.redisUrl, c.redisPrefix, c.databaseUrl, c.adminPassword]).to.deep.equal([
      9000,
      'redis://10.0.0.1:6380',
      'x:',
      'mysql://u:p@db:3306/oasis',
      'long-enough',
    ]);
  });

  it('reports every bad value at once, by name', () => {
    try {
      loadConfig({ OASIS_PORT: 'eighty', OASIS_REDIS_URL: 'http://x', OASIS_DATABASE_URL: 'postgres://x', OASIS_ADMIN_PASSWORD: 'short' });
      expect.fail('should throw');
    } catch (err) {
      expect(err).to.be.instanceOf(ConfigError);
      const msg = (err as Error).message;
      for (const name of ['OASIS_PORT', 'OASIS_REDIS_URL', 'OASIS_DATABASE_URL', 'OASIS_ADMIN_PASSWORD']) expect(msg).to.include(name);
      expect((err as ConfigError).problems).to.have.length(4);
    }
  });

  it('refuses settings that contradict each other', () => {
    expect(() => loadConfig({ OASIS_LOOKAHEAD_MS: '6000', OASIS_CLAIM_LEASE_MS: '5000' })).to.throw(ConfigError, /OASIS_CLAIM_LEASE_MS/);
  });

  it('reads lists and the proxy setting', () => {
    const c = loadConfig({ OASIS_WEBHOOK_ALLOW: ' hooks.internal, 10.0.0.0/8 ,,', OASIS_TRUST_PROXY: 'loopback, 10.0.0.0/8', OASIS_COOKIE_SECURE: 'true' });
    expect(c.webhookAllow).to.deep.equal(['hooks.internal', '10.0.0.0/8']);
    expect(c.trustProxy).to.deep.equal(['loopback', '10.0.0.0/8']);
    expect(c.cookieSecure).to.equal('true');
    expect(loadConfig({ OASIS_TRUST_PROXY: '2' }).trustProxy).to.equal(2);
    expect(loadConfig({ OASIS_TRUST_PROXY: 'true' }).trustProxy).to.equal(true);
    const d = loadConfig({});
    expect([d.trustProxy, d.cookieSecure, d.webhookAllow]).to.deep.equal([false, 'auto', []]);
    expect(() => loadConfig({ OASIS_COOKIE_SECURE: 'yes' })).to.throw(ConfigError, /OASIS_COOKIE_SECURE/);
    expect(() => loadConfig({ OASIS_WEBHOOK_ALLOW: '10.0.0.0/33, *.example.com' })).to.throw(ConfigError, /OASIS_WEBHOOK_ALLOW/);
  });

  it('reads OASIS_ROLES (default all four, each once, in a fixed order) and refuses an unknown or malformed one', () => {
    expect(loadConfig({}).roles).to.deep.equal(['scheduler', 'dispatch', 'writer', 'api']);
    expect(loadConfig({ OASIS_ROLES: 'all' }).roles).to.deep.equal(['scheduler', 'dispatch', 'writer', 'api']);
    expect(loadConfig({ OASIS_ROLES: 'api' }).roles).to.deep.equal(['api']);
    expect(loadConfig({ OASIS_ROLES: 'writer, scheduler,dispatch,writer' }).roles).to.deep.equal(['scheduler', 'dispatch', 'writer']);
    expect(Object.isFrozen(loadConfig({ OASIS_ROLES: 'api' }).roles)).to.equal(true);
    expect(() => loadConfig({ OASIS_ROLES: 'api,metrics' })).to.throw(ConfigError, /OASIS_ROLES: unknown role metrics/);
    expect(() => loadConfig({ OASIS_ROLES: 'api;dispatch' })).to.throw(ConfigError, /OASIS_ROLES/);
    expect(() => loadConfig({ OASIS_ROLES: 'API' })).to.throw(ConfigError, /OASIS_ROLES/);
  });

  it('ignores empty values (unset) and unrelated variables', () => {
    const c = loadConfig({ OASIS_PORT: '', PATH: '/bin' });
    expect(c.port).to.equal(8080);
  });
});
