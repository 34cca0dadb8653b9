/**
 * Windowed counters shared by every admin (the login rate limit). Implemented on Redis by
 * `store/redis/counter-store.ts` (`RedisCounterStore`).
 */
export interface CounterStore {
  /** Adds one; the window starts at the first hit. Returns the new count. */
  hit(name: string, windowMs: number): Promise<number>;
  /** The current count (0 when none or expired). */
  get(name: string): Promise<number>;
  reset(name: string): Promise<void>;
}
