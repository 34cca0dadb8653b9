/**
 * A private MariaDB primary and a replica of it (binary-log replication, GTID positions), for
 * read-replica tests: two {@link startPrivateMariaDb} servers under one temporary directory, the
 * second replicating everything the first writes. Replication can be stopped (a replica that
 * lags without end) and started again; the replica has a read-only user of its own (`reader`),
 * so a write sent to it by mistake fails instead of passing unseen. Never the shared server.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPrivateMariaDb, type PrivateMariaDb } from './private-mariadb.js';
import { waitFor } from './wait.js';

/** User and password of the replica's read-only user (`SELECT` on every database). */
export const REPLICA_READER = { user: 'oasis_reader', password: 'reader-pw' } as const;

/** A primary and its replica; see {@link startReplicatedMariaDb}. */
export interface ReplicatedMariaDb {
  primary: PrivateMariaDb;
  replica: PrivateMariaDb;
  /** `mysql://oasis_reader:…@127.0.0.1:<replica port>/<db>`: the replica as the reader. */
  readerUrl(db: string): string;
  /** STOP SLAVE: the replica keeps what it has and applies nothing more until {@link resume}. */
  pause(): Promise<void>;
  /** START SLAVE, then waits until the replica has applied all the primary wrote ({@link caughtUp}). */
  resume(): Promise<void>;
  /** Waits (at most 10 s) until the replica has applied every transaction the primary wrote so far. */
  caughtUp(): Promise<void>;
  /** Stops both servers by PID and removes their directory. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Installs and starts a primary (`--log-bin`, server id 1) and a replica (server id 2) side by
 * side under a fresh temporary directory, points the replica at the primary (`CHANGE MASTER TO
 * … MASTER_USE_GTID=slave_pos`, both fresh: it replicates from the primary's first transaction)
 * and starts replication. Resolves once the replica's threads run.
 */
export async function startReplicatedMariaDb(): Promise<ReplicatedMariaDb> {
  const dir = await mkdtemp(join(tmpdir(), 'oasis-repl-'));
  const started = await Promise.allSettled([
    startPrivateMariaDb(join(dir, 'primary'), { serverId: 1, binlog: true }),
    startPrivateMariaDb(join(dir, 'replica'), { serverId: 2 }),
  ]);
  const stopAll = async () => {
    for (const s of started) if (s.status === 'fulfilled') await s.value.stop();
    await rm(dir, { recursive: true, force: true });
  };
  if (started[0].status === 'rejected' || started[1].status === 'rejected') {
    await stopAll();
    throw started[0].status === 'rejected' ? started[0].reason : (started[1] as PromiseRejectedResult).reason;
  }
  const primary = started[0].value;
  const replica = started[1].value;
  try {
    // On the replica only (before replication starts, so nothing from the primary collides).
    await replica.query('', `CREATE USER '${REPLICA_READER.user}'@'%' IDENTIFIED BY '${REPLICA_READER.password}'`);
    await replica.query('', `GRANT SELECT ON *.* TO '${REPLICA_READER.user}'@'%'`);
    await replica.query(
      '',
      `CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=${primary.port}, MASTER_USER='root', MASTER_PASSWORD='', MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1`,
    );
    await replica.query('', 'START SLAVE');
    await waitFor(async () => {
      const [st] = await replica.query<{ Slave_IO_Running: string; Slave_SQL_Running: string; Last_Error: string }[]>('', 'SHOW SLAVE STATUS');
      if (st?.Last_Error) throw new Error(st.Last_Error);
      return st?.Slave_IO_Running === 'Yes' && st.Slave_SQL_Running === 'Yes';
    }, 15_000, 'replication running');
  } catch (err) {
    await stopAll();
    throw err;
  }
  let stopped = false;
  const caughtUp = async (): Promise<void> => {
    const [pos] = await primary.query<{ p: string }[]>('', 'SELECT @@GLOBAL.gtid_binlog_pos AS p');
    if (!pos?.p) return;
    const [r] = await replica.query<{ w: number | null }[]>('', 'SELECT MASTER_GTID_WAIT(?, 10) AS w', [pos.p]);
    if (r?.w !== 0) throw new Error(`the replica did not catch up with ${pos.p} within 10 s`);
  };
  return {
    primary,
    replica,
    readerUrl: (db) => `mysql://${REPLICA_READER.user}:${REPLICA_READER.password}@127.0.0.1:${replica.port}/${db}`,
    async pause() {
      await replica.query('', 'STOP SLAVE');
    },
    async resume() {
      await replica.query('', 'START SLAVE');
      await caughtUp();
    },
    caughtUp,
    async stop() {
      if (stopped) return;
      stopped = true;
      await stopAll();
    },
  };
}
