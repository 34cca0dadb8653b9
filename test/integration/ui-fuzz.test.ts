import { expect } from 'chai';
import type { Socket } from 'socket.io-client';
import { OasisWorker } from '@oasis/worker-client';
import { ErrorCatalogue } from '../../server/src/domain/errors.js';
import type { RunningAdmin } from '../../server/src/main.js';
import { signIn, type ApiClient } from '../helpers/api-client.js';
import { fuzzObject, fuzzString, fuzzValue, HOSTILE_STRINGS, int, pick, seededRng, withOwnKeys, type Rng } from '../helpers/fuzz-values.js';
import { startInProcessAdmin, type InProcessAdmin } from '../helpers/in-process-admin.js';
import { TEST_ADMIN_PASSWORD as PASSWORD } from '../helpers/stores.js';
import { connected, nextEvent, refused, UiSockets } from '../helpers/ui-socket.js';
/** Fixed, so a failure replays; printed with every failure. */
const SEED = 0x5eed_0009;
const MESSAGES = 400;
const HANDSHAKES = 40;
/** Messages in flight at once on the fuzzed socket. */
const BURST = 8;
/** What the server may push to a dashboard. */
const SERVER_EVENTS = new Set(['tasks', 'workers', 'log']);
/** Names the fuzzer sends besides the two real requests: the server's own events, prototype names, look-alikes. */
const ODD_EVENTS = [
  'tasks',
  'workers',
  'log',
  'ui-watch',
  'error',
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'subscribe-log ',
  'SUBSCRIBE-LOG',
  'subscribe_log',
  '',
  '🙂',
  'x'.repeat(2000),
] as const;

/** Why `r` is not an ack of the documented shape (`{ok:true}` or `{ok:false, code, message}`), or null. */
function ackProblem(r: unknown): string | null {
  if (!r || typeof r !== 'object' || Array.isArray(r)) return `not an object: ${String(r)}`;
  const o = r as Record<string, unknown>;
  const keys = Object.keys(o).sort().join(',');
  if (o['ok'] === true && keys === 'ok') return null;
  const code = o['code'];
  if (o['ok'] !== false || keys !== 'code,message,ok') return `wrong keys: ${JSON.stringify(r).slice(0, 200)}`;
  if (typeof code !== 'string' || !Object.hasOwn(ErrorCatalogue, code)) return `unknown code: ${String(code)}`;
  if (code === 'OASIS_ERR_INTERNAL') return 'an internal error for client input';
  if (typeof o['message'] !== 'string' || o['message'] === '') return 'no message';
  return null;
}

/** The engine.io socket under a socket.io-client socket, to write packets by hand. */
interface RawEngine {
  send(msg: string): void;
  on(event: 'packet', fn: (p: { type: string; data?: unknown }) => void): void;
}

/** A header value Node will send (printable ASCII). */
const headerSafe = (s: string) => s.replace(/[^\x20-\x7e]/g, '').slice(0, 4000);

