import type { Sequelize, Transaction } from 'sequelize';

/** Rough size budget of one statement, well under MariaDB's default max_allowed_packet (16 MiB). */
const STATEMENT_BUDGET_BYTES = 4 * 1024 * 1024;

const sizeOf = (row: readonly unknown[]): number =>
  row.reduce<number>((n, v) => n + (typeof v === 'string' ? Buffer.byteLength(v, 'utf8') : 8), 0);

/**
 * Splits rows into runs whose estimated size stays under the statement budget. Usual batches of
 * small rows make one run; a row larger than the budget makes a run of its own.
 */
export function chunkBySize<R extends readonly unknown[]>(rows: readonly R[], budget = STATEMENT_BUDGET_BYTES): R[][] {
  const out: R[][] = [];
  let run: R[] = [];
  let size = 0;
  for (const row of rows) {
    const s = sizeOf(row);
    if (run.length && size + s > budget) {
      out.push(run);
      run = [];
      size = 0;
    }
    run.push(row);
    size += s;
  }
  if (run.length) out.push(run);
  return out;
}

/**
 * Multi-row upsert keyed on `key` (a column, or the columns of a unique index):
 * `INSERT … ON DUPLICATE KEY UPDATE` on MySQL / MariaDB, `INSERT … ON CONFLICT(key) DO UPDATE`
 * on SQLite. Columns listed in `add` are added to the stored value instead of replacing it
 * (counters). One statement per size-bounded run of rows (one statement for any ordinary batch).
 * Raw SQL because this is the hot path of every fire and building a model instance per row costs
 * more than the database work itself.
 *
 * With `sameKeyOnly` (a single-column `key`), a row that collides on *another* unique index with
 * a row of a different key leaves the stored row untouched and is not inserted (the caller finds
 * such rows by reading the keys back); without it MySQL would merge it into the stored row.
 */
export async function upsertRows(
  sequelize: Sequelize,
  transaction: Transaction,
  table: string,
  cols: readonly string[],
  key: string | readonly string[],
  rows: readonly (readonly unknown[])[],
  add: readonly string[] = [],
  sameKeyOnly = false,
): Promise<void> {
  const mysql = sequelize.getDialect() !== 'sqlite';
  const q = mysql ? (c: string) => `\`${c}\`` : (c: string) => `"${c}"`;
  const keys = typeof key === 'string' ? [key] : key;
  if (sameKeyOnly && keys.length !== 1) throw new Error('upsertRows: sameKeyOnly needs a single-column key');
  const incoming = (c: string) => (mysql ? `VALUES(${q(c)})` : `excluded.${q(c)}`);
  const value = (c: string) => (add.includes(c) ? `${q(c)}+${incoming(c)}` : incoming(c));
  // MySQL: the row found may be another fire's twin (another unique index): then keep its value.
  const guarded = (c: string) => (mysql && sameKeyOnly ? `IF(${q(keys[0]!)}=${incoming(keys[0]!)},${value(c)},${q(c)})` : value(c));
  const update = cols
    .filter((c) => !keys.includes(c))
    .map((c) => `${q(c)}=${guarded(c)}`)
    .join(',');
  const tuple = `(${cols.map(() => '?').join(',')})`;
  // SQLite: a conflict on the key updates; one on any other unique index does nothing.
  const sqliteTail = sameKeyOnly ? ' ON CONFLICT DO NOTHING' : '';
  for (const run of chunkBySize(rows)) {
    const sql =
      `INSERT INTO ${q(table)} (${cols.map(q).join(',')}) VALUES ${run.map(() => tuple).join(',')} ` +
      (mysql ? `ON DUPLICATE KEY UPDATE ${update}` : `ON CONFLICT(${keys.map(q).join(',')}) DO UPDATE SET ${update}${sqliteTail}`);
    await sequelize.query(sql, { replacements: run.flat(), transaction });
  }
}
