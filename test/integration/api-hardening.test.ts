import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { expect } from 'chai';
import { createApi } from '../../server/src/api/index.js';
import { loadConfig } from '../../server/src/config/load.js';
import { silentLogger, type Logger } from '../../server/src/domain/logger.js';
import { createAdminStack, TEST_ADMIN_PASSWORD, type AdminStack } from '../helpers/admin-stack.js';
import { signIn } from '../helpers/api-client.js';
import { expectError, raw, type RawAnswer as Raw } from '../helpers/raw-http.js';
import { createAppSchema } from '@oasis/worker-client/contracts';
import { parsed } from '../helpers/parsed.js';

describe('API hardening: client mistakes are 4xx, security headers, proxies and cookies', function () {
  this.timeout(30_000);
  let s: AdminStack;
  let token: string;
  let errors: unknown[];
  let server: Server;
  let base: string;
  let dashDir: string;

  before(async () => {
    s = await createAdminStack();
    token = (await signIn(s.baseUrl, 'admin', TEST_ADMIN_PASSWORD)).token;
    await s.services.apps.create(parsed(createAppSchema, { name: 'shop' }));
    // A second server over the same services, with a logger that remembers error-level lines and
    // a dashboard mounted, as the admin process has it.
    errors = [];
    const logger: Logger = { debug() {}, info() {}, warn() {}, error: (obj) => void errors.push(obj) };
    dashDir = await mkdtemp(join(tmpdir(), 'oasis-dash-'));
    await writeFile(join(dashDir, 'index.html'), '<!doctype html><title>Oasis</title><oasis-app></oasis-app>');
    await writeFile(join(dashDir, 'main.js'), 'export {};');
    const app = createApi({ config: s.config, services: s.services, hot: s.hot, dbPing: async () => true, logger, dashboardDir: dashDir });
    server = createServer(app).listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server?.closeAllConnections();
    server?.close();
    await s?.close();
    if (dashDir) await rm(dashDir, { recursive: true, force: true });
  });
  beforeEach(() => {
    errors.length = 0;
  });

  const auth = () => ({ authorization: `Bearer ${token}` });

  describe('a client mistake is never a 500', () => {
    it('a malformed percent-encoding in the path → 400, logged below error level', async () => {
      expectError(await raw(base, 'GET', '/api/v1/jobs/%E0%A4%A', auth()), 400, 'OASIS_ERR_VALIDATION');
      expectError(await raw(base, 'GET', '/api/v1/logs/%ZZ/text', auth()), 400, 'OASIS_ERR_VALIDATION');
      expectError(await raw(base, 'GET', '/api/v1/apps/%C0%AF', auth()), 400);
      expect(errors).to.deep.equal([]);
    });

    it('a body whose content-encoding does not decode → 400 (even unauthenticated); an unknown encoding → 415', async () => {
      const json = { 'content-type': 'application/json' };
      expectError(await raw(base, 'POST', '/api/v1/auth/login', { ...json, 'content-encoding': 'gzip' }, 'not gzip at all'), 400);
      expectError(await raw(base, 'POST', '/api/v1/jobs', { ...json, ...auth(), 'content-encoding': 'deflate' }, 'nope'), 400);
      const truncated = gzipSync(Buffer.from(JSON.stringify({ username: 'admin', password: 'x'.repeat(100) }))).subarray(0, 20);
      expectError(await raw(base, 'POST', '/api/v1/auth/login', { ...json, 'content-encoding': 'gzip' }, truncated), 400);
      expectError(await raw(base, 'POST', '/api/v1/auth/login', { ...json, 'content-encoding': 'snappy' }, '{}'), 415);
      // A good gzip body still works.
      const good = gzipSync(Buffer.from(JSON.stringify({ username: 'admin', password: TEST_ADMIN_PASSWORD })));
      expect((await raw(base, 'POST', '/api/v1/auth/login', { ...json, 'content-encoding': 'gzip' }, good)).status).to.equal(200);
      expect(errors).to.deep.equal([]);
    });

    it('unknown /api paths and other non-page paths answer a JSON 404, not the dashboard', async () => {
      for (const path of ['/readyz', '/metrics', '/openapi.json', '/api/nope', '/api/v1/nope', '/favicon.ico', '/x/y.js', '/logs']) {
        const r = await raw(base, 'GET', path, { accept: 'text/html', ...auth() });
        expectError(r, 404, 'OASIS_ERR_NOT_FOUND');
        expect(String(r.headers['content-type'])).to.match(/application\/json/);
      }
      // Without a session an unknown /api/v1 path is a 401 like every other: routes are not probed.
      expectError(await raw(base, 'GET', '/api/v1/nope'), 401, 'OASIS_ERR_UNAUTHORIZED');
      // The pages still answer: the dashboard routes by the URL hash, so `/` is its one page.
      const page = await raw(base, 'GET', '/', { accept: 'text/html' });
      expect(page.status).to.equal(200);
      expect(page.text).to.include('<oasis-app>');
      expect((await raw(base, 'GET', '/index.html')).status).to.equal(200);
      expect((await raw(base, 'GET', '/main.js')).status).to.equal(200);
    });
  });

  describe('security headers', () => {
    it('every answer has a CSP without inline script, frame-ancestors none, nosniff and a referrer policy; no HSTS over plain HTTP', async () => {
      for (const r of [await raw(base, 'GET', '/'), await raw(base, 'GET', '/api/v1/jobs', auth()), await raw(base, 'GET', '/api/v1/nope')]) {
        const csp = String(r.headers['content-security-policy']);
        expect(csp).to.include("frame-ancestors 'none'");
        expect(csp).to.match(/script-src 'self'(;|$)/);
        expect(csp).to.not.include('unsafe-inline');
        expect(csp).to.not.include('unsafe-eval');
        expect(r.headers['x-content-type-options']).to.equal('nosniff');
        expect(r.headers['referrer-policy']).to.equal('no-referrer');
        expect(r.headers['strict-transport-security']).to.equal(undefined);
        expect(r.headers['x-powered-by']).to.equal(undefined);
      }
    });

    it('API answers are not cached; the dashboard files may be', async () => {
      expect((await raw(base, 'GET', '/api/v1/jobs', auth())).headers['cache-control']).to.equal('no-store');
      expect((await raw(base, 'GET', '/api/v1/nope')).headers['cache-control']).to.equal('no-store');
      expect((await raw(base, 'POST', '/api/v1/auth/login', { 'content-type': 'application/json' }, '{}')).headers['cache-control']).to.equal('no-store');
      expect(String((await raw(base, 'GET', '/main.js')).headers['cache-control'])).to.not.equal('no-store');
    });
  });

  describe('behind a TLS proxy (OASIS_TRUST_PROXY, OASIS_COOKIE_SECURE)', () => {
    /** An API over the stack's services with other settings. */
    async function withConfig(env: Record<string, string>, fn: (base: string) => Promise<void>): Promise<void> {
      const config = loadConfig({
        OASIS_DATABASE_URL: s.testDb.url, OASIS_REDIS_PREFIX: s.redis.prefix, OASIS_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD, ...env,
      });
      const srv = createServer(createApi({ config, services: s.services, hot: s.hot, dbPing: async () => true, logger: silentLogger }));
      srv.listen(0, '127.0.0.1');
      await once(srv, 'listening');
      try {
        await fn(`http://127.0.0.1:${(srv.address() as AddressInfo).port}`);
      } finally {
        srv.closeAllConnections();
        srv.close();
      }
    }
    const login = (b: string, headers: Record<string, string> = {}) =>
      raw(b, 'POST', '/api/v1/auth/login', { 'content-type': 'application/json', ...headers }, JSON.stringify({ username: 'admin', password: TEST_ADMIN_PASSWORD }));
    const cookieOf = (r: Raw) => String(r.headers['set-cookie']);
    const viaTls = { 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.7' };

    it('does not trust forwarded headers by default: no Secure cookie, no HSTS, the peer address is audited', async () => {
      await withConfig({}, async (b) => {
        const r = await login(b, viaTls);
        expect(r.status).to.equal(200);
        expect(cookieOf(r)).to.not.include('Secure');
        expect(r.headers['strict-transport-security']).to.equal(undefined);
        const t = (r.body as { token: string }).token;
        await raw(b, 'POST', '/api/v1/apps', { 'content-type': 'application/json', authorization: `Bearer ${t}`, ...viaTls }, JSON.stringify({ name: 'peer-addr' }));
        const entry = await auditEntry('peer-addr');
        expect(entry.ip).to.match(/127\.0\.0\.1/);
      });
    });

    it('with OASIS_TRUST_PROXY=loopback: the forwarded client address is audited, the cookie is Secure and HSTS is sent over TLS', async () => {
      await withConfig({ OASIS_TRUST_PROXY: 'loopback' }, async (b) => {
        const r = await login(b, viaTls);
        expect(r.status).to.equal(200);
        expect(cookieOf(r)).to.include('Secure');
        expect(String(r.headers['strict-transport-security'])).to.include('max-age=');
        const t = (r.body as { token: string }).token;
        await raw(b, 'POST', '/api/v1/apps', { 'content-type': 'application/json', authorization: `Bearer ${t}`, ...viaTls }, JSON.stringify({ name: 'fwd-addr' }));
        expect((await auditEntry('fwd-addr')).ip).to.equal('203.0.113.7');
        // Plain HTTP through the same proxy: no Secure flag.
        expect(cookieOf(await login(b, { 'x-forwarded-proto': 'http' }))).to.not.include('Secure');
      });
    });

    it('OASIS_COOKIE_SECURE=true always sets Secure; false never does', async () => {
      await withConfig({ OASIS_COOKIE_SECURE: 'true' }, async (b) => {
        expect(cookieOf(await login(b))).to.include('Secure');
      });
      await withConfig({ OASIS_COOKIE_SECURE: 'false', OASIS_TRUST_PROXY: 'loopback' }, async (b) => {
        expect(cookieOf(await login(b, viaTls))).to.not.include('Secure');
      });
    });

    async function auditEntry(app: string): Promise<{ ip: string | null }> {
      for (let i = 0; i < 60; i++) {
        const page = await s.services.audit.list({ limit: 50, offset: 0, action: 'app.create' });
        const e = page.items.find((x) => x.targetId === app);
        if (e) return e;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`no audit entry for ${app}`);
    }
  });
});
