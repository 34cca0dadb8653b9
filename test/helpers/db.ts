import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';

/** The MariaDB server tests use (root, empty password). */
export const TEST_MYSQL_ROOT = 'mysql://root@127.0.0.1:3306/';

/** A fresh database of the test server, and how to get rid of it. */
export interface TestDatabase {
  /** `mysql://root@127.0.0.1:3306/<name>`, ready for `openDatabase`. */
  url: string;
  name: string;
  /** Drops the database (idempotent). */
  drop(): Promise<void>;
}

async function rootQuery(sql: string): Promise<void> {
  const conn = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root', password: '' });
  try {
    await conn.query(sql);
  } finally {
    await conn.end();
  }
}

/** Creates an empty database `oasis_test_<random>` on the test MariaDB; every test run gets its own. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `oasis_test_${randomBytes(6).toString('hex')}`;
  await rootQuery(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  return {
    url: `${TEST_MYSQL_ROOT}${name}`,
    name,
    drop: () => rootQuery(`DROP DATABASE IF EXISTS \`${name}\``),
  };
}
