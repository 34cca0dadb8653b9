import type { Server as HttpServer } from 'node:http';
import { createAdapter, createShardedAdapter } from '@socket.io/redis-adapter';
import { isCluster, type RedisClient } from '../store/redis/connection.js';
import { Server } from 'socket.io';

/**
 * The admin's Socket.IO server on the HTTP server. With several admins the Redis adapter shares
 * rooms, so a `wake` emitted by any admin reaches workers connected to any other. `keyPrefix`
 * (the admins' OASIS_REDIS_PREFIX) names the adapter's pub/sub channels (`<prefix>socket.io#…`):
 * clusters on one Redis under different prefixes share no room (without it, a dashboard of one
 * saw the other's tasks, and a kill reached a same-named worker of the other). Default: the
 * adapter's own `socket.io`.
 *
 * On a Redis Cluster the sharded adapter is used (Redis 7 SPUBLISH/SSUBSCRIBE, one channel per
 * room: a room's messages go through the node of its channel's slot only, instead of classic
 * pub/sub, which every node of a cluster relays to every other).
 */
export function createIoServer(http: HttpServer, pub: RedisClient, sub: RedisClient, keyPrefix = ''): Server {
  return new Server(http, {
    adapter:
      isCluster(pub)
        ? createShardedAdapter(pub, sub, { channelPrefix: `${keyPrefix}socket.io`, subscriptionMode: 'dynamic' })
        : createAdapter(pub, sub, { key: `${keyPrefix}socket.io` }),
    maxHttpBufferSize: 4 * 1024 * 1024,
    pingInterval: 10_000,
    pingTimeout: 10_000,
    serveClient: false,
    cors: { origin: false },
  });
}

/** The code a namespace this admin does not serve answers a handshake with (`connect_error`). */
export const NOT_SERVED_CODE = 'OASIS_ERR_UNAVAILABLE';

/**
 * Makes `namespace` refuse every connection, before any other middleware of it runs: an admin
 * without the role that serves it (OASIS_ROLES) still emits to its rooms (the Redis adapter
 * carries the emits to the admins that hold the sockets), but holds no socket of it. The client
 * sees a `connect_error` whose message is `OASIS_ERR_UNAVAILABLE: <why>` and whose `data` is
 * `{code: 'OASIS_ERR_UNAVAILABLE', message: <why>}`; a worker SDK takes it as a failed connection
 * and tries its next admin URL. Call it before the namespace's gateway is built.
 */
export function refuseConnections(io: Server, namespace: string, why: string): void {
  io.of(namespace).use((_socket, next) => {
    next(Object.assign(new Error(`${NOT_SERVED_CODE}: ${why}`), { data: { code: NOT_SERVED_CODE, message: why } }));
  });
}
