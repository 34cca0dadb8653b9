import { expect } from 'chai';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AlarmService } from '../../server/src/results/alarms/alarm-service.js';
import { postWebhook, type WebhookOptions } from '../../server/src/results/alarms/webhook-sender.js';
import { loadConfig } from '../../server/src/config/load.js';
import type { Logger } from '../../server/src/domain/logger.js';
import type { JobRecord } from '../../server/src/domain/types.js';
import type { WrittenRecord } from '../../server/src/results/final-writer.js';
import { OnceStore } from '../../server/src/store/redis/once-store.js';
import { recordingLogger } from '../helpers/loggers.js';
import { createTestRedis, type TestRedis } from '../helpers/redis.js';

/** A local receiver that counts every connection (not only complete requests): "nothing" means no TCP connection. */
interface Listener {
  server: Server;
  port: number;
  connections: number;
  hits: { path: string; delivery: string | undefined }[];
  close(): Promise<void>;
}

async function listen(host: string, port = 0, answer = (_path: string) => 200): Promise<Listener> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      l.hits.push({ path: req.url ?? '', delivery: req.headers['x-oasis-delivery'] as string | undefined });
      const status = answer(req.url ?? '');
      res.writeHead(status, status === 302 ? { location: `http://${host}:${l.port}/elsewhere` } : {}).end('');
    });
  });
  const l: Listener = {
    server,
    port: 0,
    connections: 0,
    hits: [],
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  server.on('connection', () => l.connections++);
  server.listen(port, host);
  await once(server, 'listening');
  l.port = (server.address() as AddressInfo).port;
  return l;
}

