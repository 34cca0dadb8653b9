/**
 * A private MariaDB for fault tests (the recipe of `shared/RECIPES.md`): `mariadb-install-db
 * --no-defaults` into its own data directory, `mariadbd --no-defaults` on a free port, stopped by
 * PID. It can be hung (SIGSTOP) and woken (SIGCONT). Never the shared server on 3306.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';
import { freePort } from './processes.js';
import { waitFor } from './wait.js';

const run = promisify(execFile);

/** A running private MariaDB; see {@link startPrivateMariaDb}. */
export interface PrivateMariaDb {
  port: number;
  /** `mysql://root@127.0.0.1:<port>/` (append a database name). */
  rootUrl: string;
  pid(): number;
  /** Creates database `name` (utf8mb4) and answers its URL. */
  createDatabase(name: string): Promise<string>;
  /** Runs `sql` as root on database `db` (a fresh connection, closed after). */
  query<T = unknown>(db: string, sql: string, values?: unknown[]): Promise<T>;
  /** SIGSTOP: the server hangs, connections stay open and nothing answers. */
  hang(): void;
  /** SIGCONT after {@link hang}. */
  wake(): void;
  /** Stops the server by PID (SIGCONT, then SIGTERM, SIGKILL after 10 s). Idempotent. */
  stop(): Promise<void>;
}

/** Server settings of {@link startPrivateMariaDb} beyond the defaults (all optional). */
export interface PrivateMariaDbOptions {
  /** `--server-id` (replication needs a distinct one per server); default none. */
  serverId?: number;
  /** Writes a binary log (`--log-bin`, row format), as a replication primary needs; default off. */
  binlog?: boolean;
}

/** Installs and starts a private MariaDB under `dir` (created); resolves once it accepts connections. */
export async function startPrivateMariaDb(dir: string, opts: PrivateMariaDbOptions = {}): Promise<PrivateMariaDb> {
  const data = join(dir, 'data');
  // Its own temporary directory: two servers bootstrapped at once (the suite's two tiers run
  // side by side) once collided on /tmp's temporary tables ("Unknown table 'mysql.tmp_user_sys'").
  const tmp = join(dir, 'tmp');
  await mkdir(data, { recursive: true });
  await mkdir(tmp, { recursive: true });
  await run('mariadb-install-db', ['--no-defaults', '--user=root', `--datadir=${data}`, `--tmpdir=${tmp}`, '--auth-root-authentication-method=normal', '--skip-test-db'], { timeout: 120_000 });
  const port = await freePort();
  const child: ChildProcess = spawn('/usr/sbin/mariadbd', [
    '--no-defaults', '--user=root', `--datadir=${data}`, `--tmpdir=${tmp}`, `--port=${port}`, '--bind-address=127.0.0.1',
    `--socket=${join(dir, 'mysqld.sock')}`, `--pid-file=${join(dir, 'mysqld.pid')}`, `--log-error=${join(dir, 'mysqld.err')}`,
    '--innodb-buffer-pool-size=128M', '--skip-name-resolve', '--max-connections=300',
    ...(opts.binlog ? [`--log-bin=${join(dir, 'binlog')}`, '--binlog-format=ROW'] : ['--skip-log-bin']),
    ...(opts.serverId !== undefined ? [`--server-id=${opts.serverId}`] : []),
    '--innodb-flush-log-at-trx-commit=2',
  ], { stdio: 'ignore' });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const connect = (db?: string) => mysql.createConnection({ host: '127.0.0.1', port, user: 'root', password: '', database: db, connectTimeout: 2000 });
  await waitFor(async () => {
    if (child.exitCode !== null) throw new Error(`mariadbd exited (${child.exitCode}); see ${dir}/mysqld.err`);
    const conn = await connect();
    await conn.end();
    return true;
  }, 60_000, `private mariadb on ${port}`, 250);
  const rootUrl = `mysql://root@127.0.0.1:${port}/`;
  const query = async <T>(db: string, sql: string, values?: unknown[]): Promise<T> => {
    const conn = await connect(db || undefined);
    try {
      const [rows] = await conn.query(sql, values);
      return rows as T;
    } finally {
      await conn.end();
    }
  };
  return {
    port,
    rootUrl,
    pid: () => child.pid ?? -1,
    async createDatabase(name) {
      await query('', `CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
      return `${rootUrl}${name}`;
    },
    query,
    hang: () => void child.kill('SIGSTOP'),
    wake: () => void child.kill('SIGCONT'),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGCONT');
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    },
  };
}
