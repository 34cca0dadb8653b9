/**
 * The two Socket.IO channels and the protocol version, as plain constants (no zod): a client
 * that only needs to open a channel takes nothing else.
 */

/** Socket.IO namespace workers connect to. */
export const WORKER_NAMESPACE = '/worker';

/** Protocol version of `/worker`, negotiated in the handshake; the admin refuses versions it does not speak. */
export const PROTOCOL_VERSION = 1;

/** Namespace of the dashboard's live channel. */
export const UI_NAMESPACE = '/ui';
