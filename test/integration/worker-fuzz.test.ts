/**
 * A bounded, seeded fuzzer of the `/worker` namespace against a real admin (in process, real
 * Redis and MariaDB), through real socket.io-client sockets authenticated as workers of app
 * `alpha`. A few hundred messages over every event the gateway handles (and unknown ones):
 * wrong types, huge and deep values, unicode, prototype keys, NaN/Infinity, negative numbers,
 * missing acks, extra arguments; plus malformed handshakes. It asserts that
 * - every ack is `{ok:true, …}` in the event's shape or `{ok:false, code, message}` with a code of
 *   the worker protocol, never `OASIS_ERR_INTERNAL` (a client's mistake is no server fault);
 * - tasks held or queued for another worker of alpha, and every task of app `beta`, are never
 *   accepted from a fuzzing worker, and every Redis key of beta is byte-for-byte as before;
 * - afterwards the admin is up, the tasks queued before the fuzz are pulled and complete (their
 *   final records reach the database), and a normal SDK worker runs a new task;
 * - `Object.prototype` of the admin's process gained nothing.
 * Seed: OASIS_FUZZ_SEED (default fixed), so a failure is reproducible.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import type { Socket } from 'socket.io-client';
import { OasisWorker } from '@oasis/worker-client';
import { PROTOCOL_VERSION, WorkerErrorCode } from '@oasis/worker-client/protocol';
import type { RunningAdmin } from '../../server/src/main.js';
import { newTaskId } from '../../server/src/domain/ids.js';
import { APP_KEYS } from '../../server/src/store/redis/schema.js';
import { handshakeSchema } from '@oasis/worker-client/contracts';
import type { ApiClient } from '../helpers/api-client.js';
import { startInProcessAdmin, type InProcessAdmin } from '../helpers/in-process-admin.js';
import { quietWorkerLogger } from '../helpers/loggers.js';
import { scanKeys, type TestRedis } from '../helpers/redis.js';
import { connected, openWorkerSocket, RAW_WORKER_ENV, rawWorker, type RawWorker } from '../helpers/raw-worker.js';
import { waitFor } from '../helpers/wait.js';

const SEED = Number(process.env.OASIS_FUZZ_SEED ?? 20_261_201);
const MESSAGES = 400;
const HANDSHAKES = 40;
const ACK_MS = 3000;

const HANDLED = ['heartbeat', 'pull', 'log', 'progress', 'results'] as const;
/** Events no handler listens to (the client refuses to emit its reserved names, so those are out). */
const UNKNOWN = ['welcome', 'wake', 'kill', 'drain', '__proto__', 'constructor', 'hasOwnProperty', 'toString', 'résultats', ''] as const;
const PROTOCOL_CODES: readonly string[] = Object.values(WorkerErrorCode);
const VERDICTS = ['accepted', 'duplicate', 'rejected'];

type AckMode = 'ack' | 'none' | 'extra-arg' | 'no-payload';
interface Case {
  event: string;
  payload: unknown;
  mode: AckMode;
  socket: number;
}

/** `{a:{a:…}}` or `[[…]]`, `depth` levels. */
function deep(depth: number, array: boolean): unknown {
  let v: unknown = array ? [] : {};
  for (let i = 0; i < depth; i++) v = array ? [v] : { a: v };
  return v;
}

