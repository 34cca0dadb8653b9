import type { Server as HttpServer } from 'node:http';
import { createAdapter } from '@socket.io/redis-adapter';
import type { Redis } from 'ioredis';
import { Server } from 'socket.io';

/**
 * The admin's Socket.IO server on the HTTP server. With several admins the Redis adapter shares
 * rooms, so a `wake` emitted by any admin reaches workers connected to any other.
 */
export function createIoServer(http: HttpServer, pub: Redis, sub: Redis): Server {
  return new Server(http, {
    adapter: createAdapter(pub, sub),
    maxHttpBufferSize: 4 * 1024 * 1024,
    pingInterval: 10_000,
    pingTimeout: 10_000,
    serveClient: false,
    cors: { origin: false },
  });
}
