import { QueryTypes, type Sequelize } from 'sequelize';

/**
 * Normalizes one `SHOW CREATE TABLE` statement so two databases built the same way compare equal:
 * the AUTO_INCREMENT counter is dropped and trailing spaces trimmed.
 */
export function normalizeCreateTable(ddl: string): string {
  return ddl
    .replace(/ AUTO_INCREMENT=\d+/g, '')
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
    .trim();
}

/** Base tables of the current MySQL database, sorted by name. */
export async function listTables(sequelize: Sequelize): Promise<string[]> {
  const rows = await sequelize.query<Record<string, string>>("SHOW FULL TABLES WHERE Table_type = 'BASE TABLE'", {
    type: QueryTypes.SELECT,
  });
  return rows.map((r) => String(Object.values(r)[0])).sort();
}

/**
 * `SHOW CREATE TABLE` of each table, normalized by {@link normalizeCreateTable}, in the given order.
 * MySQL / MariaDB only.
 */
export async function showCreateTables(sequelize: Sequelize, tables: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const table of tables) {
    const rows = await sequelize.query<Record<string, string>>(`SHOW CREATE TABLE \`${table}\``, {
      type: QueryTypes.SELECT,
    });
    const ddl = rows[0]?.['Create Table'];
    if (!ddl) throw new Error(`SHOW CREATE TABLE ${table} returned nothing`);
    out.set(table, normalizeCreateTable(ddl));
  }
  return out;
}