describe('realtime: /ui fuzzer (seeded, bounded; real admin, worker and sockets)', function () {
  this.timeout(180_000);
  let world: InProcessAdmin;
  let admin: RunningAdmin;
  let api: ApiClient;
  let worker: OasisWorker;
  const sockets = new UiSockets();
  let release: () => void = () => undefined;
  let alphaTask = '';
  let betaTask = '';
  let adminToken = '';
  let vera: { token: string; cookie: string };

  before(async function () {
    world = await startInProcessAdmin({ env: { OASIS_HEARTBEAT_MS: '300' } });
    ({ admin, api } = world);
    adminToken = (await signIn(admin.url, 'admin', PASSWORD)).token;
    const { token } = await api.ok<{ token: string }>('POST', '/api/v1/apps', { name: 'alpha' });
    await api.ok('POST', '/api/v1/apps', { name: 'beta' });
    await api.ok('POST', '/api/v1/users', { username: 'vera', password: 'vera-pass-1234', role: 'VIEWER', apps: ['beta'] });
    vera = await signIn(admin.url, 'vera', 'vera-pass-1234');

    // alpha is busy the whole time: a running task that logs, and quick tasks: things that could leak.
    worker = new OasisWorker({ url: admin.url, app: 'alpha', token, concurrency: 4 });
    worker.handle('chatty', async (ctx) => {
      let stop = false;
      release = () => (stop = true);
      for (let i = 0; !stop && i < 1200; i++) {
        ctx.log(`alpha secret line ${i}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      return 'done';
    });
    worker.handle('quick', async () => 'alpha secret result');
    await worker.start();
    const chatty = await api.ok<{ id: number }>('POST', '/api/v1/jobs', { app: 'alpha', name: 'chatty', handler: 'chatty', schedule: { type: 'NONE' } });
    alphaTask = (await api.ok<{ taskId: string }>('POST', `/api/v1/jobs/${chatty.id}/trigger`, {})).taskId;
    // No beta worker: the beta task ends NO_WORKER, a record vera may read.
    const b = await api.ok<{ id: number }>('POST', '/api/v1/jobs', { app: 'beta', name: 'b', handler: 'h', schedule: { type: 'NONE' } });
    betaTask = (await api.ok<{ taskId: string }>('POST', `/api/v1/jobs/${b.id}/trigger`, {})).taskId;
  });
  after(async function () {
    sockets.closeAll();
    release();
    await worker?.stop({ timeoutMs: 2000 }).catch(() => undefined);
    await world?.close();
  });

  /** Arguments of one fuzzed message: usually a `{taskId}`-like object, else anything. */
  function fuzzArgs(rng: Rng): unknown[] {
    const taskIdValue = () =>
      pick(rng, [alphaTask, alphaTask, betaTask, `${alphaTask} `, alphaTask.toUpperCase(), ...HOSTILE_STRINGS, fuzzString(rng), fuzzValue(rng, 2)]);
    const one = () =>
      pick(rng, [
        () => ({ taskId: taskIdValue() }),
        () => ({ taskId: taskIdValue(), extra: fuzzValue(rng, 2) }),
        () => withOwnKeys([['__proto__', { taskId: alphaTask, ok: true }], ['taskId', taskIdValue()]]),
        () => withOwnKeys([['constructor', { prototype: { polluted: true } }]]),
        () => fuzzObject(rng, 3),
        () => fuzzValue(rng, 4),
        () => Buffer.from(fuzzString(rng)),
      ])();
    const n = pick(rng, [0, 1, 1, 1, 1, 2, 3]);
    return Array.from({ length: n }, one);
  }

  it(`answers ${MESSAGES} hostile messages in the documented shape, leaks nothing and keeps serving (seed ${SEED})`, async function () {
    const rng = seededRng(SEED);
    // The admin follows alpha's log, so its lines are being published to the log room right now.
    const adminSocket = sockets.open(admin.url, { token: adminToken });
    await connected(adminSocket);
    expect(await adminSocket.timeout(5000).emitWithAck('subscribe-log', { taskId: alphaTask })).to.deep.equal({ ok: true });
    const alphaSeen = { tasks: 0, log: 0 };
    adminSocket.on('tasks', (m: { app: string }) => m.app === 'alpha' && alphaSeen.tasks++);
    adminSocket.on('log', (m: { taskId: string }) => m.taskId === alphaTask && alphaSeen.log++);

    const s: Socket = sockets.open(admin.url, { token: vera.token });
    const received: { event: string; msg: unknown }[] = [];
    s.onAny((event: string, msg: unknown) => received.push({ event, msg }));
    let disconnects = 0;
    s.on('disconnect', () => disconnects++);
    await connected(s);

    const quick = await api.ok<{ id: number }>('POST', '/api/v1/jobs', { app: 'alpha', name: 'quick', handler: 'quick', schedule: { type: 'NONE' } });
    const problems: string[] = [];
    let acked = 0;
    let accepted = 0;
    // Stops early once the answer is clear (a broken admin would otherwise cost a timeout per message).
    for (let i = 0; i < MESSAGES && problems.length < 20; i += BURST) {
      // Keep alpha changing while vera's socket is hammered.
      if (i % (BURST * 5) === 0) await api.ok('POST', `/api/v1/jobs/${quick.id}/trigger`, {});
      await Promise.all(
        Array.from({ length: Math.min(BURST, MESSAGES - i) }, async (_, k) => {
          const at = i + k;
          const event = rng() < 0.6 ? pick(rng, ['subscribe-log', 'subscribe-log', 'unsubscribe-log'] as const) : pick(rng, ODD_EVENTS);
          const args = fuzzArgs(rng);
          const label = `#${at} ${JSON.stringify(event).slice(0, 30)}(${JSON.stringify(args).slice(0, 120)})`;
          if (rng() < 0.25) {
            s.emit(event, ...args); // no ack asked: nothing to answer, nothing may break
            return;
          }
          try {
            const ack: unknown = await s.timeout(3000).emitWithAck(event, ...args);
            acked++;
            const problem = ackProblem(ack);
            if (problem) problems.push(`${label}: ${problem}`);
            if ((ack as { ok?: unknown }).ok === true) {
              accepted++;
              const first = args[0] as { taskId?: unknown } | undefined;
              // The only task vera may follow is beta's, asked for exactly.
              if (event !== 'unsubscribe-log' && !(args.length === 1 && first?.taskId === betaTask && Object.keys(first).length === 1)) {
                problems.push(`${label}: accepted`);
              }
            }
          } catch (err) {
            problems.push(`${label}: ${(err as Error).message}`);
          }
        }),
      );
    }
    await new Promise((r) => setTimeout(r, 1500)); // let pushes of the last triggers arrive

    expect(problems, `seed ${SEED}`).to.deep.equal([]);
    expect(acked).to.be.greaterThan(MESSAGES / 2);
    expect(accepted).to.be.greaterThan(0);
    expect(disconnects, 'the fuzzed socket stayed connected').to.equal(0);
    // Nothing of alpha reached vera, although alpha changed and logged the whole time.
    expect(alphaSeen.tasks).to.be.greaterThan(0);
    expect(alphaSeen.log).to.be.greaterThan(0);
    const leaks = received.filter(({ event, msg }) => {
      const m = msg as { app?: unknown; taskId?: unknown };
      return !SERVER_EVENTS.has(event) || (event === 'log' ? m.taskId !== betaTask : m.app !== 'beta');
    });
    expect(leaks.map((l) => `${l.event} ${JSON.stringify(l.msg).slice(0, 100)}`)).to.deep.equal([]);
    expect(({} as Record<string, unknown>)['polluted'], 'no prototype pollution').to.equal(undefined);

    // Still serving: REST, a fresh dashboard of vera, and the admin's live log.
    expect((await fetch(`${admin.url}/healthz`)).status).to.equal(200);
    const fresh = sockets.open(admin.url, { token: vera.token });
    await connected(fresh);
    expect(await fresh.timeout(5000).emitWithAck('subscribe-log', { taskId: betaTask })).to.deep.equal({ ok: true });
    expect(await fresh.timeout(5000).emitWithAck('subscribe-log', { taskId: alphaTask })).to.include({ ok: false, code: 'OASIS_ERR_NOT_FOUND' });
    await nextEvent(adminSocket, 'log', (m: { taskId: string }) => m.taskId === alphaTask);
  });

  it('answers raw packets no client library would send (100,000-deep payloads, odd ack ids); broken framing ends only that socket', async function () {
    const raw = sockets.open(admin.url, { token: vera.token });
    await connected(raw);
    // Socket.IO packets written straight to the engine (which prefixes 4, message): "2/ui,<ackId>[event, ...args]" (2 event, 3 ack).
    const engine = (raw.io as unknown as { engine: RawEngine }).engine;
    const replies = new Map<number, unknown>();
    engine.on('packet', (p) => {
      const m = p.type === 'message' && typeof p.data === 'string' ? /^3\/ui,(\d+)(\[.*)$/s.exec(p.data) : null;
      if (m) replies.set(Number(m[1]), (JSON.parse(m[2]!) as unknown[])[0]);
    });
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const deepObject = `${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}`;
    const packets: [number, string][] = [
      [900, `["subscribe-log",${deep}]`],
      [901, `["subscribe-log",{"taskId":${deep}}]`],
      [902, `["unsubscribe-log",${deepObject}]`],
      [903, `["no-such-event",${deep}]`],
      [904, `["subscribe-log",{"__proto__":{"taskId":"${alphaTask}"}}]`],
      [905, `["subscribe-log",{"taskId":"${alphaTask}","taskId":"${betaTask}","__proto__":null}]`],
      [4294967295, `["subscribe-log",{"taskId":"${alphaTask}"}]`],
    ];
    for (const [id, body] of packets) engine.send(`2/ui,${id}${body}`);
    const deadline = Date.now() + 5000;
    while (replies.size < packets.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const problems = packets.map(([id]) => [id, replies.has(id) ? ackProblem(replies.get(id)) : 'no answer'] as const).filter(([, p]) => p);
    expect(problems).to.deep.equal([]);
    expect(packets.map(([id]) => (replies.get(id) as { ok: boolean }).ok)).to.deep.equal(packets.map(() => false));
    expect(raw.connected).to.equal(true);

    // Framing the parser cannot read: the admin closes that connection and nothing else.
    const bystander = sockets.open(admin.url, { token: vera.token });
    await connected(bystander);
    const gone = new Promise<string>((resolve) => raw.once('disconnect', resolve));
    engine.send('2/ui,["subscribe-log",{');
    expect(await gone).to.be.a('string');
    expect(bystander.connected).to.equal(true);
    expect(await bystander.timeout(5000).emitWithAck('subscribe-log', { taskId: betaTask })).to.deep.equal({ ok: true });
  });

  it(`refuses ${HANDSHAKES} malformed handshakes cleanly (seed ${SEED + 1})`, async function () {
    const rng = seededRng(SEED + 1);
    const wellShaped = () => Array.from({ length: 43 }, () => pick(rng, [...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-'])).join('');
    const problems: string[] = [];
    for (let i = 0; i < HANDSHAKES; i++) {
      const kind = pick(rng, ['auth', 'cookie', 'origin'] as const);
      const opts =
        kind === 'auth'
          ? { auth: withOwnKeys([['token', pick(rng, [wellShaped(), fuzzValue(rng, 3), 'x'.repeat(int(rng, 44, 100_000)), ...HOSTILE_STRINGS])]]) }
          : kind === 'cookie'
            ? { cookie: headerSafe(pick(rng, [`oasis_session=${wellShaped()}`, 'oasis_session=%E0%A4%A', `oasis_session=${fuzzString(rng)}`, `a=b; oasis_session=; oasis_session=${wellShaped()}`, '=;=;;'])) }
            : { cookie: `oasis_session=${vera.token}`, origin: headerSafe(pick(rng, ['::::', 'http://[', 'null', 'http://evil.example', fuzzString(rng), `${admin.url}@evil.example`, '//'])) || '::::' };
      const err = await refused(sockets.open(admin.url, opts)).catch((e: Error) => e);
      if (err.message !== 'OASIS_ERR_UNAUTHORIZED' && err.message !== 'OASIS_ERR_FORBIDDEN') {
        problems.push(`#${i} ${kind} ${JSON.stringify(opts).slice(0, 160)}: ${err.message}`);
      }
    }
    expect(problems, `seed ${SEED + 1}`).to.deep.equal([]);
    await connected(sockets.open(admin.url, { token: vera.token }));
  });
});
