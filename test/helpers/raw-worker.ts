/**
 * A worker spoken by hand over a real socket.io-client: no SDK, so a test decides every message
 * (when to pull, what to report, malformed input) and sees every ack as the admin sent it.
 */
import { io as connect, type Socket } from 'socket.io-client';
import { PROTOCOL_VERSION, WORKER_NAMESPACE } from '@oasis/worker-client/protocol';

/**
 * Settings of an admin that raw workers talk to: they send no heartbeats and no acks, so they, the
 * leases of their tasks and their deliveries must stay alive for the whole test file.
 */
export const RAW_WORKER_ENV: Readonly<Record<string, string>> = Object.freeze({
  OASIS_WORKER_TTL_MS: '600000',
  OASIS_TASK_LEASE_MS: '600000',
  OASIS_DELIVERY_ACK_MS: '600000',
});

/** A connected raw worker. */
export interface RawWorker {
  socket: Socket;
  workerId: string;
  /** Emits `event` and resolves with the admin's ack (rejects after `ms` without one). */
  call<T = Record<string, unknown>>(event: string, msg: unknown, ms?: number): Promise<T>;
  close(): void;
}

/** Handshake fields; `token`, `app` and `workerId` are required, the rest default. */
export interface RawHandshake {
  app: string;
  token: string;
  workerId: string;
  concurrency?: number;
  handlers?: string[];
}

/** Opens a `/worker` socket with any `auth` payload; the caller awaits {@link connected}. */
export function openWorkerSocket(baseUrl: string, auth: unknown): Socket {
  return connect(`${baseUrl}${WORKER_NAMESPACE}`, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    auth: auth as Record<string, unknown>,
  });
}

/** Resolves once the admin sent `welcome`; rejects with the handshake refusal. */
export function connected(socket: Socket, ms = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no welcome within ${ms} ms`)), ms);
    socket.once('welcome', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.once('connect_error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

/** Connects a worker with a valid handshake and waits for `welcome`. */
export async function rawWorker(baseUrl: string, h: RawHandshake): Promise<RawWorker> {
  const socket = openWorkerSocket(baseUrl, {
    app: h.app,
    token: h.token,
    workerId: h.workerId,
    concurrency: h.concurrency ?? 4,
    handlers: h.handlers ?? ['h'],
    protocol: PROTOCOL_VERSION,
  });
  try {
    await connected(socket);
  } catch (err) {
    socket.disconnect();
    throw err;
  }
  return {
    socket,
    workerId: h.workerId,
    call: <T>(event: string, msg: unknown, ms = 5000) => socket.timeout(ms).emitWithAck(event, msg) as Promise<T>,
    close: () => socket.disconnect(),
  };
}
