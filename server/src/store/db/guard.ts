/**
 * Keeps a hung or lost database from hanging the admin. Every query gets a deadline: past it its
 * connection is destroyed (a hung server never answers, and a connection left waiting would stay
 * out of the pool for good), and the caller gets `OASIS_ERR_UNAVAILABLE` (503). A timeout or a
 * lost connection makes the guard check the database on a connection of its own; while that
 * check fails the database counts as down: queries fail at once instead of waiting (the API
 * answers 503 at once, the pool is not filled with waiting requests), the check runs again every
 * second, and the log says so once when it goes down and once when it is back.
 */
import mysql from 'mysql2/promise';
import { ConnectionError, type Sequelize } from 'sequelize';
import { AppError } from '../../domain/errors.js';
import type { Logger } from '../../domain/logger.js';

/** Error codes of a connection that is gone or never answered (mysql2 / Node). */
const LOST = new Set(['PROTOCOL_CONNECTION_LOST', 'PROTOCOL_SEQUENCE_TIMEOUT', 'ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH']);
/** How often a database that is down is checked again. */
const RECHECK_MS = 1000;

/**
 * Query option of an expensive read (a list, a count, a report): spread it into the options of a
 * finder or of `sequelize.query`, and on MySQL / MariaDB the statement runs with the read
 * deadline (`OASIS_DB_READ_TIMEOUT_MS`) enforced by the server: `SET STATEMENT
 * max_statement_time=… FOR SELECT …` on MariaDB, the `MAX_EXECUTION_TIME` hint on MySQL. Past it
 * the server stops the statement and the caller gets `OASIS_ERR_UNAVAILABLE` (503); the
 * connection stays usable and the database does not count as down. SQLite: no deadline.
 */
export const EXPENSIVE_READ = { oasisExpensiveRead: true } as const;

/** Error codes of a statement the server stopped at its deadline (MariaDB max_statement_time, MySQL MAX_EXECUTION_TIME). */
const STATEMENT_TIMEOUT = new Set(['ER_STATEMENT_TIMEOUT', 'ER_QUERY_TIMEOUT']);
const STATEMENT_TIMEOUT_ERRNO = new Set([1969, 3024]);

/** True for an error of a statement stopped by its server-side deadline (see {@link EXPENSIVE_READ}). */
export function isStatementTimeout(err: unknown): boolean {
  const e = err as { parent?: { code?: unknown; errno?: unknown }; code?: unknown; errno?: unknown } | null;
  const code = e?.parent?.code ?? e?.code;
  const errno = e?.parent?.errno ?? e?.errno;
  return (typeof code === 'string' && STATEMENT_TIMEOUT.has(code)) || (typeof errno === 'number' && STATEMENT_TIMEOUT_ERRNO.has(errno));
}

/** Server flavour, for the form of the read deadline. */
export type MysqlFlavour = 'mariadb' | 'mysql';

/**
 * `sql` with the read deadline `ms` when it is a SELECT: `SET STATEMENT max_statement_time=<s> FOR
 * SELECT …` (MariaDB, seconds) or `SELECT /*+ MAX_EXECUTION_TIME(<ms>) *\/ …` (MySQL); any other
 * statement unchanged.
 */
export function withReadDeadline(sql: string, ms: number, flavour: MysqlFlavour): string {
  const m = /^\s*SELECT\b/i.exec(sql);
  if (!m) return sql;
  if (flavour === 'mariadb') return `SET STATEMENT max_statement_time=${(ms / 1000).toFixed(3)} FOR ${sql.slice(m.index)}`;
  return sql.replace(/^\s*SELECT\b/i, `SELECT /*+ MAX_EXECUTION_TIME(${Math.max(1, Math.round(ms))}) */`);
}

/** True for an error that says the database cannot be reached (not a query's own fault). */
export function isConnectionError(err: unknown): boolean {
  if (err instanceof ConnectionError) return true;
  const e = err as { parent?: { code?: unknown; fatal?: unknown }; code?: unknown } | null;
  const code = e?.parent?.code ?? e?.code;
  return (typeof code === 'string' && LOST.has(code)) || e?.parent?.fatal === true;
}

/** Where and how the guard checks the database on its own connection. */
export interface DbGuardOptions {
  /** Deadline of each query (ms): `OASIS_DB_QUERY_TIMEOUT_MS`. */
  queryTimeoutMs: number;
  /** Server-side deadline of an {@link EXPENSIVE_READ} (ms): `OASIS_DB_READ_TIMEOUT_MS`; none when unset. */
  readTimeoutMs?: number;
  /** Deadline of one health check (ms); default the smaller of 2 s and the query deadline. */
  checkTimeoutMs?: number;
  /** MySQL server of the check connection; none for SQLite (checked through Sequelize). */
  mysql?: { host: string; port: number; user: string; password: string; database: string };
  logger?: Logger;
}

/** See the file comment. One per open database; {@link guardOf} finds it from its Sequelize. */
export class DbGuard {
  private down = false;
  private conn: mysql.Connection | null = null;
  private checking: Promise<boolean> | null = null;
  private recheck: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly checkTimeoutMs: number;

  constructor(
    private readonly sequelize: Sequelize,
    private readonly opts: DbGuardOptions,
  ) {
    this.checkTimeoutMs = opts.checkTimeoutMs ?? Math.min(2000, opts.queryTimeoutMs);
    guards.set(sequelize, this);
  }

  /** True while the last check failed. */
  get isDown(): boolean {
    return this.down;
  }

  /** Throws `OASIS_ERR_UNAVAILABLE` at once while the database is down. */
  assertUp(): void {
    if (this.down) throw new AppError('OASIS_ERR_UNAVAILABLE', 'The database is not answering; retry later');
  }