/** Builds the seeded generator; `ids` are task ids worth naming (protected ones among them). */
function cases(ids: readonly string[]): fc.Arbitrary<Case> {
  const key = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 12 }),
    fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', 'taskId', 'results', 'max', 'lines'),
  );
  const special = fc.constantFrom<unknown>(
    Number.NaN, Infinity, -Infinity, -1, -0, 0.5, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, 2 ** 63, '', ' ', null, undefined,
    true, false, [], {}, '0', '１', '\u0000', '\uFFFF', '\uD800', '🦄'.repeat(50), 'x'.repeat(16 * 1024 + 1),
    'é'.repeat(300_000), deep(2000, false), deep(2000, true), Array.from({ length: 10_001 }, (_, i) => `1-${i}`),
    JSON.parse('{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}}}'),
  );
  const weird = fc.oneof(
    special,
    fc.anything({ key, maxDepth: 3, maxKeys: 5, withNullPrototype: true, withTypedArray: true, withSparseArray: true, stringUnit: 'binary' }),
  );
  /** Mostly `valid`, sometimes weird: `odds` valid draws to one weird. */
  const or = <T>(valid: fc.Arbitrary<T>, odds = 3) => fc.oneof({ weight: odds, arbitrary: valid }, { weight: 1, arbitrary: weird });
  const taskId = or(fc.oneof(fc.constantFrom(...ids), fc.string({ unit: 'binary', maxLength: 70 })));
  const int = (min: number, max: number) => or(fc.integer({ min, max }));
  const lines = or(fc.array(or(fc.string({ unit: 'grapheme', maxLength: 40 })), { maxLength: 5 }));
  // A batch with one bad result is refused whole, so results are mostly valid (else no batch
  // would ever reach the verdicts).
  const result = fc.record({
    taskId: or(fc.constantFrom(...ids), 12),
    attempt: or(fc.constantFrom(1, 1, 1, 2), 12),
    status: or(fc.oneof({ weight: 12, arbitrary: fc.constantFrom('SUCCESS', 'FAILED', 'TIMEOUT', 'KILLED') }, fc.constantFrom('LOST', 'success')), 12),
    output: or(fc.string({ unit: 'binary', maxLength: 30 }), 12),
    error: or(fc.string({ maxLength: 30 }), 12),
    startedAt: or(fc.oneof({ weight: 12, arbitrary: fc.constant(Date.now()) }, fc.integer({ min: -5, max: 2 ** 31 }), fc.constantFrom(1e300, 2 ** 64, 8.64e15 + 1)), 12),
    finishedAt: or(fc.oneof({ weight: 12, arbitrary: fc.constant(Date.now()) }, fc.integer({ min: -5, max: 2 ** 31 }), fc.constantFrom(1e300, 2 ** 64)), 12),
  }, { requiredKeys: ['taskId', 'attempt', 'status', 'startedAt', 'finishedAt'] });
  const shaped: Record<(typeof HANDLED)[number], fc.Arbitrary<unknown>> = {
    heartbeat: fc.record({ running: or(fc.array(taskId, { maxLength: 4 })), free: int(-2, 10_001) }, { requiredKeys: [] }),
    pull: fc.record({ max: int(-1, 3) }, { requiredKeys: [] }),
    log: fc.record({ taskId, seq: int(-1, 2 ** 40), lines }, { requiredKeys: [] }),
    progress: fc.record({ taskId, value: or(fc.oneof(fc.double({ min: -10, max: 110 }), fc.integer({ min: 0, max: 100 }))) }, { requiredKeys: [] }),
    results: fc.record({ results: or(fc.array(or(result, 12), { minLength: 1, maxLength: 4 }), 6) }, { requiredKeys: [] }),
  };
  const handled = fc.constantFrom(...HANDLED).chain((event) =>
    fc.record({ event: fc.constant<string>(event), payload: fc.oneof({ weight: 4, arbitrary: shaped[event] }, { weight: 1, arbitrary: weird }) }),
  );
  const unknown = fc.record({ event: fc.constantFrom<string>(...UNKNOWN), payload: weird });
  return fc
    .tuple(
      fc.oneof({ weight: 9, arbitrary: handled }, { weight: 1, arbitrary: unknown }),
      fc.constantFrom<AckMode>('ack', 'ack', 'ack', 'ack', 'ack', 'none', 'extra-arg', 'no-payload'),
      fc.integer({ min: 0, max: 2 }),
    )
    .map(([m, mode, socket]) => ({ ...m, mode, socket }));
}

/**
 * Handshakes, each with what must happen: `connect` (valid, extra prototype-named keys are
 * dropped), `refuse` (wrong credentials or protocol), or `either` (a field replaced by a random
 * value, which may happen to be valid: then it connects only if the message schema takes it).
 */
