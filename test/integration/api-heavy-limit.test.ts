import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { createAppSchema } from '@oasis/worker-client/contracts';
import { createApi } from '../../server/src/api/index.js';
import { heavyReadBudget } from '../../server/src/api/heavy-reads.js';
import { silentLogger } from '../../server/src/domain/logger.js';
import { attemptLimiters } from '../../server/src/store/redis/attempt-limiter.js';
import { createAdminStack, TEST_ADMIN_PASSWORD, type AdminStack } from '../helpers/admin-stack.js';
import { ApiClient } from '../helpers/api-client.js';
import { parsed } from '../helpers/parsed.js';

const LIMIT = 5;
const WINDOW_MS = 2000;

/** The stack's services behind a second API built as main.ts builds it: with the heavy-read limiter. */
async function limitedApi(s: AdminStack, limiters = s.store.limiter): Promise<{ server: Server; baseUrl: string }> {
  const api = createApi({ config: s.config, services: s.services, hot: s.hot, dbPing: () => s.db.ping(), logger: silentLogger, limiters });
  const server = createServer(api).listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function stop(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

describe('API admission control: heavy reads are rate-limited per user', function () {
  this.timeout(60_000);
  let s: AdminStack;
  let limited: { server: Server; baseUrl: string };
  let jobId: number;

  before(async () => {
    s = await createAdminStack({ OASIS_API_HEAVY_LIMIT: String(LIMIT), OASIS_API_HEAVY_WINDOW_MS: String(WINDOW_MS) });
    limited = await limitedApi(s);
    await s.services.apps.create(parsed(createAppSchema, { name: 'heavy' }));
    const admin = await s.signIn();
    jobId = (await admin.ok<{ id: number }>('POST', '/api/v1/jobs', { app: 'heavy', name: 'j', handler: 'h', schedule: { type: 'NONE' } })).id;
    await admin.ok('POST', '/api/v1/users', { username: 'reader', password: 'reader-pw-long', role: 'VIEWER', apps: ['heavy'] });
  });
  after(async () => {
    if (limited) await stop(limited.server);
    await s?.close();
  });

  it(`past ${LIMIT} heavy reads in the window → 429 with Retry-After on every heavy path; light reads, other users and the unlimited API answer`, async () => {
    const admin = await ApiClient.signedIn(limited.baseUrl, 'admin', TEST_ADMIN_PASSWORD);
    const reader = await ApiClient.signedIn(limited.baseUrl, 'reader', 'reader-pw-long');
    // Five different heavy reads share one budget.
    const heavy = ['/api/v1/logs', '/api/v1/logs/duplicates', '/api/v1/jobs', '/api/v1/reports/daily', '/api/v1/audit'];
    for (const path of heavy) expect((await admin.call('GET', path)).status, path).to.equal(200);

    const token = (admin as unknown as { token: string }).token;
    const res = await fetch(`${limited.baseUrl}/api/v1/logs?limit=10`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).to.equal(429);
    const retryAfter = Number(res.headers.get('retry-after'));
    expect(retryAfter).to.be.within(1, Math.ceil(WINDOW_MS / 1000));
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).to.have.keys('statusCode', 'code', 'error', 'message');
    expect(body).to.include({ statusCode: 429, code: 'OASIS_ERR_RATE_LIMITED', error: 'Too Many Requests' });

    // Every heavy path is refused now, a log's text included (before it is even looked up).
    for (const path of [...heavy, `/api/v1/logs/${jobId}-none/text`, '/api/v1/reports/anything']) {
      expect((await admin.call('GET', path)).status, path).to.equal(429);
    }
    // Light reads are not counted.
    expect((await admin.call('GET', `/api/v1/jobs/${jobId}`)).status).to.equal(200);
    expect((await admin.call('GET', '/api/v1/apps')).status).to.equal(200);
    expect((await admin.call('GET', '/api/v1/auth/me')).status).to.equal(200);
    expect((await fetch(`${limited.baseUrl}/healthz`)).status).to.equal(200);
    // Another user has a budget of their own.
    expect((await reader.call('GET', '/api/v1/jobs')).status).to.equal(200);
    expect((await reader.call('GET', '/api/v1/logs')).status).to.equal(200);
    // An API built without a limiter (the stack's) does not limit.
    const unlimited = await s.signIn();
    for (let i = 0; i <= LIMIT; i++) expect((await unlimited.call('GET', '/api/v1/logs')).status).to.equal(200);

    // Once the window is over the user reads again.
    await new Promise((r) => setTimeout(r, retryAfter * 1000 + 100));
    expect((await admin.call('GET', '/api/v1/logs')).status).to.equal(200);
  });

  it('the budget is one per user across admins (counted in Redis)', async () => {
    const second = await limitedApi(s);
    try {
      const reader1 = await ApiClient.signedIn(limited.baseUrl, 'reader', 'reader-pw-long');
      const reader2 = await ApiClient.signedIn(second.baseUrl, 'reader', 'reader-pw-long');
      // Wait out what the previous test spent of the reader's window.
      await new Promise((r) => setTimeout(r, WINDOW_MS + 100));
      const statuses: number[] = [];
      for (let i = 0; i <= LIMIT; i++) statuses.push((await (i % 2 ? reader2 : reader1).call('GET', '/api/v1/jobs')).status);
      expect(statuses).to.deep.equal([...Array<number>(LIMIT).fill(200), 429]);
    } finally {
      await stop(second.server);
    }
  });

  it('a limiter that cannot count lets heavy reads through (reads stay available)', async () => {
    const dead = s.redis.connect();
    // Connected first: a cluster client quit while it still connects goes on connecting.
    await dead.ping();
    await dead.quit();
    const broken = await limitedApi(s, attemptLimiters(dead, s.redis.keys));
    try {
      const admin = await s.signIn();
      const viaBroken = new ApiClient(broken.baseUrl, (admin as unknown as { token: string }).token);
      for (let i = 0; i <= LIMIT; i++) expect((await viaBroken.call('GET', '/api/v1/logs')).status).to.equal(200);
    } finally {
      await stop(broken.server);
    }
  });

  it('a window under a second keeps its rate (the limiter counts whole seconds)', () => {
    expect(heavyReadBudget(50, 1000)).to.deep.equal({ points: 50, windowMs: 1000 });
    expect(heavyReadBudget(50, 2500)).to.deep.equal({ points: 50, windowMs: 2500 });
    expect(heavyReadBudget(50, 100)).to.deep.equal({ points: 500, windowMs: 1000 });
    expect(heavyReadBudget(1, 300)).to.deep.equal({ points: 3, windowMs: 1000 });
  });
});
