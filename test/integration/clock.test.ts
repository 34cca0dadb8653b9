/**
 * The admin's clock (issue 12): measured against the Redis server's `TIME`, refused when the
 * round trip is too long to trust, and an admin whose clock cannot be measured claims no fires
 * (and says so in `/healthz`) until it can. The slow network is a real TCP proxy that delays
 * every chunk; the clocks are the machine's.
 */
import { expect } from 'chai';
import { Redis } from 'ioredis';
import { RedisClock } from '../../server/src/store/redis/redis-clock.js';
import { startDelayProxy, type DelayProxy } from '../helpers/delay-proxy.js';
import { startInProcessAdmin, type InProcessAdmin } from '../helpers/in-process-admin.js';
import { recordingLogger } from '../helpers/loggers.js';
import { TEST_REDIS_URL } from '../helpers/redis.js';
import { sleep, waitFor } from '../helpers/wait.js';

const target = (() => {
  const u = new URL(TEST_REDIS_URL);
  return { host: u.hostname, port: Number(u.port || 6379) };
})();

describe('clock: the Redis server’s time, measured', function () {
  this.timeout(60_000);
  let proxy: DelayProxy | null = null;
  const clients: Redis[] = [];
  const client = (port = target.port) => {
    const c = new Redis({ host: target.host, port, maxRetriesPerRequest: 2 });
    clients.push(c);
    return c;
  };
  const options = (logger = recordingLogger()) => ({ syncMs: 100, maxRttMs: 100, staleMs: 1000, logChangeMs: 25, logger });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.quit().catch(() => undefined)));
    await proxy?.close();
    proxy = null;
  });

  it('measures its offset to TIME on this machine as about 0, within half a short round trip', async () => {
    const logger = recordingLogger();
    const clock = new RedisClock(client(), options(logger));
    await clock.start();
    try {
      const r = clock.reading();
      expect(r.synced).to.equal(true);
      expect(r.error).to.equal(null);
      expect(r.rttMs).to.be.a('number').and.below(100);
      // Same machine, one kernel clock: only the measurement's error is left.
      expect(Math.abs(r.offsetMs as number)).to.be.at.most(Math.ceil((r.rttMs as number) / 2) + 2);
      const [s, us] = await clients[0]!.time();
      const redisMs = Number(s) * 1000 + Number(us) / 1000;
      expect(Math.abs(clock.now() - redisMs), 'now() against TIME').to.be.below(50);
      expect(logger.lines.some((l) => l.msg.includes('offset to the Redis server') && l.level === 'info')).to.equal(true);
    } finally {
      await clock.stop();
    }
  });

  it('refuses a measurement over a slow link, is not synced, logs it once, and is synced again once the link is fast', async () => {
    proxy = await startDelayProxy(target, 80);
    const logger = recordingLogger();
    const clock = new RedisClock(client(proxy.port), options(logger));
    await clock.start();
    try {
      const r = clock.reading();
      expect(r.synced, 'synced over a 160 ms round trip').to.equal(false);
      expect(r.offsetMs).to.equal(null);
      expect(r.error).to.match(/round trip .* over OASIS_CLOCK_MAX_RTT_MS/);
      // Until measured, now() is the machine's clock (and nothing that fires acts on it).
      expect(Math.abs(clock.now() - Date.now())).to.be.below(5);
      await sleep(600);
      const errors = logger.lines.filter((l) => l.level === 'error' && l.msg.includes('cannot be measured'));
      expect(errors.length, 'logged once').to.equal(1);

      proxy.delayMs = 0;
      await waitFor(() => clock.synced(), 5000, 'synced over the fast link');
      expect(clock.reading().error).to.equal(null);
      expect(logger.lines.some((l) => l.msg.includes('measured again'))).to.equal(true);

      // Slow again for longer than staleMs: the last good offset expires.
      proxy.delayMs = 80;
      await waitFor(() => !clock.synced(), 5000, 'not synced once the measurement is stale');
      // Said when the next measurement is refused too.
      await waitFor(() => logger.lines.some((l) => l.level === 'error' && l.msg.includes('not measured within OASIS_CLOCK_STALE_MS')), 5000, 'the stale clock logged');
    } finally {
      await clock.stop();
    }
  });
});

describe('clock: an admin whose clock cannot be measured claims nothing [own Redis]', function () {
  this.timeout(90_000);
  let proxy: DelayProxy;
  let s: InProcessAdmin;

  before(async () => {
    proxy = await startDelayProxy(target, 0);
    s = await startInProcessAdmin({
      env: {
        OASIS_REDIS_URL: `redis://127.0.0.1:${proxy.port}`,
        // A single server behind the proxy, also when the suite runs on a cluster.
        OASIS_REDIS_CLUSTER_NODES: '',
        OASIS_CLOCK_SYNC_MS: '200',
        OASIS_CLOCK_STALE_MS: '1000',
        OASIS_CLOCK_MAX_RTT_MS: '100',
      },
    });
  });
  after(async () => {
    proxy.delayMs = 0;
    await s?.close();
    await proxy?.close();
  });

  it('stops claiming fires and says degraded in /healthz while the offset is unmeasured, and fires again once it is measured', async () => {
    await s.api.ok('POST', '/api/v1/apps', { name: 'clk', title: 'clk' });
    const job = await s.api.ok<{ id: number }>('POST', '/api/v1/jobs', { app: 'clk', name: 'tick', handler: 'h', schedule: { type: 'CRON', cron: '* * * * * *' } });
    const next = async () => (await s.api.ok<{ nextFireAt: number | null }>('GET', `/api/v1/jobs/${job.id}`)).nextFireAt as number;
    const healthz = async () => (await fetch(`${s.admin.url}/healthz`)).json() as Promise<{ status: string; clock: { synced: boolean; error: string | null } }>;

    expect((await healthz()).status).to.equal('ok');
    const first = await next();
    await waitFor(async () => (await next()) > first, 5000, 'the job to fire');

    proxy.delayMs = 80;
    const h = await waitFor(async () => {
      const x = await healthz();
      return x.status === 'degraded' && x;
    }, 10_000, '/healthz degraded');
    expect(h.clock.synced).to.equal(false);
    expect(h.clock.error).to.match(/round trip/);
    // Give a claim under way time to end, then watch: no fire is claimed and committed.
    await sleep(1500);
    const held = await next();
    await sleep(3000);
    expect(await next(), 'next fire while the clock is unmeasured').to.equal(held);

    proxy.delayMs = 0;
    await waitFor(async () => (await healthz()).status === 'ok', 10_000, '/healthz ok again');
    await waitFor(async () => (await next()) > held, 10_000, 'the job to fire again');
  });
});