type Expect = 'connect' | 'refuse' | 'either';
function handshakes(token: string): fc.Arbitrary<{ auth: unknown; expect: Expect }> {
  const valid = { app: 'alpha', token, workerId: 'fz-hs', concurrency: 1, handlers: ['h'], protocol: PROTOCOL_VERSION };
  const value = fc.oneof(
    fc.constantFrom<unknown>(Number.NaN, Infinity, -1, 0, 1e308, '', null, [], {}, 'x'.repeat(100_000), '🦄', deep(500, false)),
    fc.anything({ maxDepth: 2, stringUnit: 'binary' }),
  );
  const field = fc.constantFrom('app', 'token', 'workerId', 'concurrency', 'handlers', 'protocol', 'meta');
  // One field replaced (the others stay right, so only that field can be the reason).
  const replaced = fc.tuple(field, value).map(([f, v]) => ({ ...valid, [f]: v }));
  // Well formed but not this app's token, or another app named with alpha's token, or bad protocol.
  const refused = fc.constantFrom<unknown>(
    { ...valid, token: `${token}x` },
    { ...valid, app: 'beta' },
    { ...valid, app: 'nope' },
    { ...valid, protocol: PROTOCOL_VERSION + 1 },
    { ...valid, workerId: 'fz hs/../x' },
    JSON.parse(`{"__proto__":{"app":"alpha"},"token":"${token}"}`),
  );
  // A computed key makes an own "__proto__" property (sent as such on the wire).
  const extra = fc.tuple(fc.constantFrom('__proto__', 'constructor', 'prototype'), value).map(([f, v]) => ({ ...valid, [f]: v }));
  return fc.oneof(
    { weight: 4, arbitrary: replaced.map((auth) => ({ auth, expect: 'either' as const })) },
    { weight: 1, arbitrary: refused.map((auth) => ({ auth, expect: 'refuse' as const })) },
    { weight: 1, arbitrary: extra.map((auth) => ({ auth, expect: 'connect' as const })) },
  );
}

/**
 * Keys the admins rewrite on their own clock, whatever workers send: their liveness and claims
 * (renewed every OASIS_ADMIN_LIVENESS_MS) and the no-worker grace the sweeps stamp.
 */
const ADMIN_BOOKKEEPING = [APP_KEYS.claimers.suffix, APP_KEYS.claims.suffix, APP_KEYS.noWorkerGrace.suffix];

/** Every Redis key of one app (and the global job → app map) with its full content, the admins' own bookkeeping aside. */
async function snapshot(redis: TestRedis, app: string): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  const keys = [redis.keys.jobApps];
  const base = redis.keys.app(app).base;
  // Every master of a cluster (the app's keys live on one of them).
  const all = await scanKeys(redis.redis, `${base}*`);
  keys.push(...all.filter((k) => !ADMIN_BOOKKEEPING.some((suffix) => k.slice(base.length).startsWith(suffix))));
  for (const k of keys.sort()) {
    const type = await redis.redis.type(k);
    if (type === 'hash') out[k] = await redis.redis.hgetall(k);
    else if (type === 'list') out[k] = await redis.redis.lrange(k, 0, -1);
    else if (type === 'set') out[k] = (await redis.redis.smembers(k)).sort();
    else if (type === 'zset') out[k] = await redis.redis.zrange(k, '0', '-1', 'WITHSCORES');
    else if (type === 'string') out[k] = await redis.redis.get(k);
    else if (type === 'stream') {
      // An empty stream is no data: the final writers create the app's (its consumer group) when they first see the app.
      const entries = await redis.redis.xrange(k, '-', '+');
      if (entries.length > 0) out[k] = entries;
    }
    else out[k] = type;
  }
  return out;
}

