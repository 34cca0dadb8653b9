/**
 * `ctx.progress(n)`: validated, clamped, throttled per task (latest value wins), kept while
 * disconnected, dropped once the task ended.
 */
import { expect } from 'chai';
import { OasisWorker, type JobContext } from '@oasis/worker-client';
import { normaliseProgress, ProgressReporter } from '../../../worker-client/src/progress.js';
import type { ProgressMessage } from '@oasis/worker-client/protocol';
import { FakeAdmin, makeTask } from '../../helpers/fake-admin.js';
import { sleep, waitFor } from '../../helpers/wait.js';

describe('worker-client: progress', function () {
  this.timeout(5000);

  it('normalises values: clamps to 0..100, two decimals, refuses non-numbers', () => {
    expect(normaliseProgress(-5)).to.equal(0);
    expect(normaliseProgress(150)).to.equal(100);
    expect(normaliseProgress(33.3333)).to.equal(33.33);
    expect(() => normaliseProgress(Number.NaN)).to.throw(TypeError, /finite number/);
    expect(() => normaliseProgress('50')).to.throw(TypeError);
    expect(() => normaliseProgress(Infinity)).to.throw(TypeError);
  });

  it('sends only the latest value per task per interval, skips repeats, keeps values while it cannot send', async () => {
    const sent: ProgressMessage[] = [];
    let connected = false;
    const r = new ProgressReporter((m) => connected && sent.push(m) > 0, 20);
    for (let i = 1; i <= 50; i++) r.set('a', i);
    r.set('b', 10);
    await sleep(40);
    expect(sent, 'nothing sent while disconnected').to.deep.equal([]);
    expect(r.waiting).to.equal(2);
    connected = true;
    r.flush();
    expect(sent).to.deep.equal([
      { taskId: 'a', value: 50 },
      { taskId: 'b', value: 10 },
    ]);
    r.set('a', 50); // a repeat of the last sent value
    await sleep(40);
    expect(sent).to.have.length(2);
    r.set('a', 60);
    r.forget('a'); // the task ended before the flush
    await sleep(40);
    expect(sent).to.have.length(2);
    r.dispose();
  });

  it('ctx.progress() reaches the admin throttled, latest value last, and never after the result', async () => {
    const admin = await FakeAdmin.start();
    const worker = new OasisWorker({ url: admin.url, app: 'demo', token: 'secret', pollMs: 50, ackTimeoutMs: 500, logger: { warn: () => {} } });
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    let badValueError: unknown;
    worker.handle('steps', async (ctx: JobContext) => {
      for (let i = 0; i <= 100; i++) ctx.progress(i); // a tight loop: one message, not 101
      try {
        ctx.progress(Number.NaN);
      } catch (err) {
        badValueError = err;
      }
      await gate;
      ctx.progress(100);
      return 'done';
    });
    try {
      const task = makeTask('steps');
      admin.enqueue(task);
      await worker.start();
      await waitFor(() => admin.progress.length >= 1, 3000, 'a progress message', 5);
      await sleep(300);
      expect(admin.progress.map((p) => p.value)).to.deep.equal([100]);
      expect(admin.progress[0]?.taskId).to.equal(task.id);
      expect(badValueError).to.be.instanceOf(TypeError);
      release();
      await waitFor(() => admin.accepted.has(task.id), 3000, 'the result', 5);
      await sleep(350);
      expect(admin.progress, 'a repeat value and values after the end are not sent').to.have.length(1);
    } finally {
      release();
      await worker.stop({ timeoutMs: 0 });
      await admin.close();
    }
  });

  it('throttles a task reporting continuously to about one message per 250 ms', async () => {
    const admin = await FakeAdmin.start();
    const worker = new OasisWorker({ url: admin.url, app: 'demo', token: 'secret', pollMs: 50, ackTimeoutMs: 500, logger: { warn: () => {} } });
    worker.handle('slow', async (ctx: JobContext) => {
      for (let i = 1; i <= 60; i++) {
        ctx.progress(i);
        await sleep(10);
      }
      return 'ok';
    });
    try {
      const task = makeTask('slow');
      admin.enqueue(task);
      await worker.start();
      await waitFor(() => admin.accepted.has(task.id), 4000, 'the result', 5);
      const values = admin.progress.map((p) => p.value);
      // ~600 ms of reporting: a handful of messages, increasing, not 60.
      expect(values.length).to.be.within(1, 6);
      expect([...values].sort((a, b) => a - b)).to.deep.equal(values);
    } finally {
      await worker.stop({ timeoutMs: 0 });
      await admin.close();
    }
  });
});
