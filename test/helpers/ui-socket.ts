import { io as connect, type Socket } from 'socket.io-client';

/** How a test socket on `/ui` authenticates: a token in `auth`, a cookie (with an `Origin`), or a raw `auth` value. */
export interface UiSocketOptions {
  token?: string;
  cookie?: string;
  origin?: string;
  /** Sent as the handshake's `auth` as is (overrides `token`), for malformed handshakes. */
  auth?: Record<string, unknown>;
}

/**
 * Real socket.io-client sockets on an admin's `/ui` (websocket only, no automatic reconnection,
 * so a server-side disconnect stays visible); `closeAll()` disconnects every socket opened here.
 */
export class UiSockets {
  private readonly sockets: Socket[] = [];

  open(baseUrl: string, opts: UiSocketOptions = {}): Socket {
    const auth = opts.auth ?? (opts.token ? { token: opts.token } : undefined);
    const s = connect(`${baseUrl}/ui`, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      ...(auth && { auth }),
      extraHeaders: { ...(opts.cookie && { cookie: opts.cookie }), ...(opts.origin !== undefined && { origin: opts.origin }) },
    });
    this.sockets.push(s);
    return s;
  }

  closeAll(): void {
    for (const s of this.sockets.splice(0)) s.disconnect();
  }
}

/** Resolves once `s` is connected; rejects with its `connect_error`. */
export function connected(s: Socket): Promise<void> {
  if (s.connected) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    s.once('connect', () => resolve());
    s.once('connect_error', (e) => reject(e));
  });
}

/** Resolves with the `connect_error` of `s`; rejects when it connects instead. */
export function refused(s: Socket): Promise<Error> {
  return connected(s).then(
    () => Promise.reject(new Error('the handshake was accepted')),
    (e: Error) => e,
  );
}

/** Resolves with the reason of the next disconnect of `s`; rejects after `ms`. */
export function disconnected(s: Socket, ms = 8000): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`still connected after ${ms} ms`)), ms);
    s.once('disconnect', (reason) => {
      clearTimeout(timer);
      resolve(reason);
    });
  });
}

/** Resolves with the first event `name` whose payload passes `test`; rejects after `ms`. */
export function nextEvent<T>(s: Socket, name: string, test: (msg: T) => boolean, ms = 8000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      s.off(name, on);
      reject(new Error(`no matching "${name}" within ${ms} ms`));
    }, ms);
    const on = (msg: T) => {
      if (!test(msg)) return;
      clearTimeout(timer);
      s.off(name, on);
      resolve(msg);
    };
    s.on(name, on);
  });
}

