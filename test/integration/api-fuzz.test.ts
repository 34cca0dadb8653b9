/**
 * A bounded, seeded fuzzer of the REST API against a real stack (MariaDB, Redis): a few thousand
 * requests over every route — near-valid bodies with one field replaced, hostile keys
 * (`__proto__`, `constructor`), malformed and deep JSON, huge values, unicode, broken
 * percent-encodings in paths and queries, wrong content types and content encodings — as an
 * ADMIN, an OPERATOR, a VIEWER and nobody. It asserts no answer is a 5xx, every error has the
 * documented shape (`docs/errors.md`), and the data the fuzzer may not touch is intact afterwards.
 *
 * Seed: OASIS_FUZZ_SEED (default fixed), so a failure is reproducible; OASIS_FUZZ_REQUESTS sets
 * how many requests (default 3000).
 */
import { STATUS_CODES } from 'node:http';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { expect } from 'chai';
import { createApi } from '../../server/src/api/index.js';
import { ErrorCatalogue } from '../../server/src/domain/errors.js';
import { createAdminStack, TEST_ADMIN_PASSWORD, type AdminStack } from '../helpers/admin-stack.js';
import { ApiClient, signIn } from '../helpers/api-client.js';
import { fuzzObject, fuzzString, fuzzValue, HOSTILE_KEYS, HOSTILE_STRINGS, int, pick, seededRng, withOwnKeys, type Rng } from '../helpers/fuzz-values.js';
import { raw } from '../helpers/raw-http.js';

const SEED = Number(process.env.OASIS_FUZZ_SEED ?? 20_261_201);
const REQUESTS = Number(process.env.OASIS_FUZZ_REQUESTS ?? 3000);

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';
type Param = 'job' | 'task' | 'app' | 'user';
interface Route {
  method: Method;
  /** Path under `/api/v1` with `:id` / `:name` placeholders (as the router declares it). */
  path: string;
  param?: Param;
  /** A valid body to start mutations from. */
  body?: (f: Fixture) => Record<string, unknown>;
  /** Valid query parameters to start mutations from. */
  query?: (f: Fixture) => Record<string, string>;
}

interface Fixture {
  jobIds: number[];
  taskIds: string[];
  /** Users the fuzzer may change, delete and set passwords of (not the ones whose sessions it uses). */
  userIds: number[];
  /** Spare ADMIN sessions for `POST /auth/logout` (the sessions the fuzzer uses stay open). */
  spareTokens: string[];
}

