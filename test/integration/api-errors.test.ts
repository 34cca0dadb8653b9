import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { createApi } from '../../server/src/api/index.js';
import type { Logger } from '../../server/src/domain/logger.js';
import type { WorkerDirectory } from '../../server/src/domain/ports.js';
import { createAdminStack, TEST_ADMIN_PASSWORD, type AdminStack } from '../helpers/admin-stack.js';
import { signIn } from '../helpers/api-client.js';
import { expectError, raw } from '../helpers/raw-http.js';
import { createAppSchema } from '@oasis/worker-client/contracts';
import { parsed } from '../helpers/parsed.js';

interface Raw {
  status: number;
  body: Record<string, unknown>;
}

describe('API: every mistake is a 4xx with one error shape', function () {
  let s: AdminStack;
  let token: string;
  before(async function () {
    s = await createAdminStack({ OASIS_MAX_PARAMS_BYTES: '1000' });
    token = (await signIn(s.baseUrl, 'admin', TEST_ADMIN_PASSWORD)).token;
    await s.services.apps.create(parsed(createAppSchema, { name: 'shop' }));
  });
  after(async function () {
    await s?.close();
  });

  async function send(method: string, path: string, body?: string, contentType = 'application/json'): Promise<Raw> {
    const framing: Record<string, string> = body === undefined ? {} : { 'content-type': contentType, 'content-length': String(Buffer.byteLength(body)) };
    const r = await raw(s.baseUrl, method, path, { authorization: `Bearer ${token}`, ...framing }, body);
    return { status: r.status, body: r.body ?? {} };
  }

  it('malformed JSON → 400 OASIS_ERR_BAD_JSON', async function () {
    expectError(await send('POST', '/api/v1/jobs', '{"app": "shop",'), 400, 'OASIS_ERR_BAD_JSON');
    expectError(await send('POST', '/api/v1/auth/login', '{nope'), 400, 'OASIS_ERR_BAD_JSON');
    expectError(await send('POST', '/api/v1/apps', '"just a string"'), 400, 'OASIS_ERR_BAD_JSON');
  });

  it('unknown fields, wrong types and missing fields → 400 OASIS_ERR_VALIDATION naming the field', async function () {
    const job = { app: 'shop', name: 'j', handler: 'h', schedule: { type: 'NONE' } };
    const extra = await send('POST', '/api/v1/jobs', JSON.stringify({ ...job, owner: 'me' }));
    expectError(extra, 400, 'OASIS_ERR_VALIDATION');
    expect(extra.body.message).to.include('owner');
    const nested = await send('POST', '/api/v1/jobs', JSON.stringify({ ...job, schedule: { type: 'NONE', cron: 'x' } }));
    expectError(nested, 400, 'OASIS_ERR_VALIDATION');
    const type = await send('POST', '/api/v1/jobs', JSON.stringify({ ...job, enabled: 'yes' }));
    expectError(type, 400, 'OASIS_ERR_VALIDATION');
    expect(type.body.message).to.include('body.enabled');
    expectError(await send('POST', '/api/v1/jobs', JSON.stringify({ app: 'shop' })), 400, 'OASIS_ERR_VALIDATION');
    expectError(await send('POST', '/api/v1/jobs', 'app=shop', 'application/x-www-form-urlencoded'), 400, 'OASIS_ERR_VALIDATION');
    expectError(await send('POST', '/api/v1/jobs', JSON.stringify({ ...job, schedule: { type: 'FIXED_RATE', everyMs: 50 } })), 400, 'OASIS_ERR_VALIDATION');
    expectError(await send('POST', '/api/v1/apps', JSON.stringify({ name: 'Shop!' })), 400, 'OASIS_ERR_VALIDATION');
    expectError(await send('POST', '/api/v1/auth/login', JSON.stringify({ username: 'admin', password: 'x', otp: 1 })), 400, 'OASIS_ERR_VALIDATION');
    expectError(await send('POST', '/api/v1/jobs/1/trigger', JSON.stringify({ params: 'x', extra: 1 })), 400, 'OASIS_ERR_VALIDATION');
    expectError(await send('POST', '/api/v1/jobs/1/start', JSON.stringify({ now: true })), 400, 'OASIS_ERR_VALIDATION');
    expectError(await send('PUT', '/api/v1/jobs/1', JSON.stringify({ app: 'other' })), 400, 'OASIS_ERR_VALIDATION');
  });

  it('bad path and query values → 400, never 500', async function () {
    expectError(await send('GET', '/api/v1/jobs/abc'), 400, 'OASIS_ERR_VALIDATION');
    expectError(await send('GET', '/api/v1/jobs/0'), 400, 'OASIS_ERR_VALIDATION');
    expectError(await send('GET', '/api/v1/jobs/99999999999'), 400, 'OASIS_ERR_VALIDATION');
    expectError(await send('GET', '/api/v1/jobs?app=shop&app=other'), 400, 'OASIS_ERR_VALIDATION');
    expectError(await send('GET', '/api/v1/jobs?color=red'), 400, 'OASIS_ERR_VALIDATION');
    expectError(await send('GET', '/api/v1/logs?limit=0'), 400, 'OASIS_ERR_VALIDATION');
    expectError(await send('GET', '/api/v1/logs?limit=9999'), 400, 'OASIS_ERR_VALIDATION');
    expectError(await send('GET', '/api/v1/logs?status=DONE'), 400, 'OASIS_ERR_VALIDATION');
    expectError(await send('GET', '/api/v1/logs?jobId=-1'), 400, 'OASIS_ERR_VALIDATION');
    expectError(await send('GET', '/api/v1/logs/x/text?from=-3'), 400, 'OASIS_ERR_VALIDATION');
    expectError(await send('GET', `/api/v1/logs/${'x'.repeat(65)}`), 400, 'OASIS_ERR_VALIDATION');
  });

  it('params over the configured cap → 400; a body over the limit → 413', async function () {
    const job = { app: 'shop', name: 'big', handler: 'h', schedule: { type: 'NONE' }, params: 'x'.repeat(1001) };
    expectError(await send('POST', '/api/v1/jobs', JSON.stringify(job)), 400, 'OASIS_ERR_VALIDATION');
    const huge = JSON.stringify({ ...job, params: 'x'.repeat(2 * 1024 * 1024) });
    expectError(await send('POST', '/api/v1/jobs', huge), 413, 'OASIS_ERR_PAYLOAD_TOO_LARGE');
  });

  it('unknown routes → 404 OASIS_ERR_NOT_FOUND', async function () {
    expectError(await send('GET', '/api/v1/nope'), 404, 'OASIS_ERR_NOT_FOUND');
    expectError(await send('PATCH', '/api/v1/jobs/1', '{}'), 404, 'OASIS_ERR_NOT_FOUND');
    expectError(await send('GET', '/api/v2/jobs'), 404, 'OASIS_ERR_NOT_FOUND');
  });

  it('an unexpected failure → 500 OASIS_ERR_INTERNAL, logged, without its details', async function () {
    const logged: object[] = [];
    const logger: Logger = { debug() {}, info() {}, warn() {}, error: (obj) => logged.push(obj) };
    const broken: WorkerDirectory = {
      list: async () => {
        throw new Error('secret internals');
      },
    };
    const services = { ...s.services, workers: broken };
    const server = createServer(createApi({ config: s.config, services, hot: s.hot, dbPing: async () => true, logger }));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/workers`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const r: Raw = { status: res.status, body: (await res.json()) as Record<string, unknown> };
      expectError(r, 500, 'OASIS_ERR_INTERNAL');
      expect(r.body.error).to.equal('Internal Server Error');
      expect(JSON.stringify(r.body)).to.not.include('secret');
      expect(logged).to.have.length(1);
    } finally {
      server.close();
    }
  });
});
