import type { Server as HttpServer } from 'node:http';
import { createAdapter } from '@socket.io/redis-adapter';
import type { RedisClient } from '../store/redis/connection.js';
import { Server } from 'socket.io';

/**
 * The admin's Socket.IO server on the HTTP server. With several admins the Redis adapter shares
 * rooms, so a `wake` emitted by any admin reaches workers connected to any other. `keyPrefix`
 * (the admins' OASIS_REDIS_PREFIX) names the adapter's pub/sub channels (`<prefix>socket.io#…`):
 * clusters on one Redis under different prefixes share no room (without it, a dashboard of one
 * saw the other's tasks, and a kill reached a same-named worker of the other). Default: the
 * adapter's own `socket.io`.
 *
 * The same classic adapter on a Redis Cluster (its pub/sub is relayed by every node). Not the
 * sharded one (SPUBLISH, a channel per room): it delivers even to this admin's own sockets only
 * after the publish's round trip, so emits reach local sockets late and in bursts — a dashboard
 * reading at full speed was shed as a slow consumer by a burst of 17 log batches
 * (`test/integration/ui-slow-consumer.test.ts` on the cluster tier), and every wake of a local
 * worker would wait a Redis round trip.
 */
export function createIoServer(http: HttpServer, pub: RedisClient, sub: RedisClient, keyPrefix = ''): Server {
  return new Server(http, {
    adapter: createAdapter(pub, sub, { key: `${keyPrefix}socket.io` }),
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