const schedule = { type: 'CRON', cron: '*/5 * * * * *', timezone: 'Asia/Shanghai' };
const ROUTES: Route[] = [
  { method: 'GET', path: '/healthz' },
  { method: 'POST', path: '/auth/login', body: () => ({ username: 'fuzz-op', password: 'wrong-password' }) },
  { method: 'POST', path: '/auth/logout' },
  { method: 'GET', path: '/auth/me' },
  { method: 'POST', path: '/apps', body: () => ({ name: 'fz-new', title: 'Fuzz new' }) },
  { method: 'GET', path: '/apps' },
  { method: 'GET', path: '/apps/:name', param: 'app' },
  { method: 'PUT', path: '/apps/:name', param: 'app', body: () => ({ title: 'renamed' }) },
  { method: 'POST', path: '/apps/:name/token', param: 'app', body: () => ({}) },
  {
    method: 'POST', path: '/jobs',
    body: () => ({
      app: 'fuzz', name: 'fz', handler: 'h', params: '{"a":1}', schedule, enabled: false,
      misfire: { policy: 'FIRE_ONCE', thresholdMs: 1000 }, overlap: 'DISCARD', routing: 'ROUND_ROBIN', timeoutMs: 1000,
      retry: { count: 1, backoff: 'EXPONENTIAL', delayMs: 10 }, childJobIds: [], childOptions: { passResult: true },
      alarm: { emails: ['ops@example.com'], webhooks: ['https://example.com/hook'] },
    }),
  },
  { method: 'GET', path: '/jobs', query: () => ({ app: 'fuzz', limit: '10', offset: '0' }) },
  { method: 'GET', path: '/jobs/:id', param: 'job' },
  { method: 'PUT', path: '/jobs/:id', param: 'job', body: () => ({ params: 'p', schedule: { type: 'FIXED_RATE', everyMs: 60_000 } }) },
  { method: 'DELETE', path: '/jobs/:id', param: 'job' },
  { method: 'POST', path: '/jobs/:id/start', param: 'job', body: () => ({}) },
  { method: 'POST', path: '/jobs/:id/stop', param: 'job', body: () => ({}) },
  { method: 'POST', path: '/jobs/:id/trigger', param: 'job', body: () => ({ params: 'x' }) },
  { method: 'POST', path: '/jobs/:id/pause', param: 'job', body: () => ({ note: 'n' }) },
  { method: 'POST', path: '/jobs/:id/resume', param: 'job', body: () => ({}) },
  { method: 'POST', path: '/jobs/:id/skip-next', param: 'job', body: () => ({ count: 2 }) },
  { method: 'GET', path: '/jobs/:id/script-versions', param: 'job' },
  { method: 'GET', path: '/jobs/:id/next-fires', param: 'job', query: () => ({ count: '5' }) },
  { method: 'POST', path: '/schedule/preview', body: () => ({ schedule, count: 5 }) },
  { method: 'GET', path: '/logs', query: (f) => ({ app: 'fuzz', jobId: String(f.jobIds[0]), status: 'QUEUED', limit: '20', offset: '0' }) },
  { method: 'GET', path: '/logs/duplicates', query: (f) => ({ app: 'fuzz', jobId: String(f.jobIds[0]), limit: '20', offset: '0' }) },
  { method: 'GET', path: '/logs/:id', param: 'task' },
  { method: 'GET', path: '/logs/:id/text', param: 'task', query: () => ({ from: '0', limit: '10' }) },
  { method: 'POST', path: '/logs/:id/kill', param: 'task', body: () => ({ reason: 'fuzz' }) },
  { method: 'GET', path: '/reports/daily', query: (f) => ({ days: '7', app: 'fuzz', jobId: String(f.jobIds[0]) }) },
  { method: 'GET', path: '/workers', query: () => ({ app: 'fuzz' }) },
  { method: 'GET', path: '/users' },
  { method: 'POST', path: '/users', body: () => ({ username: 'fz-user', password: 'fuzz-password', role: 'VIEWER', apps: ['fuzz'], scriptApps: [] }) },
  { method: 'GET', path: '/users/:id', param: 'user' },
  { method: 'PUT', path: '/users/:id', param: 'user', body: () => ({ role: 'VIEWER', apps: ['fuzz'] }) },
  { method: 'DELETE', path: '/users/:id', param: 'user' },
  { method: 'POST', path: '/users/:id/password', param: 'user', body: () => ({ password: 'another-password' }) },
  { method: 'GET', path: '/audit', query: () => ({ limit: '10', offset: '0', target: 'job', action: 'job.create' }) },
];

/** Path values that have broken routers and parsers before. */
const BAD_SEGMENTS = ['0', '-1', '1e3', '012', '99999999999', '2147483648', '%E0%A4%A', '%ZZ', '%C0%AF', '%00', '..%2F..%2Fetc', '%2e%2e', '%F0%9F%99%82', 'a'.repeat(2000), '__proto__', 'constructor', '1%0A2', '%20'];

