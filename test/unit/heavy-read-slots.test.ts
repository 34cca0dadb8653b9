import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import express from 'express';
import { heavyReadSlots } from '../../server/src/api/heavy-reads.js';
import { errorHandler } from '../../server/src/api/errors.js';
import { silentLogger } from '../../server/src/domain/logger.js';

describe('api: heavy reads run at most N at once per admin (OASIS_API_HEAVY_CONCURRENCY)', () => {
  let server: Server;
  let url: string;
  let running = 0;
  let most = 0;
  const holds: (() => void)[] = [];

  before(async () => {
    const app = express();
    app.use(heavyReadSlots(2));
    app.get(['/logs', '/workers', '/logs/:id', '/logs/:id/text'], (_req, res) => {
      running++;
      most = Math.max(most, running);
      holds.push(() => {
        running--;
        res.json({ ok: true });
      });
    });
    app.use(errorHandler(silentLogger));
    server = createServer(app).listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());

  const settle = () => new Promise((r) => setTimeout(r, 50));

  it('runs two, queues the rest in order, leaves other routes alone, refuses past the queue bound', async () => {
    const first = Array.from({ length: 5 }, () => fetch(`${url}/logs`));
    await settle();
    expect(running, 'two run').to.equal(2);
    // A route that is not a heavy read does not wait.
    const light = fetch(`${url}/workers`);
    await settle();
    expect(running).to.equal(3);
    // Nor does one log by id; a log's text does.
    const one = fetch(`${url}/logs/1-A`);
    const text = fetch(`${url}/logs/1-A/text`);
    await settle();
    expect(running, 'the one by id runs, the text waits').to.equal(4);
    // Fill the queue (2 × 64 waiting: 3 already wait), then one more is refused at once.
    const queued = Array.from({ length: 124 }, () => fetch(`${url}/logs`));
    await settle();
    const refused = await fetch(`${url}/logs`);
    expect(refused.status).to.equal(429);
    expect(refused.headers.get('retry-after')).to.equal('1');
    expect(((await refused.json()) as { code: string }).code).to.equal('OASIS_ERR_RATE_LIMITED');
    // Release everything: each release lets the next in, never more than two heavy ones at once.
    while (holds.length > 0 || running > 0) {
      holds.shift()?.();
      await new Promise((r) => setTimeout(r, 5));
    }
    const statuses = (await Promise.all([...first, light, one, text, ...queued])).map((r) => r.status);
    expect(statuses.every((s) => s === 200)).to.equal(true);
    expect(most, 'two heavy reads at once, plus the two light ones').to.equal(4);
  });
});
