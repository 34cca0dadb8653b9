import { expect } from 'chai';
import type { Logger } from '../../server/src/domain/logger.js';
import type { WrittenRecord } from '../../server/src/results/final-writer.js';
import { ChildJobFirer } from '../../server/src/results/child-jobs.js';
import { JobCache } from '../../server/src/results/job-cache.js';
import { createAdminStack, type AdminStack } from '../helpers/admin-stack.js';
import { writtenRecord } from '../helpers/final-records.js';
import { createAppSchema, createJobSchema } from '@oasis/worker-client/contracts';
import { parsed } from '../helpers/parsed.js';

function record(jobId: number, status: WrittenRecord['status'], over: Partial<WrittenRecord> = {}): WrittenRecord {
  return writtenRecord({ id: `${jobId}-t${Math.random().toString(36).slice(2, 8)}`, jobId, status, result: '{"rows":42}', hasChildren: true, ...over });
}

describe('child jobs, firing side: one CHILD trigger per parent fire and child (real Redis + MariaDB)', function () {
  this.timeout(30_000);
  let s: AdminStack;
  let warnings: string[];
  let firer: ChildJobFirer;

  beforeEach(async () => {
    s = await createAdminStack();
    await s.services.apps.create(parsed(createAppSchema, { name: 'cj', title: 'CJ' }));
    // A live worker, so triggered children wait queued instead of ending NO_WORKER.
    await s.store.workers.register('cj', { workerId: 'w', concurrency: 10, handlers: ['h'], host: null, pid: null, adminId: 'a', conn: 'c' }, Date.now());
    warnings = [];
    const logger: Logger = { debug() {}, info() {}, error() {}, warn: (_o, msg = '') => void warnings.push(msg) };
    // No cache reuse across steps of a test: each lookup reads the database.
    const jobs = new JobCache({ load: (id) => s.repos.jobs.get(id), ttlMs: 0 });
    firer = new ChildJobFirer({
      job: (id) => jobs.get(id),
      hot: s.hot,
      maxParamsBytes: s.config.maxParamsBytes,
      grantor: (id) => s.services.jobs.childGrantor(id),
      audit: s.services.audit,
      logger,
    });
  });
  afterEach(async () => {
    await s.close();
  });

  const job = (name: string, extra: Record<string, unknown> = {}) =>
    s.services.jobs.create(parsed(createJobSchema, { app: 'cj', name, handler: 'h', params: `own-${name}`, schedule: { type: 'NONE' }, ...extra }), s.adminUser);
  const childTasks = async (jobId: number) => (await s.hot.listInflight({ jobId }, { limit: 500 })).items.filter((t) => t.triggerType === 'CHILD');

  it('fires each child once on a final SUCCESS, across shards and a batch delivered again', async () => {
    const a = await job('a');
    const b = await job('b');
    const parent = await job('parent', { childJobIds: [a.id, b.id], childOptions: { passResult: true } });
    const shard0 = record(parent.id, 'SUCCESS', { shardTotal: 2 });
    const shard1 = record(parent.id, 'SUCCESS', { shardIndex: 1, shardTotal: 2, result: '"other shard"' });
    await firer.onWritten('cj', [shard0]);
    await firer.onWritten('cj', [shard0, shard1]); // redelivered, plus the second shard
    for (const child of [a, b]) {
      const tasks = await childTasks(child.id);
      expect(tasks, `child ${child.name}`).to.have.length(1);
      expect(tasks[0]!.params).to.equal('{"rows":42}'); // the first final record's result
    }
    // A later fire of the parent fires the children again.
    await firer.onWritten('cj', [record(parent.id, 'SUCCESS', { scheduledAt: 1_700_000_001_000, result: 'next' })]);
    expect((await childTasks(a.id)).map((t) => t.params).sort()).to.deep.equal(['next', '{"rows":42}']);
  });

  it('passes the child its own params unless passResult; waits for the last attempt', async () => {
    const c = await job('c');
    const parent = await job('p2', { childJobIds: [c.id] });
    await firer.onWritten('cj', [record(parent.id, 'SUCCESS', { retryTaskId: 'x' })]); // not final: ignored
    expect(await childTasks(c.id)).to.have.length(0);
    await firer.onWritten('cj', [record(parent.id, 'SUCCESS')]);
    expect((await childTasks(c.id)).map((t) => t.params)).to.deep.equal(['own-c']);
  });

  it('fires on a final failure only with childOptions.onFailure; never on KILLED or DISCARDED', async () => {
    const x = await job('x');
    const y = await job('y');
    const quiet = await job('p-quiet', { childJobIds: [x.id] });
    const loud = await job('p-loud', { childJobIds: [y.id], childOptions: { onFailure: true } });
    await firer.onWritten('cj', [
      record(quiet.id, 'FAILED', { result: null }),
      record(loud.id, 'KILLED', { scheduledAt: 1 }),
      record(loud.id, 'DISCARDED', { scheduledAt: 2 }),
      record(loud.id, 'TIMEOUT', { scheduledAt: 3 }),
    ]);
    expect(await childTasks(x.id)).to.have.length(0);
    expect(await childTasks(y.id)).to.have.length(1);
  });

  it('skips a deleted child with a warning and still fires the others', async () => {
    const gone = await job('gone');
    const kept = await job('kept');
    const parent = await job('p3', { childJobIds: [gone.id, kept.id] });
    await s.services.jobs.delete(gone.id);
    await firer.onWritten('cj', [record(parent.id, 'SUCCESS')]);
    expect(await childTasks(kept.id)).to.have.length(1);
    expect(warnings.some((w) => w.includes('deleted'))).to.equal(true);
  });
});