/** A request as bytes on the wire. */
interface Wire {
  method: Method;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

/** Percent-encodes the UTF-8 bytes of `v` (lone surrogates too, which encodeURIComponent refuses); `keepPercent` leaves `%` as is. */
function pct(v: string, keepPercent = false): string {
  let out = '';
  for (const b of Buffer.from(v, 'utf8')) {
    const c = String.fromCharCode(b);
    out += /[A-Za-z0-9._~-]/.test(c) || (keepPercent && c === '%') ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function encodeSegment(rng: Rng, v: string): string {
  return pct(v, rng() < 0.5);
}

function pathValue(rng: Rng, route: Route, f: Fixture): string {
  const r = rng();
  if (r < 0.45) {
    if (route.param === 'job') return String(pick(rng, f.jobIds));
    if (route.param === 'task') return pick(rng, f.taskIds);
    if (route.param === 'app') return pick(rng, ['fuzz', 'fz-new', 'nobody']);
    return String(pick(rng, f.userIds));
  }
  if (r < 0.75) return pick(rng, BAD_SEGMENTS);
  return encodeSegment(rng, rng() < 0.5 ? pick(rng, HOSTILE_STRINGS) : fuzzString(rng));
}

function queryString(rng: Rng, base: Record<string, string>): string {
  const pairs: [string, string][] = Object.entries(base).filter(() => rng() < 0.7);
  const r = rng();
  if (r < 0.3 && pairs.length) {
    const i = int(rng, 0, pairs.length - 1);
    pairs[i] = [pairs[i]![0], rng() < 0.5 ? pick(rng, HOSTILE_STRINGS) : String(fuzzValue(rng, 0))];
  } else if (r < 0.45) {
    pairs.push([pick(rng, HOSTILE_KEYS), fuzzString(rng)]);
  } else if (r < 0.55 && pairs.length) {
    pairs.push([pairs[0]![0], pairs[0]![1]]); // repeated key
  }
  let q = pairs.map(([k, v]) => `${pct(k)}=${pct(v)}`).join('&');
  if (rng() < 0.1) q += pick(rng, ['&%E0%A4%A=1', '&a[b]=1', '&=', '&&', '&x=%ZZ', '&limit=1&limit=2']);
  return q ? `?${q}` : '';
}

/** The body: the route's valid one, mutated; or a raw malformed one. */
function bodyOf(rng: Rng, route: Route, f: Fixture): { text: Buffer; type: string } | null {
  const valid = route.body?.(f);
  if (!valid && rng() < 0.7) return null;
  const r = rng();
  let json: unknown = valid ?? {};
  if (r < 0.1) {
    // As it is: the route's own handling of a valid body.
  } else if (r < 0.45 && valid) {
    const keys = Object.keys(valid);
    const k = pick(rng, keys.length ? keys : ['x']);
    json = withOwnKeys([...Object.entries(valid).filter(([key]) => key !== k), [k, fuzzValue(rng, 3)]]);
  } else if (r < 0.6) {
    const extra = pick(rng, [{ isAdmin: true }, { role: 'ADMIN' }, { prototype: { polluted: 1 } }, fuzzObject(rng, 2)]);
    json = withOwnKeys([...Object.entries(valid ?? {}), [pick(rng, HOSTILE_KEYS), extra]]);
  } else if (r < 0.7) {
    json = fuzzValue(rng, 4);
  } else {
    const raw = pick(rng, [
      '{', '{"a":', '[]', '"just a string"', 'null', '1e999', 'true', '{"a":1,}', "{'a':1}", '{"__proto__":{"polluted":1}}',
      '{"constructor":{"prototype":{"polluted":1}}}', '['.repeat(5000) + ']'.repeat(5000), `{"${'k'.repeat(100_000)}":1}`,
      `{"params":"${'x'.repeat(900_000)}"}`, '\ufeff{}', '{"a":"\\ud800"}', '{"a":"\\u0000"}', '',
    ]);
    const bytes = rng() < 0.1 ? Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]) : Buffer.from(raw, 'utf8');
    return { text: bytes, type: pick(rng, ['application/json', 'application/json; charset=utf-8', 'application/json; charset=koi8-r', 'text/plain', 'application/x-www-form-urlencoded']) };
  }
  return { text: Buffer.from(JSON.stringify(json) ?? 'null', 'utf8'), type: 'application/json' };
}

function wireOf(rng: Rng, route: Route, f: Fixture, token: string | null): Wire {
  let path = route.path.replace(/:(id|name)/, () => pathValue(rng, route, f));
  path = (route.path === '/healthz' ? '' : '/api/v1') + path + queryString(rng, route.query?.(f) ?? {});
  const headers: Record<string, string> = {};
  if (token) headers['authorization'] = rng() < 0.03 ? `Bearer ${token.slice(0, -1)}x` : `Bearer ${token}`;
  const body = bodyOf(rng, route, f);
  if (!body) return { method: route.method, path, headers };
  headers['content-type'] = body.type;
  let bytes = body.text;
  const e = rng();
  if (e < 0.06) {
    headers['content-encoding'] = 'gzip';
    bytes = rng() < 0.5 ? gzipSync(bytes) : Buffer.from('not gzip');
  } else if (e < 0.09) {
    headers['content-encoding'] = 'deflate';
    bytes = rng() < 0.5 ? deflateSync(bytes) : gzipSync(bytes).subarray(0, 10);
  } else if (e < 0.11) {
    headers['content-encoding'] = 'br';
    bytes = rng() < 0.5 ? brotliCompressSync(bytes) : Buffer.from('zz');
  } else if (e < 0.13) {
    headers['content-encoding'] = pick(rng, ['snappy', 'gzip, br', 'identity', '']);
  }
  // Framed by its length: Node's client sends a GET or DELETE body unframed otherwise.
  headers['content-length'] = String(bytes.length);
  return { method: route.method, path, headers, body: bytes };
}

interface Answer {
  status: number;
  contentType: string;
  text: string;
}

async function send(base: string, w: Wire): Promise<Answer> {
  const r = await raw(base, w.method, w.path, w.headers, w.body, { agent: keepAlive });
  return { status: r.status, contentType: String(r.headers['content-type'] ?? ''), text: r.text };
}
let keepAlive: import('node:http').Agent;

/** What is wrong with an answer (empty: nothing). */
function problemOf(a: Answer): string | null {
  if (a.status >= 500) return `status ${a.status}: ${a.text.slice(0, 200)}`;
  if (a.status < 400) return null;
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(a.text) as Record<string, unknown>;
  } catch {
    return `status ${a.status} with a body that is not JSON: ${a.text.slice(0, 100)}`;
  }
  if (Object.keys(body).sort().join() !== 'code,error,message,statusCode') return `error body keys ${Object.keys(body).join()}`;
  if (body['statusCode'] !== a.status) return `statusCode ${String(body['statusCode'])} ≠ ${a.status}`;
  if (typeof body['code'] !== 'string' || !(body['code'] in ErrorCatalogue)) return `code ${String(body['code'])} not in the catalogue`;
  if (body['error'] !== STATUS_CODES[a.status]) return `error "${String(body['error'])}" for ${a.status}`;
  if (typeof body['message'] !== 'string' || body['message'] === '') return 'empty message';
  if (!a.contentType.includes('application/json')) return `content-type ${a.contentType}`;
  return null;
}

