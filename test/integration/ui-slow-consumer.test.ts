import { setImmediate as tick } from 'node:timers/promises';
import { expect } from 'chai';
import type { Socket as ClientSocket } from 'socket.io-client';
import type { Server } from 'socket.io';
import { UI_NAMESPACE } from '@oasis/worker-client/contracts';
import { Effect } from '../../server/src/events/effects-bus.js';
import { createIoServer } from '../../server/src/realtime/io-server.js';
import { UiGateway } from '../../server/src/realtime/ui-gateway.js';
import { createAdminStack, TEST_ADMIN_PASSWORD, type AdminStack } from '../helpers/admin-stack.js';
import { signIn } from '../helpers/api-client.js';
import { recordingLogger } from '../helpers/loggers.js';
import { connected, disconnected, UiSockets } from '../helpers/ui-socket.js';

const MAX_BUFFER = 256 * 1024;
/** One live log batch: 64 lines of 250 characters, about 16 KiB of JSON. */
const LINES = Array.from({ length: 64 }, (_, i) => `${String(i).padStart(4, '0')} ${'y'.repeat(245)}`);
const BATCH_BYTES = LINES.reduce((n, l) => n + l.length + 3, 0);
/** What is produced in all: far more than the kernel's socket buffers hold on loopback, so the admin's own buffers must fill. */
const TOTAL_BYTES = 48 * 1024 * 1024;

/** What the admin holds for a `/ui` socket, read from engine.io's internals (the test's measure, not the gateway's). */
function heldBytes(io: Server, id: string): number {
  const s = io.of(UI_NAMESPACE).sockets.get(id);
  if (!s) return 0;
  const conn = s.conn as unknown as { writeBuffer: { data?: unknown }[]; transport: { socket?: { bufferedAmount?: number } } };
  let n = conn.transport.socket?.bufferedAmount ?? 0;
  for (const p of conn.writeBuffer) n += typeof p.data === 'string' ? p.data.length : 0;
  return n;
}

/** The `ws` WebSocket under a socket.io-client socket (Node's engine.io-client transport). */
function rawWs(s: ClientSocket): { pause(): void; resume(): void } {
  return (s.io.engine.transport as unknown as { ws: { pause(): void; resume(): void } }).ws;
}

/**
 * The gateway as main.ts builds it, on an admin stack (real Redis, MariaDB, Socket.IO server and
 * clients); live log batches are published on the stack's effects bus as the worker gateway does.
 */
describe('realtime: /ui sheds a slow consumer instead of buffering for it', function () {
  this.timeout(120_000);
  const sockets = new UiSockets();
  let stack: AdminStack;
  let io: Server;
  let gateway: UiGateway;
  let logger: ReturnType<typeof recordingLogger>;
  let taskId: string;
  let token: string;

  before(async () => {
    stack = await createAdminStack({ OASIS_UI_MAX_BUFFER_BYTES: String(MAX_BUFFER) });
    logger = recordingLogger(['warn', 'error']);
    io = createIoServer(stack.server, stack.redis.connect(), stack.redis.connect());
    // As main.ts builds it, with the admin's setting.
    gateway = new UiGateway({ io, services: stack.services, effects: stack.effects, logger, maxBufferBytes: stack.config.uiMaxBufferBytes });
    const api = await stack.signIn();
    await api.ok('POST', '/api/v1/apps', { name: 'busy' });
    await stack.onlineWorker('busy');
    const job = await api.ok<{ id: number }>('POST', '/api/v1/jobs', { app: 'busy', name: 'chatty', handler: 'h', schedule: { type: 'NONE' } });
    taskId = (await api.ok<{ taskId: string }>('POST', `/api/v1/jobs/${job.id}/trigger`, {})).taskId;
    token = (await signIn(stack.baseUrl, 'admin', TEST_ADMIN_PASSWORD)).token;
  });
  afterEach(() => sockets.closeAll());
  after(async () => {
    gateway?.close();
    if (io) await new Promise<void>((res) => io.close(() => res()));
    await stack?.close();
  });

  const watcher = async (): Promise<ClientSocket> => {
    const s = sockets.open(stack.baseUrl, { token });
    await connected(s);
    expect(await s.timeout(5000).emitWithAck('subscribe-log', { taskId })).to.deep.equal({ ok: true });
    return s;
  };

  it(`a socket that stops reading is disconnected past OASIS_UI_MAX_BUFFER_BYTES; a reading one gets every line; the admin holds little`, async () => {
    const normal = await watcher();
    const slow = await watcher();
    let received = 0;
    normal.on('log', (m: { lines: string[] }) => (received += m.lines.length));
    rawWs(slow).pause();
    const slowId = slow.id!;
    const slowGone = disconnected(slow, 60_000);

    let peakHeld = 0;
    let shedAfter = -1;
    const batches = Math.ceil(TOTAL_BYTES / BATCH_BYTES);
    for (let seq = 0; seq < batches; seq++) {
      stack.effects.publish(Effect.LOGGED, { app: 'busy', msg: { taskId, seq: seq * LINES.length, lines: LINES } });
      if (seq % 8 === 0) {
        peakHeld = Math.max(peakHeld, heldBytes(io, slowId));
        if (shedAfter < 0 && !io.of(UI_NAMESPACE).sockets.has(slowId)) shedAfter = seq * BATCH_BYTES;
        // Let the reading socket read (and the admin write) as a steady producer would; on a busy
        // machine (the suite's two tiers side by side) wait until it has caught up, so only the
        // paused socket falls behind.
        await tick();
        for (let i = 0; i < 200 && heldBytes(io, normal.id!) > MAX_BUFFER / 2; i++) await new Promise((r) => setTimeout(r, 5));
      }
    }
    expect(shedAfter, 'the slow socket was shed').to.be.greaterThan(0);
    // At most the limit plus what is emitted before the shed takes effect (8 batches here between
    // yields). Without the shedding it held ~46 MB of the 48 MB here (seen with the limit at 1 GiB).
    expect(peakHeld, 'bytes the admin held for the slow socket').to.be.at.most(MAX_BUFFER + 9 * BATCH_BYTES);
    const warns = logger.lines.filter((l) => l.msg.includes('slow consumer'));
    expect(warns).to.have.length(1);
    expect(warns[0]!.obj).to.include({ username: 'admin', maxBytes: MAX_BUFFER });
    expect(warns[0]!.obj['bytes']).to.be.greaterThan(MAX_BUFFER);

    // The reading socket stayed and got every line.
    const want = batches * LINES.length;
    for (let i = 0; i < 600 && received < want; i++) await new Promise((r) => setTimeout(r, 50));
    expect(received).to.equal(want);
    expect(normal.connected).to.equal(true);

    // The slow client, once it reads again, finds its connection closed (the dashboard then reconnects).
    rawWs(slow).resume();
    expect(await slowGone).to.match(/^transport (close|error)$/);
    const again = await watcher();
    expect(again.connected).to.equal(true);
  });
});
