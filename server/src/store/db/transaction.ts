import type { Sequelize, Transaction } from 'sequelize';
import { guardOf } from './guard.js';

/** Tail of the queue of SQLite transactions, per database. */
const queues = new WeakMap<Sequelize, Promise<unknown>>();

/**
 * Runs `fn` in a managed transaction (committed when it resolves, rolled back when it throws).
 * On MySQL a database that is down or does not answer in time fails it with
 * `OASIS_ERR_UNAVAILABLE` (see `guard.ts`).
 *
 * On SQLite (embedded, single process) transactions of one database run one after the other:
 * SQLite has one writer, Sequelize gives each transaction its own connection, and overlapping
 * writers would otherwise fail with SQLITE_BUSY or park libuv threads in the busy handler.
 */
export function inTransaction<T>(sequelize: Sequelize, fn: (t: Transaction) => Promise<T>): Promise<T> {
  if (sequelize.getDialect() !== 'sqlite') {
    // A hung database: fail at once while it is down, and a pool that cannot give a connection
    // in time answers OASIS_ERR_UNAVAILABLE like a query that timed out.
    const guard = guardOf(sequelize);
    if (!guard) return sequelize.transaction(fn);
    guard.assertUp();
    return sequelize.transaction(fn).catch((err: unknown) => {
      throw guard.translate(err, false);
    });
  }
  const previous = queues.get(sequelize) ?? Promise.resolve();
  const run = previous.then(
    () => sequelize.transaction(fn),
    () => sequelize.transaction(fn),
  );
  queues.set(
    sequelize,
    run.catch(() => undefined),
  );
  return run;
}
