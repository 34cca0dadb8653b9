import { expect } from 'chai';
import { silentLogger } from '../../server/src/domain/logger.js';
import type { WrittenRecord } from '../../server/src/results/final-writer.js';
import { ChildJobFirer } from '../../server/src/results/child-jobs.js';
import { createAdminStack, type AdminStack } from '../helpers/admin-stack.js';
import type { ApiClient } from '../helpers/api-client.js';
import { RECORD_T0, writtenRecord } from '../helpers/final-records.js';

interface Job {
  id: number;
  app: string;
  childJobIds: number[];
}
interface ErrorBody {
  statusCode: number;
  code: string;
  message: string;
}
interface AuditPage {
  items: { action: string; username: string; targetId: string | null; app: string | null; after: Record<string, unknown> | null }[];
}

let seq = 0;
function success(jobId: number): WrittenRecord {
  seq += 1;
  const result = 'rm -rf /; echo chosen by the parent';
  return writtenRecord({ id: `${jobId}-acc${seq}`, jobId, scheduledAt: RECORD_T0 + seq, triggerType: 'MANUAL', result, hasChildren: true });
}

describe('child jobs across apps: the caller must operate the child app, on save and when the child fires', function () {
  this.timeout(30_000);
  let s: AdminStack;
  let admin: ApiClient;
  let alphaOnly: ApiClient;
  let both: ApiClient;
  let bothId: number;
  let betaJob: Job;
  let alphaJob: Job;
  let firer: ChildJobFirer;

  before(async () => {
    s = await createAdminStack();
    admin = await s.signIn();
    for (const name of ['alpha', 'beta']) {
      await admin.ok('POST', '/api/v1/apps', { name, title: name });
      await s.onlineWorker(name);
    }
    await admin.ok('POST', '/api/v1/users', { username: 'ann', password: 'alpha-only-pw', role: 'OPERATOR', apps: ['alpha'] });
    bothId = (await admin.ok<{ id: number }>('POST', '/api/v1/users', {
      username: 'bob', password: 'alpha-beta-pw', role: 'OPERATOR', apps: ['alpha', 'beta'],
    })).id;
    alphaOnly = await s.signIn('ann', 'alpha-only-pw');
    both = await s.signIn('bob', 'alpha-beta-pw');
    betaJob = await admin.ok<Job>('POST', '/api/v1/jobs', {
      app: 'beta', name: 'beta-shell', handler: 'h', schedule: { type: 'NONE' }, params: 'beta-own',
    });
    alphaJob = await admin.ok<Job>('POST', '/api/v1/jobs', { app: 'alpha', name: 'alpha-child', handler: 'h', schedule: { type: 'NONE' } });
    firer = s.childFirer(silentLogger);
  });
  after(async () => {
    await s?.close();
  });

  const childTasks = async (jobId: number) => (await s.hot.listInflight({ jobId }, { limit: 500 })).items.filter((t) => t.triggerType === 'CHILD');
  const audit = (app: string) => admin.ok<AuditPage>('GET', `/api/v1/audit?limit=50`).then((p) => p.items.filter((i) => i.app === app));

  it('refuses another app’s job as a child with the same answer as a job that does not exist', async () => {
    const create = (childJobIds: number[], name: string) =>
      alphaOnly.call('POST', '/api/v1/jobs', {
        app: 'alpha', name, handler: 'h', schedule: { type: 'NONE' }, childJobIds, childOptions: { passResult: true },
      });
    const theirs = await create([betaJob.id], 'p-theirs');
    const missing = await create([999_999], 'p-missing');
    expect(theirs.status).to.equal(400);
    expect(missing.status).to.equal(400);
    const t = theirs.body as ErrorBody;
    const m = missing.body as ErrorBody;
    expect(t.code).to.equal(m.code);
    expect(t.message.replace(String(betaJob.id), 'N')).to.equal(m.message.replace('999999', 'N'));
    // The same on an update of a job of its own app.
    const own = await alphaOnly.ok<Job>('POST', '/api/v1/jobs', { app: 'alpha', name: 'p-own', handler: 'h', schedule: { type: 'NONE' } });
    const upd = await alphaOnly.call('PUT', `/api/v1/jobs/${own.id}`, { childJobIds: [betaJob.id] });
    expect(upd.status).to.equal(400);
    expect((upd.body as ErrorBody).message.replace(String(betaJob.id), 'N')).to.equal(m.message.replace('999999', 'N'));
    // A child of its own app is fine.
    expect((await alphaOnly.call('PUT', `/api/v1/jobs/${own.id}`, { childJobIds: [alphaJob.id] })).status).to.equal(200);
  });

  it('fires a cross-app child only while the user who linked it may still operate the child app, audited in the child app', async () => {
    const parent = await both.ok<Job>('POST', '/api/v1/jobs', {
      app: 'alpha', name: 'p-cross', handler: 'h', schedule: { type: 'NONE' }, childJobIds: [betaJob.id], childOptions: { passResult: true },
    });
    expect(parent.childJobIds).to.deep.equal([betaJob.id]);

    // bob may operate beta: the child fires, and beta's audit says so.
    await firer.onWritten('alpha', [success(parent.id)]);
    expect(await childTasks(betaJob.id)).to.have.length(1);
    const fired = (await audit('beta')).find((e) => e.action === 'job.child-trigger');
    expect(fired, 'audit entry of the child fire in beta').to.not.equal(undefined);
    expect(fired).to.include({ username: 'bob', targetId: String(betaJob.id) });
    expect(fired?.after).to.include({ parentJobId: parent.id });

    // bob loses beta: the next parent fire does not fire the child, and beta's audit says why.
    await admin.ok('PUT', `/api/v1/users/${bobId()}`, { apps: ['alpha'] });
    await firer.onWritten('alpha', [success(parent.id)]);
    expect(await childTasks(betaJob.id)).to.have.length(1);
    const refused = (await audit('beta')).find((e) => e.action === 'job.child-refused');
    expect(refused, 'audit entry of the refused child fire in beta').to.not.equal(undefined);
    expect(refused?.after).to.include({ parentJobId: parent.id });

    // bob is deleted: still refused (nobody vouches for the link any more).
    await admin.ok('PUT', `/api/v1/users/${bobId()}`, { apps: ['alpha', 'beta'] });
    await admin.call('DELETE', `/api/v1/users/${bobId()}`);
    await firer.onWritten('alpha', [success(parent.id)]);
    expect(await childTasks(betaJob.id)).to.have.length(1);
  });

  it('lets an operator of the parent app edit other fields of a job whose cross-app children an ADMIN linked', async () => {
    const parent = await admin.ok<Job>('POST', '/api/v1/jobs', {
      app: 'alpha', name: 'p-admin-linked', handler: 'h', schedule: { type: 'NONE' }, childJobIds: [betaJob.id],
    });
    // Unchanged children (the dashboard sends the whole form) are not re-checked against ann.
    expect((await alphaOnly.call('PUT', `/api/v1/jobs/${parent.id}`, { params: 'x', childJobIds: [betaJob.id] })).status).to.equal(200);
    // But ann cannot add to the list while it holds a job she may not operate, and the link stays the ADMIN's.
    expect((await alphaOnly.call('PUT', `/api/v1/jobs/${parent.id}`, { childJobIds: [betaJob.id, alphaJob.id] })).status).to.equal(400);
    const before = (await childTasks(betaJob.id)).length;
    await firer.onWritten('alpha', [success(parent.id)]);
    expect(await childTasks(betaJob.id)).to.have.length(before + 1);
  });

  function bobId(): number {
    return bothId;
  }
});
