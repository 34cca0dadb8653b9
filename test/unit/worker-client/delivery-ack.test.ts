/**
 * The SDK's side of delivery acknowledgement and of the held-task list (issue 11): it
 * acknowledges the tasks of a pull reply before starting any and starts only those the admin
 * confirms; its handshake lists the tasks it holds (none after a start, the running ones on a
 * reconnect).
 */
import { expect } from 'chai';
import { OasisWorker } from '@oasis/worker-client';
import { FakeAdmin, makeTask } from '../../helpers/fake-admin.js';
import { sleep, waitFor } from '../../helpers/wait.js';

describe('worker-client: delivery acknowledgement and the held-task list', function () {
  this.timeout(10_000);
  let admin: FakeAdmin;
  let worker: OasisWorker | undefined;

  beforeEach(async () => {
    admin = await FakeAdmin.start({ pullDelayMs: 60 });
  });
  afterEach(async () => {
    await worker?.stop({ timeoutMs: 0 });
    worker = undefined;
    await admin.close();
  });

  const newWorker = () => {
    worker = new OasisWorker({
      url: admin.url,
      app: 'demo',
      token: 'secret',
      workerId: 'w-ack',
      concurrency: 4,
      pollMs: 50,
      reconnectMinMs: 20,
      reconnectMaxMs: 50,
      logger: { warn: () => undefined, error: () => undefined },
    });
    return worker;
  };

  it('a reply that arrives late in the ack window is acknowledged before anything starts; only the confirmed tasks start', async () => {
    const started: string[] = [];
    const w = newWorker();
    w.handle('h', (ctx) => {
      started.push(ctx.taskId);
      // Nothing of the reply starts before the ack went out.
      expect(admin.acks.flatMap((a) => a.taskIds)).to.include(ctx.taskId);
      return 'ok';
    });
    const kept = makeTask('h');
    const gone = makeTask('h');
    admin.enqueue(kept, gone);
    // The reply takes 60 ms of a 100 ms window; the second task went back to its queue on the
    // admin's side before the ack arrived.
    admin.pullAckMs = 100;
    admin.ackFilter = (ids) => ids.filter((id) => id !== gone.id);
    await w.start();
    await waitFor(() => admin.accepted.has(kept.id), 5000, 'the confirmed task to run', 5);
    await sleep(200);
    expect(admin.acks.map((a) => a.taskIds)).to.deep.equal([[kept.id, gone.id]]);
    expect(started).to.deep.equal([kept.id]);
    expect(admin.accepted.get(kept.id)?.status).to.equal('SUCCESS');
    expect(admin.allResults.map((r) => r.taskId)).to.deep.equal([kept.id]);
  });

  it('a reply well within the ack window starts at once, then acknowledges; a task the admin took back is aborted', async () => {
    const started: string[] = [];
    const aborted: string[] = [];
    const w = newWorker();
    w.handle('h', (ctx) => {
      started.push(ctx.taskId);
      expect(admin.acks, 'started before the ack went out').to.deep.equal([]);
      return new Promise<string>((resolve) => {
        ctx.signal.addEventListener('abort', () => {
          aborted.push(ctx.taskId);
          resolve('aborted');
        });
        setTimeout(() => resolve('done'), 300);
      });
    });
    const kept = makeTask('h');
    const gone = makeTask('h');
    admin.enqueue(kept, gone);
    admin.pullAckMs = 10_000;
    admin.ackFilter = (ids) => ids.filter((id) => id !== gone.id);
    await w.start();
    await waitFor(() => admin.accepted.has(kept.id), 5000, 'the kept task to finish', 5);
    expect(started).to.have.members([kept.id, gone.id]);
    expect(admin.acks.map((a) => a.taskIds)).to.deep.equal([[kept.id, gone.id]]);
    expect(aborted).to.deep.equal([gone.id]);
    expect(admin.accepted.get(kept.id)?.status).to.equal('SUCCESS');
  });

  it('lists the tasks it holds in its handshake: none at start, the running one on a reconnect', async () => {
    const w = newWorker();
    let release: () => void = () => undefined;
    w.handle('slow', () => new Promise<string>((resolve) => (release = () => resolve('done'))));
    const task = makeTask('slow');
    admin.enqueue(task);
    await w.start();
    await waitFor(() => admin.acks.length === 1, 5000, 'the task acknowledged', 5);
    expect(admin.handshakes[0]?.holding).to.deep.equal([]);
    admin.dropAll();
    await waitFor(() => admin.handshakes.length === 2 && w.connected, 5000, 'the reconnect', 5);
    expect(admin.handshakes[1]?.holding).to.deep.equal([task.id]);
    release();
    await waitFor(() => admin.accepted.has(task.id), 5000, 'its result after the reconnect', 5);
  });
});
