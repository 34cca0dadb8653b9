/**
 * What a Socket.IO socket has waiting to be written, so a consumer that stops reading is shed
 * instead of buffered for without bound.
 */
import type { Socket } from 'socket.io';

/** One engine.io packet as `packetCreate` gives it (`engine.io-parser`'s `Packet`). */
interface EnginePacket {
  data?: unknown;
}

/** The parts of engine.io's websocket transport this reads (its `socket` is the `ws` WebSocket). */
interface WsTransportView {
  socket?: { bufferedAmount?: unknown; terminate?: () => void };
}

/** Size of a packet's payload, in O(1): a string counts its length (UTF-16 units, ≈ bytes for the JSON we send). */
function packetSize(p: EnginePacket): number {
  const d = p.data;
  if (typeof d === 'string') return d.length;
  if (d instanceof ArrayBuffer || ArrayBuffer.isView(d)) return d.byteLength;
  return 0;
}

/** Bytes the `ws` WebSocket under `socket` holds (its sender's queue and the TCP socket's write buffer); 0 on other transports. */
function wsBuffered(conn: Socket['conn']): number {
  const amount = (conn.transport as unknown as WsTransportView).socket?.bufferedAmount;
  return typeof amount === 'number' ? amount : 0;
}

/** What {@link shedWhenBehind} saw when it shed a socket. */
export interface SendBacklog {
  /** Bytes waiting: engine.io's write buffer plus the websocket's. */
  bytes: number;
  /** Packets waiting in engine.io's write buffer (not yet handed to the transport). */
  packets: number;
}

/**
 * Ends `socket`'s connection as soon as more than `maxBytes` wait to be written to it, then
 * calls `onShed` once. What waits is counted in two places: packets engine.io holds in its
 * write buffer while the transport is still busy with the previous batch (their sizes are
 * added up as each is created and reset when the buffer is handed on, so each packet costs O(1)),
 * and the bytes the `ws` WebSocket holds (`bufferedAmount`: its sender's queue plus the TCP
 * socket's userland write buffer). The check runs when a packet is created, i.e. exactly when
 * the backlog grows, so a socket holds little more than `maxBytes` (plus what is emitted in the
 * same tick). The connection is
 * discarded and the websocket terminated (not closed with a handshake a stalled peer never
 * completes), so what it held is freed at once; the client sees a transport close and
 * reconnects. Returns a function that stops watching (call it when the socket disconnects).
 */
export function shedWhenBehind(socket: Pick<Socket, 'conn'>, maxBytes: number, onShed: (backlog: SendBacklog) => void): () => void {
  const conn = socket.conn;
  let queued = 0;
  let packets = 0;
  let shed = false;
  const onFlush = () => {
    queued = 0;
    packets = 0;
  };
  const onPacket = (p: EnginePacket) => {
    if (shed) return;
    queued += packetSize(p);
    packets++;
    const bytes = queued + wsBuffered(conn);
    if (bytes <= maxBytes) return;
    shed = true;
    stop();
    // Not inside the emit that created the packet (a broadcast may be walking its sockets).
    setImmediate(() => {
      const ws = (conn.transport as unknown as WsTransportView).socket;
      conn.close(true);
      ws?.terminate?.();
      onShed({ bytes, packets });
    });
  };
  const stop = () => {
    conn.off('packetCreate', onPacket);
    conn.off('flush', onFlush);
  };
  conn.on('packetCreate', onPacket);
  conn.on('flush', onFlush);
  return stop;
}
