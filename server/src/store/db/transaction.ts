import type { Sequelize, Transaction } from 'sequelize';

/** Tail of the queue of SQLite transactions, per database. */
const queues = new WeakMap<Sequelize, Promise<unknown>>();

/**
 * Runs `fn` in a managed transaction (committed when it resolves, rolled back when it throws).
 *
 * On SQLite (embedded, single process) transactions of one database run one after the other:
 * SQLite has one writer, Sequelize gives each transaction its own connection, and overlapping
 * writers would otherwise fail with SQLITE_BUSY or park libuv threads in the busy handler.
 */
export function inTransaction<T>(sequelize: Sequelize, fn: (t: Transaction) => Promise<T>): Promise<T> {
  if (sequelize.getDialect() !== 'sqlite') return sequelize.transaction(fn);
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
