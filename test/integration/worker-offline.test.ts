/**
 * A worker that disconnects with tasks queued for it alone: the tasks move to the app's shared
 * queue at once and the app's other workers are woken for them (the `rerouted` effect), long
 * before the sweeper would retire the silent worker.
 */
import { expect } from 'chai';
import type { Socket } from 'socket.io-client';
import { startInProcessAdmin, type InProcessAdmin } from '../helpers/in-process-admin.js';
import { RAW_WORKER_ENV, rawWorker, type RawWorker } from '../helpers/raw-worker.js';
import { waitFor } from '../helpers/wait.js';

/** Counts the `wake` pushes a socket receives. */
function wakes(socket: Socket): { count: number } {
  const seen = { count: 0 };
  socket.on('wake', () => void seen.count++);
  return seen;
}

describe('worker offline: its queued tasks go to the shared queue and wake the others (real admin)', function () {
  this.timeout(30_000);
  let world: InProcessAdmin;
  const workers: RawWorker[] = [];

  before(async () => {
    // Workers live 10 minutes without heartbeats here: only the disconnect can move the task.
    world = await startInProcessAdmin({ env: RAW_WORKER_ENV });
  });
  after(async () => {
    for (const w of workers) w.close();
    await world?.close();
  });

  it('moves the queued task of a disconnected worker and wakes the remaining worker, which pulls it', async () => {
    const { api, admin } = world;
    const { token } = await api.ok<{ token: string }>('POST', '/api/v1/apps', { name: 'off' });
    const job = await api.ok<{ id: number }>('POST', '/api/v1/jobs', { app: 'off', name: 'j', handler: 'h', routing: 'FIRST', schedule: { type: 'NONE' } });
    for (const workerId of ['w1', 'w2']) workers.push(await rawWorker(admin.url, { app: 'off', token, workerId }));
    const seen = workers.map((w) => wakes(w.socket));

    const { taskId } = await api.ok<{ taskId: string }>('POST', `/api/v1/jobs/${job.id}/trigger`, {});
    // FIRST routes to one worker's own queue: only that worker is woken.
    await waitFor(async () => seen.some((s) => s.count > 0), 5000, 'the target worker woken');
    const target = seen.findIndex((s) => s.count > 0);
    const other = 1 - target;
    expect(seen[other]!.count, 'the other worker is not woken for a task queued for the target').to.equal(0);

    workers[target]!.close();
    await waitFor(async () => seen[other]!.count > 0, 5000, 'the remaining worker woken for the re-routed task');
    const pulled = await workers[other]!.call<{ ok: boolean; tasks: { id: string }[] }>('pull', { max: 1 });
    expect(pulled.tasks.map((t) => t.id)).to.deep.equal([taskId]);
  });
});
