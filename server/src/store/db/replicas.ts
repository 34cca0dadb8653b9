/**
 * Read replicas (`OASIS_DATABASE_REPLICA_URLS`): which query may be served by one, and what
 * happens when one stops answering.
 *
 * **Primary unless marked.** Sequelize's replication sends every plain SELECT to the read pool
 * by default. {@link routeReads} turns that around: a connection comes from the read pool only
 * for a query whose options carry {@link LAG_TOLERANT_READ}; every other query — writes, DDL and
 * `sync()`, transactions (their connection comes from the primary), and every read not marked —
 * runs on the primary. A read someone forgets to think about therefore reads the primary and can
 * never see stale data; only a read that was decided to tolerate lag (the API's lists, counts and
 * reports, see the repositories) goes to a replica.
 *
 * **Failover.** A marked read that fails because its replica cannot be reached (refused, lost,
 * no answer within `OASIS_DB_QUERY_TIMEOUT_MS`, no pool connection in time) runs again on the
 * primary, and the replicas count as down: marked reads go straight to the primary until every
 * replica answers a check on a connection of its own again (checked every second; logged once
 * when they go down and once when they are back). A marked read that fails because the replica
 * lacks what it reads (a table, column or index not replicated yet, a replica user without the
 * grant) runs again on the primary too, without marking the replica down. A read stopped by its
 * statement deadline (`OASIS_DB_READ_TIMEOUT_MS`) is the read's own cost: it is not run again
 * (it would cost the primary as much) and answers `OASIS_ERR_UNAVAILABLE` as on the primary.
 */
import mysql from 'mysql2/promise';
import type { Sequelize } from 'sequelize';
import type { Logger } from '../../domain/logger.js';
import { isConnectionError } from './guard.js';

/** Name of the query option {@link LAG_TOLERANT_READ} sets. */
const FLAG = 'oasisLagTolerant';

/**
 * Query option of a read that may be served by a read replica: spread it into the options of a
 * finder or of `sequelize.query`. Only for a read whose answer may be seconds old (a list, a
 * count, a report), never a read of something written just before by the same request or
 * process, nor a read a write or a decision depends on. Without replicas it changes nothing.
 */
export const LAG_TOLERANT_READ = { [FLAG]: true } as const;

/** Where replica reads stand: none configured, served by the replicas, or sent to the primary. */
export const REPLICA_STATES = { none: 'none', up: 'up', down: 'down' } as const;
export type ReplicaState = (typeof REPLICA_STATES)[keyof typeof REPLICA_STATES];

/** A replica server, as {@link ReplicaHealth} connects to it for a check. */
export interface ReplicaTarget {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

/** How often replicas that are down are checked again. */
const RECHECK_MS = 1000;
/** At most one warning per this long about a replica lacking what a read needs. */
const MISS_LOG_MS = 60_000;

/**
 * MySQL / MariaDB errors of a replica that lacks what a read needs: no such table (1146),
 * column (1054), index (1176), database (1049), or no grant (1044, 1142, 1143).
 */
const REPLICA_MISS_ERRNO = new Set([1146, 1054, 1176, 1049, 1044, 1142, 1143]);

function errnoOf(err: unknown): number | undefined {
  const e = err as { parent?: { errno?: unknown }; errno?: unknown } | null;
  const n = e?.parent?.errno ?? e?.errno;
  return typeof n === 'number' ? n : undefined;
}

/** True for an error of a replica that lacks a table, column, index or grant a read needs. */
export function isReplicaMiss(err: unknown): boolean {
  const n = errnoOf(err);
  return n !== undefined && REPLICA_MISS_ERRNO.has(n);
}

/** True when `target` accepts a connection and answers `SELECT 1` within `ms`. */
async function answers(target: ReplicaTarget, ms: number): Promise<boolean> {
  let conn: mysql.Connection | undefined;
  let late = false;
  const attempt = (async () => {
    const c = await mysql.createConnection({ ...target, connectTimeout: ms });
    c.on('error', () => undefined);
    conn = c;
    if (late) return false;
    await c.query('SELECT 1');
    return true;
  })().catch(() => false);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([attempt, deadline]);
  } finally {
    late = true;
    clearTimeout(timer);
    conn?.destroy();
    // A connection made after the deadline is closed as soon as it is there.
    void attempt.then(() => conn?.destroy());
  }
}

