import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../server/src/config/load.js';
import { redacted } from '../../server/src/store/redis/connection.js';

describe('config: where Redis is (one server, a cluster, Sentinel)', () => {
  it('one server by default, or the URL', () => {
    expect(loadConfig({}).redis).to.deep.equal({ kind: 'single', url: undefined });
    expect(loadConfig({ OASIS_REDIS_URL: 'redis://h:1' }).redis).to.deep.equal({ kind: 'single', url: 'redis://h:1' });
  });

  it('a cluster from its seed nodes, a Sentinel primary from its sentinels and name', () => {
    expect(loadConfig({ OASIS_REDIS_CLUSTER_NODES: '10.0.0.1:7000, 10.0.0.2:7001', OASIS_REDIS_PASSWORD: 'pw' }).redis).to.deep.equal({
      kind: 'cluster',
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: '10.0.0.2', port: 7001 },
      ],
      password: 'pw',
    });
    expect(loadConfig({ OASIS_REDIS_SENTINELS: 's1:26379,[::1]:26380', OASIS_REDIS_SENTINEL_NAME: 'm1' }).redis).to.deep.equal({
      kind: 'sentinel',
      sentinels: [
        { host: 's1', port: 26379 },
        { host: '::1', port: 26380 },
      ],
      name: 'm1',
      password: undefined,
    });
  });

  it('refuses two places at once, a sentinel list without a name, bad ports and a password beside a URL', () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig(env);
      } catch (err) {
        if (err instanceof ConfigError) return err.problems.join('\n');
      }
      return '';
    };
    expect(problems({ OASIS_REDIS_URL: 'redis://h:1', OASIS_REDIS_CLUSTER_NODES: 'h:7000' })).to.match(/set only one of them/);
    expect(problems({ OASIS_REDIS_SENTINELS: 'h:26379' })).to.match(/OASIS_REDIS_SENTINEL_NAME: required/);
    expect(problems({ OASIS_REDIS_CLUSTER_NODES: 'h:99999' })).to.match(/port 99999 out of range/);
    expect(problems({ OASIS_REDIS_CLUSTER_NODES: 'h' })).to.match(/OASIS_REDIS_CLUSTER_NODES: comma-separated host:port/);
    expect(problems({ OASIS_REDIS_URL: 'redis://h:1', OASIS_REDIS_PASSWORD: 'x' })).to.match(/put the password in OASIS_REDIS_URL/);
    expect(problems({ OASIS_DATABASE_REPLICA_URLS: 'mysql://r/db' })).to.match(/needs a mysql:\/\/ OASIS_DATABASE_URL/);
  });

  it('a Redis URL is logged without its password', () => {
    expect(redacted('redis://:s3cret@h:6379/0')).to.equal('redis://:***@h:6379/0');
    expect(redacted('rediss://user:p%40ss@h:6380')).to.equal('rediss://user:***@h:6380');
    expect(redacted('redis://h:6379')).to.equal('redis://h:6379');
  });
});