describe(`REST fuzz: ${REQUESTS} seeded requests over every route (seed ${SEED})`, function () {
  this.timeout(300_000);
  let s: AdminStack;
  let admin: ApiClient;
  const tokens: Record<'admin' | 'operator' | 'viewer', string> = { admin: '', operator: '', viewer: '' };
  let fixture: Fixture;
  let sentinel: { job: unknown; jobId: number; app: unknown; user: unknown; userId: number };

  before(async () => {
    s = await createAdminStack();
    const { Agent } = await import('node:http');
    keepAlive = new Agent({ keepAlive: true, maxSockets: 4 });
    admin = await s.signIn();
    for (const name of ['fuzz', 'sentinel']) await admin.ok('POST', '/api/v1/apps', { name, title: name });
    await s.onlineWorker('fuzz');
    const op = await admin.ok<{ id: number }>('POST', '/api/v1/users', { username: 'fuzz-op', password: 'fuzz-op-password', role: 'OPERATOR', apps: ['fuzz'], scriptApps: ['fuzz'] });
    await admin.ok('POST', '/api/v1/users', { username: 'fuzz-viewer', password: 'fuzz-viewer-pw', role: 'VIEWER', apps: ['fuzz'] });
    const targets: number[] = [];
    for (let i = 0; i < 4; i++) {
      targets.push((await admin.ok<{ id: number }>('POST', '/api/v1/users', { username: `fz-target-${i}`, password: 'fz-target-pw', role: 'VIEWER', apps: ['fuzz'] })).id);
    }
    const keeper = await admin.ok<{ id: number }>('POST', '/api/v1/users', { username: 'keeper', password: 'keeper-password', role: 'OPERATOR', apps: ['sentinel'] });
    const login = async (u: string, p: string) => (await signIn(s.baseUrl, u, p)).token;
    tokens.admin = await login('admin', TEST_ADMIN_PASSWORD);
    tokens.operator = await login('fuzz-op', 'fuzz-op-password');
    tokens.viewer = await login('fuzz-viewer', 'fuzz-viewer-pw');
    const jobIds: number[] = [];
    for (let i = 0; i < 6; i++) {
      const extra = i === 5 ? { script: { language: 'shell', source: 'echo fuzz' } } : { handler: 'h' };
      jobIds.push((await admin.ok<{ id: number }>('POST', '/api/v1/jobs', { app: 'fuzz', name: `target-${i}`, schedule: { type: 'NONE' }, ...extra })).id);
    }
    const taskIds: string[] = [];
    for (const id of jobIds.slice(0, 3)) taskIds.push((await admin.ok<{ taskId: string }>('POST', `/api/v1/jobs/${id}/trigger`, {})).taskId);
    taskIds.push(`${jobIds[0]}-01ARZ3NDEKTSV4RRFFQ69G5FAV`);
    const sentinelJob = await admin.ok<{ id: number }>('POST', '/api/v1/jobs', {
      app: 'sentinel', name: 'keep-me', handler: 'h', params: 'untouched', schedule: { type: 'CRON', cron: '0 0 3 * * *', timezone: 'Europe/Berlin' },
    });
    const spareTokens: string[] = [];
    for (let i = 0; i < 40; i++) spareTokens.push(await login('admin', TEST_ADMIN_PASSWORD));
    fixture = { jobIds, taskIds, userIds: targets, spareTokens };
    void op;
    sentinel = {
      job: await admin.ok('GET', `/api/v1/jobs/${sentinelJob.id}`),
      jobId: sentinelJob.id,
      app: await admin.ok('GET', '/api/v1/apps/sentinel'),
      user: await admin.ok('GET', `/api/v1/users/${keeper.id}`),
      userId: keeper.id,
    };
  });
  after(async () => {
    keepAlive?.destroy();
    await s?.close();
  });

  it('fuzzes every route the API declares', () => {
    const declared: string[] = [];
    const walk = (stack: readonly { route?: { path: string; methods: Record<string, boolean> }; handle?: { stack?: unknown[] } }[]) => {
      for (const layer of stack) {
        if (layer.route) for (const m of Object.keys(layer.route.methods)) declared.push(`${m.toUpperCase()} ${layer.route.path}`);
        else if (Array.isArray(layer.handle?.stack)) walk(layer.handle.stack as never);
      }
    };
    const app = createApi({ config: s.config, services: s.services, hot: s.hot, dbPing: async () => true, logger: { debug() {}, info() {}, warn() {}, error() {} } });
    walk((app as unknown as { router: { stack: never[] } }).router.stack);
    expect(ROUTES.map((r) => `${r.method} ${r.path}`).sort()).to.deep.equal([...new Set(declared)].sort());
  });

  it('answers every request below 500, every error in the documented shape', async () => {
    const rng = seededRng(SEED);
    const problems: string[] = [];
    const statuses = new Map<number, number>();
    for (let i = 0; i < REQUESTS; i++) {
      const route = pick(rng, ROUTES);
      const who = rng();
      let token = who < 0.6 ? tokens.admin : who < 0.85 ? tokens.operator : who < 0.95 ? tokens.viewer : null;
      if (route.path === '/auth/logout' && token) token = fixture.spareTokens.pop() ?? null;
      const w = wireOf(rng, route, fixture, token);
      const a = await send(s.baseUrl, w);
      statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
      const p = problemOf(a);
      if (process.env.OASIS_FUZZ_TRACE) console.log(`#${i} ${a.status} ${w.method} ${w.path.slice(0, 80)} ${JSON.stringify(w.headers).slice(0, 120)} body=${w.body?.length ?? '-'}`);
      if (p && problems.length < 20) problems.push(`#${i} ${w.method} ${w.path.slice(0, 120)} [${w.headers['content-encoding'] ?? ''}]: ${p}`);
    }
    expect(problems, `seed ${SEED}; statuses ${JSON.stringify([...statuses])}`).to.deep.equal([]);
    // Enough got through validation to reach the services, and enough was refused.
    expect([...statuses.keys()].some((c) => c >= 200 && c < 300)).to.equal(true);
    expect(statuses.get(400) ?? 0).to.be.above(REQUESTS / 10);
  });

  it('leaves what it may not touch as it was, and the admin serving', async () => {
    expect(({} as Record<string, unknown>)['polluted']).to.equal(undefined);
    expect(({} as Record<string, unknown>)['isAdmin']).to.equal(undefined);
    const fresh = new ApiClient(s.baseUrl);
    await fresh.login('admin', TEST_ADMIN_PASSWORD);
    expect(await fresh.ok('GET', `/api/v1/jobs/${sentinel.jobId}`)).to.deep.equal(sentinel.job);
    expect(await fresh.ok('GET', '/api/v1/apps/sentinel')).to.deep.equal(sentinel.app);
    expect(await fresh.ok('GET', `/api/v1/users/${sentinel.userId}`)).to.deep.equal(sentinel.user);
    await new ApiClient(s.baseUrl).login('keeper', 'keeper-password');
    // Every job the fuzz left is readable, with its hot copy in Redis.
    const jobs = await fresh.ok<{ id: number }[]>('GET', '/api/v1/jobs');
    for (const j of jobs) await fresh.ok('GET', `/api/v1/jobs/${j.id}`);
    expect(await s.services.jobs.restoreHotCopies()).to.deep.equal([]);
    expect((await fetch(`${s.baseUrl}/healthz`)).status).to.equal(200);
  });
});