/** Whether the replicas serve reads; see the file comment. One per open database with replicas. */
export class ReplicaHealth {
  private down = false;
  private checking: Promise<boolean> | null = null;
  private recheck: NodeJS.Timeout | null = null;
  private closed = false;
  private lastMissLog = 0;

  constructor(
    private readonly targets: readonly ReplicaTarget[],
    private readonly opts: { checkTimeoutMs: number; logger?: Logger },
  ) {}

  /** `up` while marked reads go to the replicas, `down` while they go to the primary. */
  get state(): ReplicaState {
    return this.down ? REPLICA_STATES.down : REPLICA_STATES.up;
  }

  /** A marked read failed on a replica that cannot be reached: replicas down until a check passes. */
  failed(err: unknown): void {
    if (!this.down) this.setDown(true, err);
    else this.scheduleRecheck();
  }

  /** A marked read found the replica without what it needs (it ran again on the primary). */
  missed(err: unknown): void {
    const now = Date.now();
    if (now - this.lastMissLog < MISS_LOG_MS) return;
    this.lastMissLog = now;
    this.opts.logger?.warn({ err: (err as Error).message, errno: errnoOf(err) }, 'database replica lacks a table, column, index or grant a read needs: that read ran on the primary');
  }

  /** Checks every replica on a connection of its own (one check at a time); true when all answered. */
  check(): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    this.checking ??= Promise.all(this.targets.map((t) => answers(t, this.opts.checkTimeoutMs))).then((all) => {
      this.checking = null;
      const ok = all.every(Boolean);
      this.setDown(!ok);
      return ok;
    });
    return this.checking;
  }

  close(): void {
    this.closed = true;
    if (this.recheck) clearTimeout(this.recheck);
    this.recheck = null;
  }

  private setDown(down: boolean, err?: unknown): void {
    if (down !== this.down) {
      this.down = down;
      const replicas = this.targets.map((t) => `${t.host}:${t.port}`);
      if (down) {
        this.opts.logger?.warn(
          { replicas, ...(err !== undefined && { err: (err as Error).message }) },
          'database replica not answering: lag-tolerant reads go to the primary until every replica answers again',
        );
      } else {
        this.opts.logger?.info({ replicas }, 'database replicas answering again: lag-tolerant reads go to them');
      }
    }
    this.scheduleRecheck();
  }

  private scheduleRecheck(): void {
    if (!this.down || this.recheck || this.closed) return;
    this.recheck = setTimeout(() => {
      this.recheck = null;
      void this.check();
    }, RECHECK_MS);
    this.recheck.unref();
  }
}

/** Options Sequelize hands its connection manager when a query or transaction takes a connection. */
interface AcquireOptions {
  type?: string;
  useMaster?: boolean;
  [FLAG]?: boolean;
}

/** Options of `sequelize.query` as far as routing looks at them. */
interface QueryOptions {
  transaction?: unknown;
  [FLAG]?: boolean;
}

/**
 * Puts the routing of the file comment on `sequelize` (opened with `replication`): the primary
 * for every connection not asked for by a {@link LAG_TOLERANT_READ}, failover of marked reads.
 * Call before `guardQueries` (the guard then puts its deadlines and its 503 answers around the
 * whole read, failover included) and before the first query.
 */
export function routeReads(sequelize: Sequelize, health: ReplicaHealth): void {
  const manager = sequelize.connectionManager as unknown as { getConnection(o?: AcquireOptions): Promise<unknown> };
  const acquire = manager.getConnection.bind(manager);
  // The one place a read-pool connection is handed out: only to a marked read.
  manager.getConnection = (o: AcquireOptions = {}) => acquire(o[FLAG] === true ? o : { ...o, useMaster: true });

  const run = sequelize.query.bind(sequelize) as (sql: unknown, options?: QueryOptions) => Promise<unknown>;
  const onPrimary = (options: QueryOptions): QueryOptions => ({ ...options, [FLAG]: false });
  const routed = async (sql: unknown, options?: QueryOptions): Promise<unknown> => {
    // Unmarked, or in a transaction (its connection is the primary's): nothing to decide.
    if (options?.[FLAG] !== true || options.transaction) return run(sql, options);
    if (health.state === REPLICA_STATES.down) return run(sql, onPrimary(options));
    try {
      return await run(sql, options);
    } catch (err) {
      if (isConnectionError(err)) health.failed(err);
      else if (isReplicaMiss(err)) health.missed(err);
      else throw err;
      return run(sql, onPrimary(options));
    }
  };
  (sequelize as unknown as { query: typeof routed }).query = routed;
}
