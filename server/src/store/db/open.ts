import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import mysql from 'mysql2/promise';
import { QueryTypes, Sequelize, Transaction, type Options } from 'sequelize';
import type { Logger } from '../../domain/logger.js';
import { DbGuard, guardQueries } from './guard.js';
import { defineModels, type Models } from './models.js';
import { REPLICA_STATES, ReplicaHealth, routeReads, type ReplicaState } from './replicas.js';

/** The admin's database: Sequelize, its models and lifecycle. */
export interface Database {
  readonly sequelize: Sequelize;
  readonly models: Models;
  readonly dialect: 'mysql' | 'sqlite';
  /** Creates the missing tables and indexes (never alters or drops). Run once at start. */
  sync(): Promise<void>;
  /**
   * True when the database answers a trivial query within the check deadline, on a connection of
   * its own (never one of the pool: a hung database cannot make health checks wait for it).
   */
  ping(): Promise<boolean>;
  /** False while the last check failed (queries then fail at once with `OASIS_ERR_UNAVAILABLE`). */
  readonly up: boolean;
  /**
   * Read replicas: `none` (none configured), `up` (lag-tolerant reads go to them) or `down`
   * (they go to the primary until every replica answers again; see `replicas.ts`).
   */
  readonly replicas: ReplicaState;
  close(): Promise<void>;
}

