/**
 * An admin started on a Redis written by the previous version rewrites every job hash of the
 * older layout from the database before its scheduler claims anything (main.ts calls
 * `JobService.restoreHotCopies` at start): the pending fire, the plan version and the run count
 * survive, the old names go.
 */
import { expect } from 'chai';
import { F, JOB_LAYOUT } from '../../server/src/store/redis/schema.js';
import { createAdminStack, type AdminStack } from '../helpers/admin-stack.js';

describe('hot copies of an older layout are rewritten at start', function () {
  this.timeout(30_000);
  let s: AdminStack;
  before(async () => {
    s = await createAdminStack();
  });
  after(async () => {
    await s?.close();
  });

  it('restoreHotCopies finds them, migrates them in place and leaves current ones alone', async () => {
    const api = await s.signIn();
    await api.ok('POST', '/api/v1/apps', { name: 'upgr', title: 'Upgrade' });
    const job = await api.ok<{ id: number; nextFireAt: number }>('POST', '/api/v1/jobs', {
      app: 'upgr', name: 'old', handler: 'h', schedule: { type: 'FIXED_RATE', everyMs: 60_000, maxRuns: 10 },
    });
    const other = await api.ok<{ id: number }>('POST', '/api/v1/jobs', { app: 'upgr', name: 'new', handler: 'h', schedule: { type: 'NONE' } });
    expect(await s.services.jobs.restoreHotCopies()).to.deep.equal([]);

    // What the previous admin wrote: old names, dead fields, no layout.
    const key = s.redis.keys.app('upgr').job(job.id);
    const h = await s.redis.redis.hgetall(key);
    await s.redis.redis
      .multi()
      .hdel(key, F.job.nextFireAt, F.job.planVersion, F.job.layout)
      .hset(key, { next: h[F.job.nextFireAt] ?? '', ver: '4', fires: '3', kids: '', app: 'upgr', defVersion: '1', bufMax: '1000' })
      .exec();

    expect(await s.services.jobs.restoreHotCopies()).to.deep.equal([job.id]);
    const after = await s.redis.redis.hgetall(key);
    expect(after).to.include({ [F.job.nextFireAt]: String(job.nextFireAt), [F.job.planVersion]: '4', [F.job.runs]: '3', [F.job.layout]: String(JOB_LAYOUT) });
    for (const gone of ['next', 'ver', 'fires', 'kids', 'app', 'defVersion', 'bufMax']) expect(after, gone).to.not.have.property(gone);
    expect((await api.ok<{ runs: number }>('GET', `/api/v1/jobs/${job.id}`)).runs).to.equal(3);
    expect(await s.services.jobs.restoreHotCopies()).to.deep.equal([]);
    expect(await s.redis.redis.hget(s.redis.keys.app('upgr').job(other.id), F.job.layout)).to.equal(String(JOB_LAYOUT));
  });
});
