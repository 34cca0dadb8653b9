/**
 * The cluster's one clock: the Redis server's. Every admin measures its offset to Redis `TIME`
 * (several samples, the one with the shortest round trip, its midpoint) against this process's
 * monotonic clock, re-measures every few seconds, and schedules, claims, commits and sweeps on
 * `monotonic + offset`. A wrong or stepped wall clock on the admin's machine changes nothing
 * (the wall clock is not read), and a drifting one only moves the next measurement.
 */
import { performance } from 'node:perf_hooks';
import type { ClockReading } from '../../domain/clock.js';
import { Cluster, type Redis } from 'ioredis';
import type { Logger } from '../../domain/logger.js';

export type { ClockReading };

/** What the clock needs of a Redis client (a connection of its own, so no queue delays `TIME`). */
export interface TimeSource {
  time(): Promise<(string | number)[]>;
}

/**
 * `TIME` of the admin's Redis. One server: the command itself. A cluster has a clock per node,
 * so every admin reads the same one: `TIME` run by a script naming `slotKey`, which routes it to
 * the node serving that key's slot (after a failover of that node, its successor's clock).
 */
export function timeSourceOf(c: Redis | Cluster, slotKey: string): TimeSource {
  if (!(c instanceof Cluster)) return c;
  return { time: async () => (await c.eval("return redis.call('TIME')", 1, slotKey)) as (string | number)[] };
}

export interface RedisClockOptions {
  /** Re-measure this often (OASIS_CLOCK_SYNC_MS). */
  syncMs: number;
  /** A measurement whose best round trip is longer is refused: its error could exceed half of it (OASIS_CLOCK_MAX_RTT_MS). */
  maxRttMs: number;
  /** Past this long without an accepted measurement the clock is not synced: the admin stops claiming and sweeping (OASIS_CLOCK_STALE_MS). */
  staleMs: number;
  /** A change of the measured offset larger than this is logged (OASIS_CLOCK_LOG_MS). */
  logChangeMs: number;
  /** `TIME` round trips per measurement; default 5. */
  samples?: number;
  logger: Logger;
}

const DEFAULT_SAMPLES = 5;
/** An offset this large at the first measurement is worth a warning of its own. */
const WARN_OFFSET_MS = 1000;

const round1 = (x: number) => Math.round(x * 10) / 10;

export class RedisClock {
  /** Redis ms minus `performance.now()` at the last accepted measurement. */
  private monoOffset: number | null = null;
  private wallOffset: number | null = null;
  private rtt: number | null = null;
  /** `performance.now()` of the last accepted measurement. */
  private measuredAt = -Infinity;
  private error: string | null = null;
  /** What the log last said of {@link synced}; null before anything was said. */
  private announced: boolean | null = null;
  private timer: NodeJS.Timeout | null = null;
  private measuring: Promise<void> | null = null;

  constructor(
    private readonly redis: TimeSource,
    private readonly opts: RedisClockOptions,
  ) {}

  /**
   * The cluster's time, epoch ms (whole). Before the first accepted measurement it is this
   * machine's wall clock, and {@link synced} is false: nothing that decides a fire acts on it.
   */
  readonly now = (): number => (this.monoOffset === null ? Date.now() : Math.floor(performance.now() + this.monoOffset));

  /** True while an accepted measurement is younger than `staleMs`. */
  readonly synced = (): boolean => this.monoOffset !== null && performance.now() - this.measuredAt <= this.opts.staleMs;

  reading(): ClockReading {
    return {
      synced: this.synced(),
      offsetMs: this.wallOffset === null ? null : Math.round(this.wallOffset),
      rttMs: this.rtt === null ? null : round1(this.rtt),
      ageMs: this.monoOffset === null ? null : Math.round(performance.now() - this.measuredAt),
      error: this.error,
    };
  }

  /** Measures once (awaited: the admin starts on a measured clock when Redis answers), then every `syncMs`. */
  async start(): Promise<void> {
    await this.measure();
    this.timer = setInterval(() => void this.measure(), this.opts.syncMs);
  }

  stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    return this.measuring ?? Promise.resolve();
  }

  /** One measurement; never throws (a failure is kept in {@link reading} and logged on the way into and out of it). */
  measure(): Promise<void> {
    this.measuring ??= this.sample()
      .then((m) => this.accept(m), (err: unknown) => this.refuse(`TIME failed: ${(err as Error).message}`))
      .then(() => this.announce())
      .finally(() => (this.measuring = null));
    return this.measuring;
  }

  private async sample(): Promise<{ mono: number; wall: number; rtt: number }> {
    let best: { mono: number; wall: number; rtt: number } | null = null;
    for (let i = 0; i < (this.opts.samples ?? DEFAULT_SAMPLES); i++) {
      const w0 = Date.now();
      const t0 = performance.now();
      const [s, us] = await this.redis.time();
      const t1 = performance.now();
      const redisMs = Number(s) * 1000 + Number(us) / 1000;
      const rtt = t1 - t0;
      if (!best || rtt < best.rtt) best = { mono: redisMs - (t0 + t1) / 2, wall: redisMs - (w0 + rtt / 2), rtt };
    }
    if (!best || !Number.isFinite(best.mono)) throw new Error('TIME answered no time');
    return best;
  }

  private accept(m: { mono: number; wall: number; rtt: number }): void {
    const { logger, maxRttMs, logChangeMs } = this.opts;
    if (m.rtt > maxRttMs) {
      this.refuse(`round trip ${round1(m.rtt)} ms is over OASIS_CLOCK_MAX_RTT_MS (${maxRttMs} ms)`);
      return;
    }
    const first = this.monoOffset === null;
    const wallChange = this.wallOffset === null ? 0 : m.wall - this.wallOffset;
    const clockChange = this.monoOffset === null ? 0 : m.mono - this.monoOffset;
    this.monoOffset = m.mono;
    this.wallOffset = m.wall;
    this.rtt = m.rtt;
    this.measuredAt = performance.now();
    this.error = null;
    const at = { offsetMs: Math.round(m.wall), rttMs: round1(m.rtt) };
    if (first) {
      if (Math.abs(m.wall) > WARN_OFFSET_MS) logger.warn(at, "clock: this machine's wall clock is off the Redis server's; fires follow Redis's");
      else logger.info(at, "clock: offset to the Redis server's clock measured");
    } else if (Math.abs(wallChange) > logChangeMs || Math.abs(clockChange) > logChangeMs) {
      // A wall step (NTP, resume) moves wallChange only; drift of the monotonic clock moves both.
      logger.warn({ ...at, changeMs: Math.round(wallChange), clockChangeMs: round1(clockChange) }, "clock: offset to the Redis server's clock changed");
    }
  }

  private refuse(why: string): void {
    this.error = why;
  }

  /** Logs each change of {@link synced}, once. */
  private announce(): void {
    const synced = this.synced();
    if (synced === this.announced) return;
    if (!synced) {
      this.opts.logger.error(
        { error: this.error, staleMs: this.opts.staleMs },
        this.monoOffset === null
          ? 'clock: the offset to the Redis server cannot be measured; not claiming fires until it is'
          : 'clock: the offset to the Redis server was not measured within OASIS_CLOCK_STALE_MS; not claiming fires until it is',
      );
    } else if (this.announced === false) {
      this.opts.logger.warn(this.reading(), 'clock: the offset to the Redis server is measured again; claiming fires again');
    }
    this.announced = synced;
  }
}
