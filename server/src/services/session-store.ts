/**
 * Where API sessions live, keyed by the SHA-256 hex of the bearer token (never the token itself).
 * Values are opaque strings (the auth service stores the user as JSON). Implemented on Redis by
 * `store/redis/session-store.ts` (`RedisSessionStore`), so every admin sees every session.
 */
export interface SessionStore {
  /** Stores `value` under `tokenHash` for `ttlMs` milliseconds. */
  set(tokenHash: string, value: string, ttlMs: number): Promise<void>;
  /** The value, or null when missing or expired. */
  get(tokenHash: string): Promise<string | null>;
  delete(tokenHash: string): Promise<void>;
  /** The users' change counter, shared by every admin (see {@link bumpUsersVersion}). */
  usersVersion(): Promise<string>;
  /** Bumps the users' change counter: called after every change of a user, so no admin goes on using a row read before it. */
  bumpUsersVersion(): Promise<void>;
}