/** Where a `mysql://` URL points. */
export interface MysqlTarget {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

const DB_NAME = /^[A-Za-z0-9_$-]{1,64}$/;

/**
 * Parses `mysql://user:pass@host:port/db` (`mariadb://` too: both go through mysql2).
 * @throws {Error} when the URL names no database or a database name with odd characters.
 */
export function parseMysqlUrl(url: string): MysqlTarget {
  const u = new URL(url);
  const database = decodeURIComponent(u.pathname.replace(/^\//, ''));
  if (!DB_NAME.test(database)) {
    throw new Error(`database URL must name a database (letters, digits, _ $ -): got "${database}"`);
  }
  return {
    host: u.hostname || '127.0.0.1',
    port: u.port ? Number(u.port) : 3306,
    user: decodeURIComponent(u.username || 'root'),
    password: decodeURIComponent(u.password),
    database,
  };
}

/** Creates the database of `target` when it does not exist yet (utf8mb4). */
export async function ensureMysqlDatabase(target: MysqlTarget): Promise<void> {
  const conn = await mysql.createConnection({
    host: target.host,
    port: target.port,
    user: target.user,
    password: target.password,
  });
  try {
    await conn.query(
      `CREATE DATABASE IF NOT EXISTS \`${target.database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
    );
  } finally {
    await conn.end();
  }
}

/** How {@link openDatabase} opens a database. */
export interface OpenOptions {
  /** Logs when the database stops or starts answering (once per change). */
  logger?: Logger;
  /** Also logs every SQL statement at debug level. */
  logSql?: boolean;
  /**
   * Deadline of each query, of taking a pool connection and of connecting (ms; default 10 s):
   * `OASIS_DB_QUERY_TIMEOUT_MS`. Past it the caller gets `OASIS_ERR_UNAVAILABLE`. MySQL only.
   */
  queryTimeoutMs?: number;
  /**
   * Server-side deadline of an expensive read (lists, counts, reports; ms; default 5 s):
   * `OASIS_DB_READ_TIMEOUT_MS`. Past it the read answers `OASIS_ERR_UNAVAILABLE` (see
   * `EXPENSIVE_READ` in `guard.ts`). MySQL / MariaDB only.
   */
  readTimeoutMs?: number;
  /**
   * Read replicas of a MySQL primary (`mysql://…` URLs: `OASIS_DATABASE_REPLICA_URLS`; default
   * none). Only reads marked `LAG_TOLERANT_READ` go to them, everything else stays on the
   * primary; a replica that cannot be reached sends those reads to the primary (`replicas.ts`).
   * Their databases are not created here: they come from the primary through replication.
   */
  replicaUrls?: readonly string[];
}

/** Default of {@link OpenOptions.readTimeoutMs} (the default of `OASIS_DB_READ_TIMEOUT_MS`). */
const READ_TIMEOUT_MS = 5_000;

/** Default of {@link OpenOptions.queryTimeoutMs}. */
const QUERY_TIMEOUT_MS = 10_000;

/**
 * Opens the database named by `url`:
 * - `mysql://user:pass@host:port/db`: MySQL or MariaDB through mysql2; the database is created
 *   when missing. BIGINT columns come back as numbers.
 * - `sqlite:path` (parent directory created) or `sqlite::memory:`: the embedded single-process mode.
 *
 * Tables are not created here: call {@link Database.sync}. On MySQL every query has a deadline
 * and a hung or lost server is answered at once with `OASIS_ERR_UNAVAILABLE` (see `guard.ts`).
 * With {@link OpenOptions.replicaUrls}: one Sequelize with `replication` (the primary writes, the
 * replicas read), and the routing of `replicas.ts` — the primary unless a read is marked
 * `LAG_TOLERANT_READ`. Replicas that do not answer at the start are logged and not used until
 * they do; opening waits for them at most the check deadline (the smaller of 2 s and the query
 * deadline), and never fails because of them.
 * @throws {Error} when a URL is not understood, when replicas are given with SQLite, or when the
 *   primary does not answer.
 */
export async function openDatabase(url: string, opts: OpenOptions = {}): Promise<Database> {
  const { logger } = opts;
  const logging: Options['logging'] = logger && opts.logSql ? (sql: string) => logger.debug({ sql }, 'sql') : false;
  const timeoutMs = opts.queryTimeoutMs ?? QUERY_TIMEOUT_MS;
  let sequelize: Sequelize;
  let dialect: Database['dialect'];
  let walFile = false;
  let target: MysqlTarget | undefined;
  let replicas: ReplicaHealth | undefined;
  const replicaUrls = opts.replicaUrls ?? [];
  if (/^(mysql|mariadb):\/\//.test(url)) {
    dialect = 'mysql';
    target = parseMysqlUrl(url);
    const readers = replicaUrls.map((r) => {
      if (!/^(mysql|mariadb):\/\//.test(r)) throw new Error('replica URLs must be mysql://…');
      return parseMysqlUrl(r);
    });
    await ensureMysqlDatabase(target);
    const at = (t: MysqlTarget) => ({ host: t.host, port: t.port, username: t.user, password: t.password, database: t.database });
    sequelize = new Sequelize(target.database, target.user, target.password, {
      dialect: 'mysql',
      host: target.host,
      port: target.port,
      ...(readers.length > 0 && { replication: { write: at(target), read: readers.map(at) } }),
      logging,
      timezone: '+00:00',
      dialectOptions: { supportBigNumbers: true, bigNumberStrings: false, charset: 'utf8mb4', connectTimeout: timeoutMs },
      // Waiting for a pool connection has the same deadline as a query.
      pool: { max: 10, min: 0, idle: 10_000, acquire: timeoutMs },
    });
    if (readers.length > 0) {
      replicas = new ReplicaHealth(readers, { checkTimeoutMs: Math.min(2000, timeoutMs), ...(logger && { logger }) });
      // Before any query: from here on only a marked read takes a replica's connection.
      routeReads(sequelize, replicas);
    }
  } else if (url.startsWith('sqlite:')) {
    if (replicaUrls.length > 0) throw new Error('read replicas need a mysql:// primary');
    dialect = 'sqlite';
    let path = url.slice('sqlite:'.length);
    if (path.startsWith('//')) path = path.slice(2);
    if (!path) throw new Error('sqlite URL must name a file or :memory:');
    if (path !== ':memory:') {
      path = resolve(path);
      mkdirSync(dirname(path), { recursive: true });
      walFile = true;
    }
    sequelize = new Sequelize({
      dialect: 'sqlite',
      storage: path,
      logging,
      // Transactions run one at a time (see inTransaction) and take the write lock up front; a
      // single statement that finds the lock taken retries with backoff. No busy_timeout: it
      // would park libuv threads and starve the connection holding the lock.
      transactionType: Transaction.TYPES.IMMEDIATE,
      retry: { max: 30, match: [/SQLITE_BUSY/], backoffBase: 10, backoffExponent: 1.15 },
    });
  } else {
    throw new Error('database URL must be mysql://… or sqlite:…');
  }
  const models = defineModels(sequelize);
  await sequelize.authenticate();
  const readTimeoutMs = opts.readTimeoutMs ?? READ_TIMEOUT_MS;
  const guard = new DbGuard(sequelize, { queryTimeoutMs: timeoutMs, readTimeoutMs, ...(target && { mysql: target }), ...(logger && { logger }) });
  if (dialect === 'mysql') {
    const [row] = await sequelize.query<{ v: string }>('SELECT VERSION() AS v', { type: QueryTypes.SELECT });
    const flavour = /mariadb/i.test(row?.v ?? '') ? 'mariadb' : 'mysql';
    guardQueries(sequelize, guard, timeoutMs, { timeoutMs: readTimeoutMs, flavour });
  }
  // One check of the replicas before the first read (at most its deadline, ≤ 2 s): one that
  // does not answer is logged now and left out until it does.
  if (replicas) await replicas.check();
  if (walFile) {
    await sequelize.query('PRAGMA journal_mode=WAL');
  }
  return {
    sequelize,
    models,
    dialect,
    async sync() {
      await sequelize.sync();
    },
    ping: () => guard.check(),
    get up() {
      return !guard.isDown;
    },
    get replicas() {
      return replicas?.state ?? REPLICA_STATES.none;
    },
    async close() {
      replicas?.close();
      await guard.close();
      await sequelize.close();
    },
  };
}
