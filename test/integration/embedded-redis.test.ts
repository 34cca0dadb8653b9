import { expect } from 'chai';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../server/src/domain/logger.js';
import { connectRedis } from '../../server/src/store/redis/connection.js';
import { freePort } from '../helpers/processes.js';

describe('embedded default: a private redis-server when none answers', function () {
  this.timeout(20_000);

  it('starts one with AOF in the data dir, uses it, and stops it on close', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'oasis-redis-'));
    const nothing = `redis://127.0.0.1:${await freePort()}`;
    const conn = await connectRedis(undefined, { dataDir: dir, logger: silentLogger, localUrl: nothing });
    try {
      expect(conn.url).to.not.equal(nothing);
      await conn.client.set('k', 'v');
      expect(await conn.client.get('k')).to.equal('v');
      expect(await conn.client.config('GET', 'appendonly')).to.deep.equal(['appendonly', 'yes']);
      // Strict: a host crash loses no acknowledged write (docs/reliability.md, "Redis durability").
      expect(await conn.client.config('GET', 'appendfsync')).to.deep.equal(['appendfsync', 'always']);
    } finally {
      await conn.close();
    }
    await new Promise((r) => setTimeout(r, 300));
    expect(existsSync(dir)).to.equal(true);
    rmSync(dir, { recursive: true, force: true });
  });

  it('uses the local Redis when it answers', async () => {
    const conn = await connectRedis(undefined, { dataDir: 'unused', logger: silentLogger });
    try {
      expect(conn.url).to.equal('redis://127.0.0.1:6379');
    } finally {
      await conn.close();
    }
  });
});
