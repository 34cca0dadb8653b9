/**
 * `drain` (an admin that stops tells its workers to leave) against real Socket.IO servers playing
 * the admin: the worker pulls nothing more from the draining admin, moves to its next admin URL
 * when it has one, and its running task's result is reported there.
 */
import { expect } from 'chai';
import { OasisWorker, type WorkerOptions } from '@oasis/worker-client';
import { FakeAdmin, makeTask } from '../../helpers/fake-admin.js';
import { sleep, waitFor } from '../../helpers/wait.js';

describe('worker-client: drain', function () {
  this.timeout(5000);
  const admins: FakeAdmin[] = [];
  let worker: OasisWorker | undefined;

  afterEach(async () => {
    await worker?.stop({ timeoutMs: 0 });
    worker = undefined;
    for (const a of admins.splice(0)) await a.close();
  });

  async function newAdmin(): Promise<FakeAdmin> {
    const a = await FakeAdmin.start();
    admins.push(a);
    return a;
  }

  function newWorker(over: Partial<WorkerOptions>): OasisWorker {
    worker = new OasisWorker({
      app: 'demo',
      token: 'secret',
      workerId: 'w-drain',
      pollMs: 50,
      ackTimeoutMs: 500,
      reconnectMinMs: 20,
      reconnectMaxMs: 50,
      logger: {},
      ...over,
    });
    return worker;
  }

  it('moves to the next admin URL, keeps its running task and reports the result there', async () => {
    const [first, second] = [await newAdmin(), await newAdmin()];
    const w = newWorker({ urls: [first.url, second.url] });
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    w.handle('slow', () => gate.then(() => 'finished after the move'));
    w.handle('quick', () => 'quick');
    const disconnects: string[] = [];
    w.on('disconnected', (reason) => disconnects.push(reason));
    const slow = makeTask('slow');
    first.enqueue(slow);
    await w.start();
    await waitFor(() => w.activeTasks === 1, 2000, 'the slow task to run', 5);

    first.drain();
    await waitFor(() => second.sockets.length === 1 && w.connected, 2000, 'the worker on the second admin', 5);
    expect(first.sockets.length, 'the first admin was left').to.equal(0);
    expect(disconnects).to.deep.equal(['the admin asked to drain']);
    expect(w.activeTasks, 'the running task goes on').to.equal(1);
    expect(w.state).to.equal('running');

    // Work now comes from the second admin; the first hands out nothing more.
    const pullsAtFirst = first.pulls.length;
    first.enqueue(makeTask('quick'));
    const quick = makeTask('quick');
    second.enqueue(quick);
    second.wake();
    await waitFor(() => second.accepted.has(quick.id), 2000, 'a task pulled from the second admin', 5);
    release();
    await waitFor(() => second.accepted.has(slow.id), 2000, 'the slow result at the second admin', 5);
    expect(second.accepted.get(slow.id)).to.include({ status: 'SUCCESS', output: 'finished after the move' });
    expect(first.allResults.map((r) => r.taskId)).to.not.include(slow.id);
    expect(first.pulls.length, 'no pull from the drained admin').to.equal(pullsAtFirst);
  });

  it('with one URL, stays connected without pulling: heartbeats offer no slot, results still go through', async () => {
    const only = await newAdmin();
    const w = newWorker({ url: only.url, heartbeatMs: 100 });
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    w.handle('slow', () => gate.then(() => 'done while drained'));
    const slow = makeTask('slow');
    only.enqueue(slow);
    await w.start();
    await waitFor(() => w.activeTasks === 1, 2000, 'the slow task to run', 5);

    only.drain();
    await sleep(30);
    const pulls = only.pulls.length;
    only.enqueue(makeTask('slow'));
    only.wake();
    const beats = only.heartbeats.length;
    await waitFor(() => only.heartbeats.length >= beats + 2, 2000, 'heartbeats after the drain', 5);
    expect(only.heartbeats.slice(beats).every((h) => h.free === 0 && h.running.includes(slow.id))).to.equal(true);
    expect(only.pulls.length, 'no pull after drain').to.equal(pulls);
    expect(only.sockets.length, 'still connected').to.equal(1);

    release();
    await waitFor(() => only.accepted.has(slow.id), 2000, 'the result delivered while drained', 5);
    expect(only.accepted.get(slow.id)).to.include({ status: 'SUCCESS', output: 'done while drained' });
  });
});
