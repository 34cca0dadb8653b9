import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import mysql from 'mysql2/promise';
import { QueryTypes } from 'sequelize';
import { listTables, showCreateTables } from '../../server/src/store/db/ddl.js';
import { TABLE_NAMES } from '../../server/src/store/db/models.js';
import { openDatabase, type Database } from '../../server/src/store/db/open.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

const schemaSql = readFileSync(new URL('../../sql/schema.sql', import.meta.url), 'utf8');

async function applySchemaFile(name: string): Promise<void> {
  const conn = await mysql.createConnection({
    host: '127.0.0.1',
    port: 3306,
    user: 'root',
    password: '',
    database: name,
    multipleStatements: true,
  });
  try {
    await conn.query(schemaSql);
  } finally {
    await conn.end();
  }
}

describe('sql/schema.sql equals what sync() creates (MariaDB)', function () {
  let fromFile: TestDatabase;
  let fromSync: TestDatabase;
  const open: Database[] = [];

  before(async function () {
    fromFile = await createTestDatabase();
    fromSync = await createTestDatabase();
    await applySchemaFile(fromFile.name);
    const synced = await openDatabase(fromSync.url);
    open.push(synced);
    await synced.sync();
    open.push(await openDatabase(fromFile.url));
  });

  after(async function () {
    for (const db of open) await db.close();
    await fromFile?.drop();
    await fromSync?.drop();
  });

  it('has the same tables', async function () {
    const [synced, filed] = open as [Database, Database];
    const expected = [...TABLE_NAMES].sort();
    expect(await listTables(synced.sequelize)).to.deep.equal(expected);
    expect(await listTables(filed.sequelize)).to.deep.equal(expected);
  });

  it('has the same SHOW CREATE TABLE for every table (run scripts/dump-schema.ts when this fails)', async function () {
    const [synced, filed] = open as [Database, Database];
    const a = await showCreateTables(synced.sequelize, TABLE_NAMES);
    const b = await showCreateTables(filed.sequelize, TABLE_NAMES);
    for (const table of TABLE_NAMES) expect(b.get(table), table).to.equal(a.get(table));
  });

  it('sync() over a database made from the file changes nothing', async function () {
    const [synced, filed] = open as [Database, Database];
    await filed.sync();
    const a = await showCreateTables(synced.sequelize, TABLE_NAMES);
    const b = await showCreateTables(filed.sequelize, TABLE_NAMES);
    expect([...b.entries()]).to.deep.equal([...a.entries()]);
  });
});

describe('sync() on SQLite', function () {
  it('creates every table and index in memory, and again harmlessly', async function () {
    const db = await openDatabase('sqlite::memory:');
    try {
      await db.sync();
      await db.sync();
      const rows = await db.sequelize.query<{ type: string; name: string }>(
        "SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name",
        { type: QueryTypes.SELECT },
      );
      const tables = rows.filter((r) => r.type === 'table').map((r) => r.name);
      const indexes = rows.filter((r) => r.type === 'index').map((r) => r.name);
      expect(tables).to.deep.equal([...TABLE_NAMES].sort());
      expect(indexes).to.include.members(['uq_job_app_name', 'ix_job_app_enabled', 'uq_log_fire', 'ix_log_finished']);
      expect(await db.ping()).to.equal(true);
    } finally {
      await db.close();
    }
  });

  it('creates the parent directory of a file database', async function () {
    const { mkdtempSync, rmSync, existsSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'oasis-sqlite-'));
    const file = join(dir, 'nested', 'deeper', 'oasis.sqlite');
    const db = await openDatabase(`sqlite:${file}`);
    try {
      await db.sync();
      expect(existsSync(file)).to.equal(true);
    } finally {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
