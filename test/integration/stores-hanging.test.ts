import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiClient } from '../helpers/api-client.js';
import { startInProcessAdmin, type InProcessAdmin } from '../helpers/in-process-admin.js';
import { recordingLogger } from '../helpers/loggers.js';
import { startPrivateMariaDb, type PrivateMariaDb } from '../helpers/private-mariadb.js';
import { startPrivateRedis, type PrivateRedis } from '../helpers/private-redis.js';
import { TEST_ADMIN_PASSWORD } from '../helpers/stores.js';
import { waitFor } from '../helpers/wait.js';

/** Most a request may take while a store hangs: the query deadline of this test (1.5 s) and then some, far below the 30 s of a full pool. */
const ANSWER_WITHIN_MS = 6000;

/**
 * A hung database (SIGSTOP of a private MariaDB) and a restarted Redis (a private redis-server
 * killed and started again) under a real admin in this process: the API answers 503 at once
 * instead of waiting on a full pool, /healthz names the store, the log says it once per change,
 * and no ioredis client is left without an error listener.
 */
describe('stores hanging: a hung database, a restarted Redis [own Redis]', function () {
  this.timeout(180_000);
  let dir: string;
  let maria: PrivateMariaDb;
  let redis: PrivateRedis;
  let env: InProcessAdmin;
  const logger = recordingLogger(['info', 'warn', 'error']);
  const unhandled: string[] = [];
  const consoleError = console.error;

  before(async function () {
    dir = await mkdtemp(join(tmpdir(), 'oasis-hang-'));
    maria = await startPrivateMariaDb(join(dir, 'maria'));
    redis = await startPrivateRedis(join(dir, 'redis'));
    const url = await maria.createDatabase('oasis_hang');
    // ioredis prints an error event no listener took with console.error.
    console.error = (...args: unknown[]) => {
      if (String(args[0]).includes('[ioredis] Unhandled error event')) unhandled.push(String(args[1] ?? args[0]));
      else consoleError(...args);
    };
    env = await startInProcessAdmin({
      env: { OASIS_DATABASE_URL: url, OASIS_REDIS_URL: redis.url, OASIS_REDIS_CLUSTER_NODES: '', OASIS_DB_QUERY_TIMEOUT_MS: '1500', OASIS_SWEEP_MS: '500' },
      logger,
    });
    await env.api.ok('POST', '/api/v1/apps', { name: 'hang', title: 'Hang' });
  });
  after(async () => {
    console.error = consoleError;
    await env?.close();
    await maria?.stop();
    await redis?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const lines = (msg: string) => logger.lines.filter((l) => l.msg.startsWith(msg));
  const health = async () => {
    const res = await fetch(`${env.admin.url}/healthz`);
    return { status: res.status, body: (await res.json()) as { code?: string; message?: string } };
  };
  const timed = async <T>(f: () => Promise<T>): Promise<{ value: T; ms: number }> => {
    const t0 = Date.now();
    const value = await f();
    return { value, ms: Date.now() - t0 };
  };

  it('with the database hung, API calls answer 503 OASIS_ERR_UNAVAILABLE without waiting on the pool; /healthz names the database; logged once each way', async () => {
    expect((await health()).status).to.equal(200);
    maria.hang();
    try {
      // More requests at once than the pool has connections (10).
      const calls = await Promise.all(Array.from({ length: 25 }, () => timed(() => env.api.call('GET', '/api/v1/jobs?app=hang'))));
      for (const c of calls) {
        expect(c.value.status).to.equal(503);
        expect(c.value.body).to.include({ statusCode: 503, code: 'OASIS_ERR_UNAVAILABLE' });
        expect(c.ms).to.be.below(ANSWER_WITHIN_MS);
      }
      const h = await timed(health);
      expect(h.value.status).to.equal(503);
      expect(h.value.body.message).to.match(/database/).and.not.match(/redis/);
      expect(h.ms).to.be.below(ANSWER_WITHIN_MS);
      // Still down a while later: later calls fail at once too, and the log said it once.
      const again = await timed(() => env.api.call('GET', '/api/v1/jobs?app=hang'));
      expect(again.value.status).to.equal(503);
      expect(lines('database not answering')).to.have.length(1);
    } finally {
      maria.wake();
    }
    await waitFor(async () => (await env.api.call('GET', '/api/v1/jobs?app=hang')).status === 200, 20_000, 'the API answering again');
    expect((await health()).status).to.equal(200);
    expect(lines('database not answering')).to.have.length(1);
    expect(lines('database answering again')).to.have.length(1);
  });

  it('a Redis restart is logged once down and once up, every client has an error listener, and /healthz names Redis meanwhile', async () => {
    await redis.signal('SIGKILL');
    try {
      await waitFor(() => lines('redis not answering').length > 0, 10_000, 'the outage logged');
      const h = await health();
      expect(h.status).to.equal(503);
      expect(h.body.message).to.match(/redis/).and.not.match(/database/);
    } finally {
      await redis.restart();
    }
    await waitFor(() => lines('redis answering again').length > 0, 20_000, 'the recovery logged');
    await waitFor(async () => (await health()).status === 200, 20_000, '/healthz ok again');
    const api = new ApiClient(env.admin.url);
    await api.login('admin', TEST_ADMIN_PASSWORD);
    expect((await api.call('GET', '/api/v1/jobs?app=hang')).status).to.equal(200);
    expect(lines('redis not answering')).to.have.length(1);
    expect(lines('redis answering again')).to.have.length(1);
    expect(unhandled).to.deep.equal([]);
  });
});
