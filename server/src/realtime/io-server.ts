import type { Server as HttpServer } from 'node:http';
import { createAdapter } from '@socket.io/redis-adapter';
import type { Redis } from 'ioredis';
import { Server } from 'socket.io';

/**
 * The admin's Socket.IO server on the HTTP server. With several admins the Redis adapter shares
 * rooms, so a `wake` emitted by any admin reaches workers connected to any other. `keyPrefix`
 * (the admins' OASIS_REDIS_PREFIX) names the adapter's pub/sub channels (`<prefix>socket.io#…`):
 * clusters on one Redis under different prefixes share no room (without it, a dashboard of one
 * saw the other's tasks, and a kill reached a same-named worker of the other). Default: the
 * adapter's own `socket.io`.
 */
export function createIoServer(http: HttpServer, pub: Redis, sub: Redis, keyPrefix = ''): Server {
  return new Server(http, {
    adapter: createAdapter(pub, sub, { key: `${keyPrefix}socket.io` }),
    maxHttpBufferSize: 4 * 1024 * 1024,
    pingInterval: 10_000,
    pingTimeout: 10_000,
    serveClient: false,
    cors: { origin: false },
  });
}