  /**
   * What a failed query means to the caller: a connection error or a timeout becomes
   * `OASIS_ERR_UNAVAILABLE` (and starts a check); any other error is the query's own.
   */
  translate(err: unknown, timedOut: boolean): unknown {
    if (err instanceof AppError) return err;
    // The server stopped one expensive read: the database is fine, this read asked too much.
    if (isStatementTimeout(err)) {
      return new AppError('OASIS_ERR_UNAVAILABLE', `The read took longer than ${this.opts.readTimeoutMs ?? 0} ms (OASIS_DB_READ_TIMEOUT_MS); narrow the filter or retry later`);
    }
    if (!timedOut && !isConnectionError(err)) return err;
    void this.check();
    return new AppError(
      'OASIS_ERR_UNAVAILABLE',
      timedOut ? `The database did not answer within ${this.opts.queryTimeoutMs} ms` : 'The database cannot be reached; retry later',
    );
  }

  /** Checks the database on the guard's own connection (one check at a time); true when it answered. */
  check(): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    this.checking ??= this.checkOnce().then((ok) => {
      this.checking = null;
      this.setDown(!ok);
      return ok;
    });
    return this.checking;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.recheck) clearTimeout(this.recheck);
    this.recheck = null;
    this.conn?.destroy();
    this.conn = null;
  }

  private setDown(down: boolean): void {
    if (down !== this.down) {
      this.down = down;
      if (down) this.opts.logger?.warn({ checkTimeoutMs: this.checkTimeoutMs }, 'database not answering: queries fail at once (503) until it answers again');
      else this.opts.logger?.info({}, 'database answering again');
    }
    if (this.down && !this.recheck && !this.closed) {
      this.recheck = setTimeout(() => {
        this.recheck = null;
        void this.check();
      }, RECHECK_MS);
      this.recheck.unref();
    }
  }

  private async checkOnce(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), this.checkTimeoutMs);
    });
    const attempt = this.ping().then(
      () => true,
      () => false,
    );
    try {
      const ok = await Promise.race([attempt, deadline]);
      if (!ok) {
        // A connection that did not answer in time is not trusted again.
        this.conn?.destroy();
        this.conn = null;
      }
      return ok;
    } finally {
      clearTimeout(timer);
    }
  }

  private async ping(): Promise<void> {
    const target = this.opts.mysql;
    if (!target) {
      await this.sequelize.query('SELECT 1');
      return;
    }
    if (!this.conn) {
      const conn = await mysql.createConnection({ ...target, connectTimeout: this.checkTimeoutMs });
      conn.on('error', () => {
        if (this.conn === conn) this.conn = null;
      });
      if (this.closed) {
        conn.destroy();
        return;
      }
      this.conn = conn;
    }
    await this.conn.query('SELECT 1');
  }
}

const guards = new WeakMap<Sequelize, DbGuard>();

/** The guard of a database opened by `openDatabase`, if any. */
export function guardOf(sequelize: Sequelize): DbGuard | undefined {
  return guards.get(sequelize);
}

/** A query as Sequelize hands it to its `beforeQuery` / `afterQuery` hooks. */
interface HookedQuery {
  /** mysql2's connection: `destroy()` would drop its pending command silently; ending the socket fails it. */
  connection?: { stream?: { destroy(): void } };
}

/**
 * Puts `guard` on every query of `sequelize`: fail at once while down, a deadline per query (its
 * connection destroyed past it), connection errors and timeouts answered as
 * `OASIS_ERR_UNAVAILABLE`; with `read`, the server-side deadline on every {@link EXPENSIVE_READ}.
 * MySQL only (SQLite has no server to hang).
 */
export function guardQueries(sequelize: Sequelize, guard: DbGuard, timeoutMs: number, read?: { timeoutMs: number; flavour: MysqlFlavour }): void {
  const timers = new WeakMap<object, NodeJS.Timeout>();
  const timedOut = new WeakSet<object>();
  sequelize.addHook('beforeQuery', (_options: unknown, query: unknown) => {
    const q = query as HookedQuery;
    const conn = q.connection;
    if (!conn) return;
    timers.set(
      q,
      setTimeout(() => {
        timedOut.add(conn);
        // The socket closes under the waiting query: mysql2 fails it (PROTOCOL_CONNECTION_LOST)
        // and Sequelize's pool drops the connection instead of handing it out again.
        conn.stream?.destroy();
      }, timeoutMs),
    );
  });
  sequelize.addHook('afterQuery', (_options: unknown, query: unknown) => {
    const t = timers.get(query as object);
    if (t) clearTimeout(t);
  });
  const run = sequelize.query.bind(sequelize) as (...args: unknown[]) => Promise<unknown>;
  const guarded = async (...args: unknown[]): Promise<unknown> => {
    const options = args[1] as { transaction?: { connection?: { stream?: { destroyed?: boolean } } }; oasisExpensiveRead?: boolean } | undefined;
    if (read && options?.oasisExpensiveRead === true && typeof args[0] === 'string') args[0] = withReadDeadline(args[0], read.timeoutMs, read.flavour);
    // The server rolls back the transaction of a closed connection itself: a ROLLBACK sent on it
    // could only fail (and Sequelize would print a warning per transaction).
    if (typeof args[0] === 'string' && /^\s*ROLLBACK/i.test(args[0]) && options?.transaction?.connection?.stream?.destroyed) return [[], 0];
    guard.assertUp();
    try {
      return await run(...args);
    } catch (err) {
      const conn = options?.transaction?.connection;
      throw guard.translate(err, conn !== undefined && timedOut.has(conn));
    }
  };
  (sequelize as unknown as { query: typeof guarded }).query = guarded;
  // A query outside a transaction: its connection is known only to the hooks; a destroyed one
  // fails with a connection error, which translate() answers the same way.
}
