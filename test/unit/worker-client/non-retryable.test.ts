/**
 * "Do not retry" is a field of the result: a handler that throws a `NonRetryableError` (or one
 * of its subclasses), and a script task this worker refuses, are reported with
 * `nonRetryable: true`; any other failure carries no such field.
 */
import { expect } from 'chai';
import { InvalidParamsError, NonRetryableError, OasisWorker } from '@oasis/worker-client';
import { FakeAdmin, makeTask } from '../../helpers/fake-admin.js';
import { waitFor } from '../../helpers/wait.js';

describe('worker-client: non-retryable failures', function () {
  this.timeout(5000);

  it('marks NonRetryableError, bad JSON params and refused scripts nonRetryable, and nothing else', async () => {
    const admin = await FakeAdmin.start();
    const worker = new OasisWorker({ url: admin.url, app: 'demo', token: 'secret', pollMs: 50, logger: {} });
    try {
      await failEachWay(admin, worker);
    } finally {
      await worker.stop({ timeoutMs: 0 });
      await admin.close();
    }
  });
});

/** Runs one task per kind of failure on `worker` and checks the `nonRetryable` of each result. */
async function failEachWay(admin: FakeAdmin, worker: OasisWorker): Promise<void> {
  class Gone extends NonRetryableError {}
  worker.handle('final', () => {
    throw new NonRetryableError('no such customer');
  });
  worker.handle('gone', () => {
    throw new Gone('deleted');
  });
  worker.handle('json', (ctx) => ctx.paramsJson());
  worker.handle('flaky', () => {
    throw new Error('try again later');
  });
  const tasks = {
    final: makeTask('final'),
    gone: makeTask('gone'),
    json: makeTask('json', { params: '{not json' }),
    flaky: makeTask('flaky'),
    script: makeTask('script', { script: { language: 'shell', source: 'echo hi', version: 1 } }),
    missing: makeTask('no-such-handler'),
  };
  admin.enqueue(...Object.values(tasks));
  await worker.start();
  await waitFor(() => Object.values(tasks).every((t) => admin.accepted.has(t.id)), 3000, 'every result', 5);
  const flag = (name: keyof typeof tasks) => admin.accepted.get(tasks[name].id)?.nonRetryable;
  expect(Object.values(tasks).map((t) => admin.accepted.get(t.id)?.status)).to.deep.equal(Array(6).fill('FAILED'));
  expect(flag('final')).to.equal(true);
  expect(flag('gone')).to.equal(true);
  expect(flag('json'), 'InvalidParamsError is a NonRetryableError').to.equal(true);
  expect(flag('script'), 'a worker without allowScripts refuses every attempt').to.equal(true);
  expect(flag('flaky')).to.equal(undefined);
  expect(flag('missing'), 'another worker of the app may have the handler').to.equal(undefined);
  expect(new InvalidParamsError('x')).to.be.instanceOf(NonRetryableError);
}