describe('worker channel fuzz: seeded messages and handshakes on /worker (real admin, raw sockets)', function () {
  this.timeout(180_000);
  let world: InProcessAdmin;
  let redis: TestRedis;
  let admin: RunningAdmin;
  let api: ApiClient;
  const tokens: Record<string, string> = {};
  const jobs: Record<string, number> = {};

  before(async () => {
    world = await startInProcessAdmin({ env: RAW_WORKER_ENV });
    ({ admin, api, redis } = world);
    for (const app of ['alpha', 'beta']) tokens[app] = (await api.ok<{ token: string }>('POST', '/api/v1/apps', { name: app })).token;
    const job = async (app: string, name: string, routing: string) =>
      (jobs[name] = (await api.ok<{ id: number }>('POST', '/api/v1/jobs', { app, name, handler: 'h', routing, schedule: { type: 'NONE' } })).id);
    await job('alpha', 'steady', 'FIRST');
    await job('alpha', 'shared', 'BUSYOVER');
    await job('beta', 'beta', 'FIRST');
  });
  after(async () => {
    await world?.close();
  });

  const trigger = async (name: string) => (await api.ok<{ taskId: string }>('POST', `/api/v1/jobs/${jobs[name]}/trigger`, {})).taskId;
  const pullOne = async (w: RawWorker) => (await w.call<{ tasks: { id: string }[] }>('pull', { max: 1 })).tasks.map((t) => t.id);
  const done = (taskId: string) => ({ taskId, attempt: 1, status: 'SUCCESS', output: '"ok"', startedAt: Date.now(), finishedAt: Date.now() });

  it('answers every message in the documented shape, touches nothing protected, and keeps serving', async () => {
    // Before the fuzz: alpha's steady worker holds one task and has one queued for it; beta's
    // worker holds one and has one queued; six tasks wait in alpha's shared queue (fuzzers may
    // pull those: results for them are the fuzzers' own business).
    const steady = await rawWorker(admin.url, { app: 'alpha', token: tokens.alpha as string, workerId: 'steady' });
    const b1 = await rawWorker(admin.url, { app: 'beta', token: tokens.beta as string, workerId: 'b1' });
    const steadyRunning = await trigger('steady');
    expect(await pullOne(steady)).to.deep.equal([steadyRunning]);
    const steadyQueued = await trigger('steady');
    const betaRunning = await trigger('beta');
    expect(await pullOne(b1)).to.deep.equal([betaRunning]);
    const betaQueued = await trigger('beta');
    const shared: string[] = [];
    for (let i = 0; i < 6; i++) shared.push(await trigger('shared'));
    const protectedIds = [steadyRunning, steadyQueued, betaRunning, betaQueued];
    const k = redis.keys.app('alpha');
    const alphaBefore = await Promise.all([
      ...[steadyRunning, steadyQueued].map((id) => redis.redis.hgetall(k.task(id))),
      redis.redis.lrange(k.workerQueue('steady'), 0, -1),
      redis.redis.zscore(k.running, steadyRunning),
      redis.redis.lrange(k.log(steadyRunning), 0, -1),
    ]);
    const betaBefore = await snapshot(redis, 'beta');
    const protoBefore = Object.getOwnPropertyNames(Object.prototype).sort();

    const ids = [...protectedIds, ...shared, newTaskId(jobs.steady as number), newTaskId(999_999), '__proto__', 'constructor'];
    const fuzzers: Socket[] = [];
    const fuzzer = async (i: number): Promise<Socket> => {
      const s = fuzzers[i];
      if (s?.connected) return s;
      const w = await rawWorker(admin.url, { app: 'alpha', token: tokens.alpha as string, workerId: `fz-${i}`, concurrency: 3 });
      fuzzers[i] = w.socket;
      return w.socket;
    };

    const problems: string[] = [];
    /** Answers seen per event, so the run shows it reached both the valid and the invalid paths. */
    const seen = new Map<string, Set<string>>();
    const check = (c: Case, reply: unknown) => {
      const where = `${c.event} ${c.mode} ${JSON.stringify(c.payload)?.slice(0, 200)} → ${JSON.stringify(reply)?.slice(0, 300)}`;
      if (typeof reply !== 'object' || reply === null) return problems.push(`not an object: ${where}`);
      const r = reply as Record<string, unknown>;
      const answers = seen.get(c.event) ?? new Set<string>();
      seen.set(c.event, answers.add(r.ok === true ? 'ok' : 'error'));
      if (c.event === 'results' && Array.isArray(r.verdicts)) for (const v of r.verdicts) answers.add(String(v));
      if (r.ok === false) {
        if (Object.keys(r).sort().join() !== 'code,message,ok') problems.push(`error shape: ${where}`);
        if (!PROTOCOL_CODES.includes(r.code as string) || r.code === WorkerErrorCode.INTERNAL) problems.push(`code: ${where}`);
        if (typeof r.message !== 'string' || r.message === '') problems.push(`message: ${where}`);
        return;
      }
      if (r.ok !== true || !(HANDLED as readonly string[]).includes(c.event) || c.mode !== 'ack') return problems.push(`ok for a bad call: ${where}`);
      const msg = c.payload as Record<string, unknown>;
      const named = (id: unknown) => protectedIds.includes(id as string);
      switch (c.event) {
        case 'heartbeat':
          if (!Array.isArray(r.abort) || r.abort.some((a) => typeof a !== 'string')) problems.push(`heartbeat shape: ${where}`);
          break;
        case 'pull': {
          const tasks = r.tasks as { id: string }[];
          if (!Array.isArray(tasks)) problems.push(`pull shape: ${where}`);
          else if (tasks.some((t) => !shared.includes(t.id))) problems.push(`pulled a task not in the shared queue: ${where}`);
          break;
        }
        case 'log':
        case 'progress':
          if (!VERDICTS.includes(r.verdict as string)) problems.push(`${c.event} shape: ${where}`);
          if (c.event === 'progress' && r.stored !== (r.verdict === 'accepted')) problems.push(`progress stored: ${where}`);
          if (named(msg.taskId) && r.verdict !== 'rejected') problems.push(`protected task not rejected: ${where}`);
          break;
        case 'results': {
          const sent = msg.results as Record<string, unknown>[];
          const verdicts = r.verdicts as unknown[];
          if (!Array.isArray(verdicts) || verdicts.length !== sent.length || verdicts.some((v) => !VERDICTS.includes(v as string))) {
            problems.push(`results shape: ${where}`);
          } else {
            sent.forEach((s, i) => {
              if (named(s.taskId) && verdicts[i] !== 'rejected') problems.push(`protected task not rejected: ${where}`);
            });
          }
          break;
        }
      }
      return undefined;
    };

    let acked = 0;
    for (const c of fc.sample(cases(ids), { seed: SEED, numRuns: MESSAGES })) {
      const s = await fuzzer(c.socket);
      if (c.mode === 'none') {
        s.emit(c.event, c.payload);
        continue;
      }
      const args = c.mode === 'no-payload' ? [] : c.mode === 'extra-arg' ? [c.payload, 'extra'] : [c.payload];
      const reply = await s.timeout(ACK_MS).emitWithAck(c.event, ...args).then(
        (r: unknown) => r,
        (e: Error) => ({ noAck: e.message }),
      );
      acked++;
      if ((reply as { noAck?: string }).noAck !== undefined) problems.push(`no ack within ${ACK_MS} ms: ${c.event} ${c.mode} ${JSON.stringify(c.payload)?.slice(0, 200)}`);
      else check(c, reply);
      if (problems.length >= 10) break;
    }
    expect(problems, `seed ${SEED}`).to.deep.equal([]);
    expect(acked).to.be.greaterThan(MESSAGES / 2);
    for (const event of HANDLED) expect([...(seen.get(event) ?? [])], `answers to ${event}`).to.include.members(['ok', 'error']);
    expect([...(seen.get('results') ?? [])], 'verdicts seen').to.include('rejected');

    // A message past the transport's size limit closes that socket, and nothing else.
    const big = await fuzzer(0);
    const closed = new Promise<string>((resolve) => big.once('disconnect', (reason) => resolve(reason)));
    big.emit('log', { taskId: steadyRunning, seq: 0, lines: ['y'.repeat(5 * 1024 * 1024)] });
    expect(await closed).to.be.a('string');

    // Handshakes: each malformed or unauthorized one is refused with a protocol code.
    for (const { auth, expect: want } of fc.sample(handshakes(tokens.alpha as string), { seed: SEED + 1, numRuns: HANDSHAKES })) {
      const s = openWorkerSocket(admin.url, auth);
      const outcome = await connected(s).then(
        () => 'connected',
        (e: Error) => e.message,
      );
      s.disconnect();
      const code = /^OASIS_ERR_[A-Z_]+/.exec(outcome)?.[0];
      const refusedWell = code !== undefined && PROTOCOL_CODES.includes(code) && code !== WorkerErrorCode.INTERNAL;
      // A replaced field may be valid by chance: the wire's JSON form decides (NaN → null, …).
      const schemaTakes = handshakeSchema.safeParse(JSON.parse(JSON.stringify(auth))).success;
      const ok =
        want === 'connect' ? outcome === 'connected' : want === 'refuse' ? refusedWell : outcome === 'connected' ? schemaTakes : refusedWell;
      if (!ok) problems.push(`handshake ${JSON.stringify(auth)?.slice(0, 200)} → ${outcome}`);
    }
    expect(problems, `seed ${SEED + 1}`).to.deep.equal([]);
    for (const s of fuzzers) s?.disconnect();

    // Nothing protected moved; the admin's prototypes are clean.
    const alphaAfter = await Promise.all([
      ...[steadyRunning, steadyQueued].map((id) => redis.redis.hgetall(k.task(id))),
      redis.redis.lrange(k.workerQueue('steady'), 0, -1),
      redis.redis.zscore(k.running, steadyRunning),
      redis.redis.lrange(k.log(steadyRunning), 0, -1),
    ]);
    expect(alphaAfter).to.deep.equal(alphaBefore);
    expect(await snapshot(redis, 'beta')).to.deep.equal(betaBefore);
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).to.deep.equal(protoBefore);
    expect(({} as Record<string, unknown>).polluted).to.equal(undefined);

    // The admin is up and serves its workers: the tasks queued before the fuzz run and end, and
    // their final records reach the database.
    expect((await fetch(`${admin.url}/healthz`)).status).to.equal(200);
    expect(await steady.call('log', { taskId: steadyRunning, seq: 0, lines: ['after the fuzz'] })).to.deep.equal({ ok: true, verdict: 'accepted' });
    expect(await steady.call('results', { results: [done(steadyRunning)] })).to.deep.equal({ ok: true, verdicts: ['accepted'] });
    expect(await pullOne(steady)).to.deep.equal([steadyQueued]);
    expect(await steady.call('results', { results: [done(steadyQueued)] })).to.deep.equal({ ok: true, verdicts: ['accepted'] });
    expect(await b1.call('results', { results: [done(betaRunning)] })).to.deep.equal({ ok: true, verdicts: ['accepted'] });
    expect(await pullOne(b1)).to.deep.equal([betaQueued]);
    expect(await b1.call('results', { results: [done(betaQueued)] })).to.deep.equal({ ok: true, verdicts: ['accepted'] });
    steady.close();
    b1.close();

    const worker = new OasisWorker({ url: admin.url, app: 'alpha', token: tokens.alpha as string, pollMs: 100, logger: quietWorkerLogger });
    worker.handle('h', () => 'fine');
    await worker.start();
    try {
      const fresh = await trigger('shared');
      for (const id of [...protectedIds, fresh]) {
        await waitFor(async () => ((await api.call('GET', `/api/v1/logs/${id}`)).body as { status?: string } | null)?.status === 'SUCCESS', 30_000, `the final record of ${id}`);
      }
      const text = await api.ok<{ lines: string[] }>('GET', `/api/v1/logs/${steadyRunning}/text`);
      expect(text.lines).to.deep.equal(['after the fuzz']);
      // What fuzzers reported for the shared tasks they pulled is theirs to say, within reason:
      // every instant on record is one a Date can show.
      const { items } = await api.ok<{ items: { startedAt: number | null; finishedAt: number | null }[] }>('GET', '/api/v1/logs?app=alpha&limit=100');
      for (const item of items) {
        for (const at of [item.startedAt, item.finishedAt]) if (at !== null) expect(Number.isNaN(new Date(at).getTime()), JSON.stringify(item)).to.equal(false);
      }
    } finally {
      await worker.stop({ timeoutMs: 2000 });
    }
  });
});
