import type { RedisClient } from './connection.js';
import RedlockModule from 'redlock';
import type { default as RedlockClass, Lock } from '../../../../node_modules/redlock/dist/index.js';

const Redlock = RedlockModule as typeof RedlockClass;

/**
 * Leadership for periodic maintenance: one admin at a time holds a Redlock lock and extends it
 * while it lives; when it dies the lock expires and another admin takes over.
 */
export class LeaderLock {
  private readonly redlock: RedlockClass;
  private lock: Lock | null = null;

  constructor(
    redis: RedisClient,
    private readonly resource: string,
    private readonly ttlMs: number,
  ) {
    this.redlock = new Redlock([redis], { retryCount: 0 });
    this.redlock.on('error', () => {
      // A refused acquisition is normal for followers; real failures surface through holdOrAcquire.
    });
  }

  /** True when this process leads after the call (acquired now or extended). */
  async holdOrAcquire(): Promise<boolean> {
    try {
      this.lock = this.lock ? await this.lock.extend(this.ttlMs) : await this.redlock.acquire([this.resource], this.ttlMs);
      return true;
    } catch {
      this.lock = null;
      return false;
    }
  }

  async release(): Promise<void> {
    const l = this.lock;
    this.lock = null;
    if (l) await l.release().catch(() => undefined);
  }
}