/** A resolver that answers `answers[i]` on its i-th call (the last one from then on), and counts its calls. */
function scriptedResolver(answers: string[][]): NonNullable<WebhookOptions['resolve']> & { calls: string[] } {
  const calls: string[] = [];
  const resolve = async (hostname: string) => {
    const addresses = answers[Math.min(calls.length, answers.length - 1)]!;
    calls.push(hostname);
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return Object.assign(resolve, { calls });
}

const REFUSED = /^webhook destination .+ is not allowed \((loopback|private|link-local|unique-local|unspecified)[a-z -]* address\); see OASIS_WEBHOOK_ALLOW$/;

describe('alarm webhooks: no request to loopback, private or link-local destinations unless allowed (SSRF)', function () {
  this.timeout(20_000);
  let target: Listener;
  const base: WebhookOptions = { timeoutMs: 2000, attempts: 3, retryMs: 10 };

  beforeEach(async () => {
    target = await listen('127.0.0.1');
  });
  afterEach(async () => {
    await target.close();
  });

  describe('denied by default: the local listener receives nothing and nothing is retried', () => {
    const urls: [string, (port: number) => string][] = [
      ['an IPv4 literal', (p) => `http://127.0.0.1:${p}/`],
      ['localhost', (p) => `http://localhost:${p}/`],
      ['a short hex IPv4 literal', (p) => `http://0x7f.1:${p}/`],
      ['an IPv4-mapped IPv6 literal', (p) => `http://[::ffff:127.0.0.1]:${p}/`],
      ['a decimal IPv4 literal', (p) => `http://2130706433:${p}/`],
      ['localhost in capitals', (p) => `http://LocalHost:${p}/`],
    ];
    for (const [what, url] of urls) {
      it(`${what}`, async () => {
        const res = await postWebhook(url(target.port), { a: 1 }, 'd-1', base);
        expect(res).to.include({ ok: false, tries: 1, refused: true });
        expect(res.error).to.match(REFUSED);
        expect(target.connections).to.equal(0);
      });
    }

    it('a host name that resolves to 127.0.0.1 (custom resolver), naming both in the error', async () => {
      const resolve = scriptedResolver([['127.0.0.1']]);
      const res = await postWebhook(`http://hooks.example.test:${target.port}/`, {}, 'd-2', { ...base, resolve });
      expect(res).to.include({ ok: false, tries: 1, refused: true });
      expect(res.error).to.equal('webhook destination hooks.example.test (127.0.0.1) is not allowed (loopback address); see OASIS_WEBHOOK_ALLOW');
      expect(resolve.calls).to.deep.equal(['hooks.example.test']);
      expect(target.connections).to.equal(0);
    });

    it('IPv6 loopback and the unspecified addresses (which connect to this machine)', async () => {
      // Other ranges (metadata, RFC 1918, unique-local) are in the unit table: a regression here
      // must not send test traffic off this machine.
      const p = target.port;
      for (const url of [`http://[::1]:${p}/`, `http://0.0.0.0:${p}/`, `https://[::]:${p}/`, `http://[::ffff:0.0.0.0]:${p}/`]) {
        const res = await postWebhook(url, {}, 'd-3', base);
        expect(res, url).to.include({ ok: false, tries: 1, refused: true });
        expect(res.error, url).to.match(REFUSED);
      }
      expect(target.connections).to.equal(0);
    });

    it('a name with a public and a private address is refused as a whole', async () => {
      // 127.0.0.2 (allowed below) stands in for a public address, so no test traffic leaves the machine.
      const resolve = scriptedResolver([['127.0.0.2', '127.0.0.1']]);
      const res = await postWebhook(`http://mixed.example.test:${target.port}/`, {}, 'd-4', { ...base, allow: ['127.0.0.2/32'], resolve });
      expect(res).to.include({ ok: false, tries: 1, refused: true });
      expect(res.error).to.include('mixed.example.test (127.0.0.1)');
      expect(target.connections).to.equal(0);
    });

    it('only http: and https: URLs', async () => {
      for (const url of ['ftp://example.com/', 'file:///etc/passwd', 'not a url']) {
        const res = await postWebhook(url, {}, 'd-5', base);
        expect(res, url).to.include({ ok: false, tries: 1, refused: true });
        expect(res.error, url).to.match(/^webhook URL /);
      }
    });
  });

  describe('allowed through OASIS_WEBHOOK_ALLOW', () => {
    it('a CIDR (127.0.0.0/8) opens the literal forms of 127.0.0.1', async () => {
      const { webhookAllow } = loadConfig({ OASIS_WEBHOOK_ALLOW: '127.0.0.0/8' });
      for (const url of [`http://127.0.0.1:${target.port}/a`, `http://0x7f.1:${target.port}/b`, `http://[::ffff:127.0.0.1]:${target.port}/c`]) {
        const res = await postWebhook(url, {}, 'd-6', { ...base, allow: webhookAllow });
        expect(res, url).to.deep.equal({ ok: true, tries: 1 });
      }
      expect(target.hits.map((h) => [h.path, h.delivery])).to.deep.equal([['/a', 'd-6'], ['/b', 'd-6'], ['/c', 'd-6']]);
    });

    it('a CIDR opens a host name whose addresses fall inside it', async () => {
      const resolve = scriptedResolver([['127.0.0.1']]);
      const res = await postWebhook(`http://hooks.example.test:${target.port}/n`, {}, 'd-7', { ...base, allow: ['127.0.0.1'], resolve });
      expect(res).to.deep.equal({ ok: true, tries: 1 });
      expect(target.hits.map((h) => h.path)).to.deep.equal(['/n']);
    });

    it('a host name (localhost) opens that host whatever it resolves to, and no other', async () => {
      const { webhookAllow } = loadConfig({ OASIS_WEBHOOK_ALLOW: 'localhost' });
      expect(await postWebhook(`http://localhost:${target.port}/h`, {}, 'd-8', { ...base, allow: webhookAllow })).to.deep.equal({ ok: true, tries: 1 });
      const other = await postWebhook(`http://127.0.0.1:${target.port}/literal`, {}, 'd-8', { ...base, allow: webhookAllow });
      expect(other).to.include({ ok: false, refused: true });
      expect(target.hits.map((h) => h.path)).to.deep.equal(['/h']);
    });
  });

  it('DNS rebinding: the address is checked when the connection is made, on every connection', async () => {
    // The name first answers an allowed address (127.0.0.2 stands in for a public one), then 127.0.0.1.
    // A check done apart from the connect would pass on the first answer and connect to the second.
    const allowed = await listen('127.0.0.2', target.port);
    try {
      const resolve = scriptedResolver([['127.0.0.2'], ['127.0.0.1']]);
      const opts = { ...base, allow: ['127.0.0.2/32'], resolve };
      const first = await postWebhook(`http://rebind.example.test:${target.port}/x`, {}, 'd-9', opts);
      expect(first).to.deep.equal({ ok: true, tries: 1 });
      expect(allowed.hits.map((h) => h.path)).to.deep.equal(['/x']);
      const second = await postWebhook(`http://rebind.example.test:${target.port}/x`, {}, 'd-10', opts);
      expect(second).to.include({ ok: false, tries: 1, refused: true });
      expect(second.error).to.include('rebind.example.test (127.0.0.1)');
      expect(resolve.calls).to.have.length(2); // one lookup per connection, no separate pre-check
      expect(target.connections).to.equal(0);
    } finally {
      await allowed.close();
    }
  });

  describe('delivery semantics are kept', () => {
    it('a redirect is not followed (and not retried)', async () => {
      const redirecting = await listen('127.0.0.1', 0, (path) => (path === '/elsewhere' ? 200 : 302));
      try {
        const res = await postWebhook(`http://127.0.0.1:${redirecting.port}/moved`, {}, 'd-11', { ...base, allow: ['127.0.0.1'] });
        expect(res).to.include({ ok: false, tries: 1 });
        expect(res.error).to.match(/^HTTP 302/);
        expect(redirecting.hits.map((h) => h.path)).to.deep.equal(['/moved']);
      } finally {
        await redirecting.close();
      }
    });

    it('a receiver that does not answer in time is retried, then fails with a time-out', async () => {
      const silent = createServer(() => undefined).listen(0, '127.0.0.1');
      await once(silent, 'listening');
      let seen = 0;
      silent.on('request', () => seen++);
      try {
        const slept: number[] = [];
        const res = await postWebhook(`http://127.0.0.1:${(silent.address() as AddressInfo).port}/`, {}, 'd-12', {
          timeoutMs: 150, attempts: 2, retryMs: 5, allow: ['127.0.0.1'], sleep: async (ms) => void slept.push(ms),
        });
        expect(res).to.include({ ok: false, tries: 2 });
        expect(res.error).to.match(/time/i);
        expect(seen).to.equal(2);
        expect(slept).to.deep.equal([5]);
      } finally {
        silent.closeAllConnections();
        silent.close();
      }
    });
  });

  describe('through the alarm service', () => {
    let r: TestRedis;
    beforeEach(() => {
      r = createTestRedis();
    });
    afterEach(async () => {
      await r.cleanup();
    });

    const job = (webhooks: string[]) => ({ id: 31, app: 'ssrf', name: 'j', handler: 'h', alarm: { emails: [], webhooks } }) as unknown as JobRecord;
    const failed = { id: '31-a', jobId: 31, status: 'FAILED', retryTaskId: '', attempt: 1, triggerType: 'CRON', scheduledAt: 1, startedAt: 2, finishedAt: 3, workerId: 'w', shardIndex: 0, shardTotal: 1, error: 'boom' } as unknown as WrittenRecord;
    const service = (webhooks: string[], logger: Logger, allow: readonly string[]) =>
      new AlarmService({ job: async () => job(webhooks), once: new OnceStore(r.redis, r.keys), email: null, delivery: { ...base, allow }, logger });

    it('a refused destination is a failed delivery logged once at warn, never at error', async () => {
      const logger = recordingLogger();
      const alarms = service([`http://127.0.0.1:${target.port}/alarm`], logger, loadConfig({}).webhookAllow);
      await alarms.onWritten('ssrf', [failed]);
      await alarms.idle();
      expect(target.connections).to.equal(0);
      expect(logger.lines.filter((l) => l.level === 'error')).to.deep.equal([]);
      const warns = logger.lines.filter((l) => l.level === 'warn');
      expect(warns).to.have.length(1);
      expect(warns[0]!.obj).to.deep.include({ url: `http://127.0.0.1:${target.port}/alarm`, taskId: '31-a', tries: 1 });
      expect(warns[0]!.obj.error).to.match(REFUSED);
    });

    it('delivers when the allow list opens the destination', async () => {
      const logger = recordingLogger();
      const alarms = service([`http://127.0.0.1:${target.port}/alarm`], logger, loadConfig({ OASIS_WEBHOOK_ALLOW: '127.0.0.0/8' }).webhookAllow);
      await alarms.onWritten('ssrf', [failed]);
      await alarms.idle();
      expect(target.hits.map((h) => h.path)).to.deep.equal(['/alarm']);
      expect(logger.lines.filter((l) => l.level === 'warn' || l.level === 'error')).to.deep.equal([]);
    });

    it('refuses a bad allow list when it is built (at start), naming the entry', () => {
      const logger = recordingLogger();
      expect(() => service([], logger, ['10.0.0.0/33'])).to.throw(/OASIS_WEBHOOK_ALLOW.*"10\.0\.0\.0\/33"/);
    });
  });
});
