/**
 * The liveness thread's entry (run by `node:worker_threads`, started by {@link LivenessBeacon} in
 * `liveness.ts`). It keeps a second `/worker` connection of role `liveness` to the admin the
 * main thread uses and sends the usual `heartbeat` every heartbeat interval in which the main
 * thread's own heartbeat was not answered (a healthy worker heartbeats once per interval), with
 * the task ids and free slots the main thread last posted. Its own event loop does not wait for handlers: a
 * handler that blocks the main thread for minutes does not stop the heartbeats, so the admin
 * renews the worker's leases and does not take it for dead.
 *
 * It follows the main connection (`follow` moves it to the main thread's admin) but fails over
 * by itself too, like any {@link AdminConnection}, should its admin stop answering while the
 * main thread is blocked.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { AdminConnection } from './connection.js';
import { WorkerRole, type WorkerHandshake } from './contracts/worker.js';
import { resolveOptions } from './options.js';

/** What the main thread hands the thread at start (plain data: the options that matter here). */
export interface LivenessThreadData {
  urls: readonly string[];
  /** The handshake of the liveness connection, `role` aside. */
  handshake: Omit<WorkerHandshake, 'role'>;
  answerTimeoutMs: number;
  connectTimeoutMs: number;
  ackTimeoutMs: number;
  reconnectMinMs: number;
  reconnectMaxMs: number;
}

/** Messages from the main thread. */
export type ToLivenessThread =
  /** The tasks held now (running or waiting) and the free slots the worker reports. */
  | { type: 'tasks'; running: string[]; free: number }
  /**
   * Tasks taken (held from now on) or ended (no longer held) since: the changes, not the whole
   * list. `ackWithinMs` on `held`: they started unacknowledged; unless `acked` follows within that
   * time (the main thread may be blocked by a handler), the thread heartbeats them at once, which
   * acknowledges them, so the admin does not put them back in a queue and run them elsewhere.
   */
  | { type: 'held' | 'ended'; ids: string[]; free: number; ackWithinMs?: number }
  /** The admin answered the main thread's ack of these tasks. */
  | { type: 'acked'; ids: string[] }
  /** The main connection is on `url` (an admin that accepts liveness connections): heartbeat there. */
  | { type: 'follow'; url: string; heartbeatMs: number }
  /** The main connection's admin accepts no liveness connection: close ours until the next `follow`. */
  | { type: 'pause' }
  /** The main connection's heartbeat was just answered: this interval's is done. */
  | { type: 'beaten' }
  | { type: 'stop' };

/** Messages to the main thread: the thread's diagnostics, for the worker's logger. */
export interface FromLivenessThread {
  type: 'log';
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
}

const port = parentPort;
if (port === null) throw new Error('liveness-thread.ts runs as a worker thread, started by the SDK');
const data = workerData as LivenessThreadData;
const log = (level: FromLivenessThread['level'], message: string): void => port.postMessage({ type: 'log', level, message } satisfies FromLivenessThread);
const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

const options = resolveOptions({
  urls: data.urls,
  app: data.handshake.app,
  token: data.handshake.token,
  workerId: data.handshake.workerId,
  concurrency: data.handshake.concurrency,
  answerTimeoutMs: data.answerTimeoutMs,
  connectTimeoutMs: data.connectTimeoutMs,
  ackTimeoutMs: data.ackTimeoutMs,
  reconnectMinMs: data.reconnectMinMs,
  reconnectMaxMs: data.reconnectMaxMs,
  livenessThread: false,
  logger: { debug: (m: string) => log('debug', m), info: (m: string) => log('info', m), warn: (m: string) => log('warn', m), error: (m: string) => log('error', m) },
});
const connection = new AdminConnection(options, () => ({ ...data.handshake, role: WorkerRole.LIVENESS }));

let running = new Set<string>();
/** Started tasks whose ack the main thread has not confirmed yet, and when they must be acknowledged. */
const unconfirmed = new Set<string>();
let confirmTimer: NodeJS.Timeout | undefined;

/** The main thread did not confirm the ack in time: a heartbeat naming the tasks acknowledges them. */
function confirm(): void {
  confirmTimer = undefined;
  if (unconfirmed.size === 0) return;
  if (inFlight || !connection.ready) {
    confirmTimer = setTimeout(confirm, 100);
    return;
  }
  unconfirmed.clear();
  beat(true);
}
let free = 0;
let heartbeatTimer: NodeJS.Timeout | undefined;
let inFlight = false;
/** When the main thread last said its heartbeat was answered (0: never). */
let mainBeatAt = 0;
let heartbeatMs = 1000;

/** Heartbeats unless the main thread's own one was answered within the last interval (`always`: anyway). */
function beat(always = false): void {
  if (inFlight || !connection.ready || (!always && Date.now() - mainBeatAt < heartbeatMs)) return;
  inFlight = true;
  connection
    .heartbeat({ running: [...running], free })
    .catch((err: unknown) => log('debug', `liveness heartbeat failed: ${messageOf(err)}`))
    .finally(() => {
      inFlight = false;
    });
}

connection.on('ready', (_welcome, url) => {
  log('debug', `liveness connection on ${url}`);
  beat(true);
});
connection.on('lost', (reason) => log('debug', `liveness connection lost (${reason}); reconnecting`));
connection.on('failed', (err) => log('debug', `liveness connection failed: ${err.message}`));
connection.on('drain', () => connection.moveOn('the admin asked to drain'));

port.on('message', (msg: ToLivenessThread) => {
  switch (msg.type) {
    case 'tasks':
      running = new Set(msg.running);
      free = msg.free;
      break;
    case 'held':
      for (const id of msg.ids) running.add(id);
      free = msg.free;
      if (msg.ackWithinMs !== undefined) {
        for (const id of msg.ids) unconfirmed.add(id);
        confirmTimer ??= setTimeout(confirm, msg.ackWithinMs);
      }
      break;
    case 'acked':
      for (const id of msg.ids) unconfirmed.delete(id);
      break;
    case 'ended':
      for (const id of msg.ids) running.delete(id);
      free = msg.free;
      break;
    case 'beaten':
      mainBeatAt = Date.now();
      break;
    case 'follow':
      clearInterval(heartbeatTimer);
      heartbeatMs = msg.heartbeatMs;
      heartbeatTimer = setInterval(() => beat(), msg.heartbeatMs);
      connection.prefer(msg.url);
      break;
    case 'pause':
      clearInterval(heartbeatTimer);
      heartbeatTimer = undefined;
      connection.pause();
      break;
    case 'stop':
      clearInterval(heartbeatTimer);
      clearTimeout(confirmTimer);
      connection.close();
      port.close();
      break;
  }
});
