/**
 * A TCP proxy on 127.0.0.1 that holds every chunk for `delayMs` in each direction before passing
 * it on, in order: a slow network between an admin and its Redis, set and changed mid-test.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface DelayProxy {
  port: number;
  /** One-way delay (ms) of chunks sent from now on. */
  delayMs: number;
  close(): Promise<void>;
}

/** Starts a proxy to `target` with `delayMs` each way. */
export async function startDelayProxy(target: { host: string; port: number }, delayMs: number): Promise<DelayProxy> {
  const sockets = new Set<Socket>();
  const proxy: DelayProxy = { port: 0, delayMs, close: () => Promise.resolve() };
  // Chunks keep their order: each leaves at max(its time + delay, the previous one's).
  const pipe = (from: Socket, to: Socket) => {
    let last = 0;
    from.on('data', (chunk) => {
      const at = Math.max(Date.now() + proxy.delayMs, last);
      last = at;
      setTimeout(() => to.destroyed || to.write(chunk), at - Date.now());
    });
    from.on('close', () => setTimeout(() => to.destroy(), proxy.delayMs));
    from.on('error', () => to.destroy());
  };
  const server: Server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    }
    pipe(client, upstream);
    pipe(upstream, client);
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  proxy.port = (server.address() as AddressInfo).port;
  proxy.close = () =>
    new Promise<void>((res) => {
      for (const s of sockets) s.destroy();
      server.close(() => res());
    });
  return proxy;
}
