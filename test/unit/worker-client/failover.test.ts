/**
 * Failover of the SDK against real Socket.IO servers playing the admin: an admin that stops
 * answering (its sockets stay open, acks are withheld, Engine.IO pings still answered — so only
 * the SDK's own answer timeouts can notice) is given up after two unanswered heartbeats or
 * pulls; the worker moves to the next URL round-robin (the admin left is tried last), keeps its
 * running task and reports the result to the new admin. One URL (a load balancer): a new socket
 * to the same URL. A connect attempt that never gets a welcome takes `connectTimeoutMs`. A late
 * answer caused by the worker's own blocked event loop is not a miss.
 */
import { createServer, type Server, type Socket as NetSocket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { OasisWorker, type WorkerOptions } from '@oasis/worker-client';
import { FakeAdmin, makeTask } from '../../helpers/fake-admin.js';
import { quietWorkerLogger } from '../../helpers/loggers.js';
import { sleep, waitFor } from '../../helpers/wait.js';

/** Blocks this thread's event loop for `ms` (a CPU-bound handler). */
function blockFor(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    /* busy */
  }
}

describe('worker-client: failover when an admin stops answering', function () {
  this.timeout(20_000);
  const admins: FakeAdmin[] = [];
  let worker: OasisWorker | undefined;
  let tcp: Server | undefined;
  const held: NetSocket[] = [];

  afterEach(async () => {
    await worker?.stop({ timeoutMs: 0 });
    worker = undefined;
    for (const a of admins.splice(0)) await a.close();
    for (const s of held.splice(0)) s.destroy();
    await new Promise<void>((r) => (tcp ? tcp.close(() => r()) : r()));
    tcp = undefined;
  });

  async function newAdmin(): Promise<FakeAdmin> {
    const a = await FakeAdmin.start({ heartbeatMs: 200 });
    admins.push(a);
    return a;
  }

  function newWorker(over: Partial<WorkerOptions>): OasisWorker {
    worker = new OasisWorker({
      app: 'demo',
      token: 'secret',
      workerId: 'w-failover',
      pollMs: 100,
      answerTimeoutMs: 400,
      connectTimeoutMs: 500,
      reconnectMinMs: 20,
      reconnectMaxMs: 100,
      livenessThread: false,
      logger: quietWorkerLogger,
      ...over,
    });
    return worker;
  }

  it('gives up a silent admin and moves to the next URL; the running task goes on and its result is accepted there', async () => {
    const [first, second, third] = [await newAdmin(), await newAdmin(), await newAdmin()];
    const w = newWorker({ urls: [first.url, second.url, third.url] });
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    w.handle('slow', () => gate.then(() => 'finished after the move'));
    const disconnects: string[] = [];
    w.on('disconnected', (reason) => disconnects.push(reason));
    const slow = makeTask('slow');
    first.enqueue(slow);
    await w.start();
    await waitFor(() => w.activeTasks === 1, 2000, 'the slow task to run', 5);

    first.silent = true;
    await waitFor(() => second.sockets.length === 1 && w.connected, 5000, 'the worker on the second admin', 10);
    expect(disconnects).to.have.length(1);
    expect(disconnects[0]).to.include('did not answer 2 requests');
    expect(first.sockets.length, 'the silent admin was left').to.equal(0);
    expect(w.activeTasks, 'the task kept running').to.equal(1);

    release();
    await waitFor(() => second.accepted.has(slow.id), 3000, 'the result accepted by the second admin', 10);
    expect(second.accepted.get(slow.id)?.output).to.equal('finished after the move');
    expect(first.accepted.size).to.equal(0);

    // Round-robin: the next to go silent sends the worker to the third, not back to the first.
    second.silent = true;
    await waitFor(() => third.sockets.length === 1 && w.connected, 5000, 'the worker on the third admin', 10);
    expect(first.handshakes, 'the first admin is tried last').to.have.length(1);
  });

  it('with one URL (a load balancer), opens a new socket to it and works again once it answers', async () => {
    const only = await newAdmin();
    const w = newWorker({ url: only.url });
    w.handle('quick', () => 'quick');
    await w.start();
    only.silent = true;
    await waitFor(() => only.handshakes.length >= 2, 5000, 'a new socket to the same URL', 10);
    only.silent = false;
    const t = makeTask('quick');
    only.enqueue(t);
    await waitFor(() => only.accepted.has(t.id), 5000, 'a task run over the new socket', 10);
  });

  it('a connect attempt that gets no welcome takes connectTimeoutMs, then the next URL', async () => {
    // Accepts TCP connections and never answers: a frozen process, as the kernel sees it.
    tcp = createServer((s) => held.push(s));
    await new Promise<void>((r) => tcp?.listen(0, '127.0.0.1', () => r()));
    const frozen = `http://127.0.0.1:${(tcp.address() as AddressInfo).port}`;
    const healthy = await newAdmin();
    const w = newWorker({ urls: [frozen, healthy.url], ackTimeoutMs: 30_000 });
    w.handle('quick', () => 'quick');
    const errors: string[] = [];
    w.on('error', (e) => errors.push(e.message));
    const started = await Promise.race([w.start().then(() => true), sleep(5000).then(() => false)]);
    expect(started, 'welcomed by the healthy admin within 5 s').to.equal(true);
    expect(errors.some((m) => m.includes(frozen))).to.equal(true);
    expect(healthy.handshakes).to.have.length(1);
  });

  it('does not count an answer delayed by its own blocked event loop as a miss', async () => {
    const [first, second] = [await newAdmin(), await newAdmin()];
    const w = newWorker({ urls: [first.url, second.url] });
    w.handle('busy', () => {
      blockFor(1500);
      return 'done';
    });
    const disconnects: string[] = [];
    w.on('disconnected', (reason) => disconnects.push(reason));
    await w.start();
    const t = makeTask('busy');
    first.enqueue(t);
    await waitFor(() => first.accepted.has(t.id), 5000, 'the busy task accepted', 10);
    // Heartbeats and pulls in flight during the block got their answers after it: no move.
    await waitFor(() => first.heartbeats.length >= 3, 3000, 'heartbeats answered after the block', 10);
    expect(disconnects).to.deep.equal([]);
    expect(second.handshakes).to.have.length(0);
  });
});
