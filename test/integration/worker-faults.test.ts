/**
 * Issue 11 items 1 and 2 through a real admin (API, /worker gateway, sweeper) and raw workers:
 * a pulled task its worker never acknowledges goes back and runs once; a disconnect shorter
 * than the reconnect grace keeps the running task; a worker that does not come back has its
 * running task LOST within seconds (not the lease) and retried; with no worker a trigger waits,
 * listed as waiting for a worker, and the worker that comes runs it.
 */
import { expect } from 'chai';
import { PROTOCOL_VERSION } from '@oasis/worker-client/protocol';
import { startInProcessAdmin, type InProcessAdmin } from '../helpers/in-process-admin.js';
import { connected, openWorkerSocket, rawWorker, type RawWorker } from '../helpers/raw-worker.js';
import { sleep, waitFor } from '../helpers/wait.js';

interface TaskView {
  id: string;
  status: string;
  workerId: string | null;
  attempt: number;
  error: string | null;
  waitingForWorkerSince?: number | null;
}
type Ok<T> = T & { ok: boolean };

describe('worker faults: delivery acknowledged, reconnect grace, no-worker grace (real admin, raw workers)', function () {
  this.timeout(60_000);
  let world: InProcessAdmin;
  let token: string;
  const workers: RawWorker[] = [];
  let n = 0;

  before(async () => {
    // Raw workers send no heartbeats: TTL and lease outlast the file, so only the features under
    // test (ack deadline, reconnect grace) can move a task.
    world = await startInProcessAdmin({
      env: {
        OASIS_WORKER_TTL_MS: '600000',
        OASIS_TASK_LEASE_MS: '600000',
        OASIS_DELIVERY_ACK_MS: '1000',
        OASIS_WORKER_RECONNECT_GRACE_MS: '1500',
        OASIS_SWEEP_MS: '100',
      },
    });
    ({ token } = await world.api.ok<{ token: string }>('POST', '/api/v1/apps', { name: 'wf' }));
  });
  after(async () => {
    for (const w of workers) w.close();
    await world?.close();
  });

  const connect = async (workerId: string, concurrency = 1) => {
    const w = await rawWorker(world.admin.url, { app: 'wf', token, workerId, concurrency });
    workers.push(w);
    return w;
  };
  /** A worker reconnecting with the same id and the list of the tasks it holds. */
  const reconnect = async (workerId: string, holding: string[]): Promise<RawWorker> => {
    const socket = openWorkerSocket(world.admin.url, { app: 'wf', token, workerId, concurrency: 1, handlers: ['h'], protocol: PROTOCOL_VERSION, holding });
    await connected(socket);
    const w: RawWorker = { socket, workerId, call: (e, m, ms = 5000) => socket.timeout(ms).emitWithAck(e, m), close: () => socket.disconnect() };
    workers.push(w);
    return w;
  };
  const newJob = async (retry?: { count: number; delayMs: number }) =>
    (await world.api.ok<{ id: number }>('POST', '/api/v1/jobs', { app: 'wf', name: `j${++n}`, handler: 'h', schedule: { type: 'NONE' }, ...(retry ? { retry } : {}) })).id;
  const trigger = async (jobId: number) => (await world.api.ok<{ taskId: string }>('POST', `/api/v1/jobs/${jobId}/trigger`, {})).taskId;
  const task = (id: string) => world.api.ok<TaskView>('GET', `/api/v1/logs/${id}`);
  const pull = async (w: RawWorker) => (await w.call<Ok<{ tasks: { id: string; attempt: number }[] }>>('pull', { max: 1 })).tasks;
  const ack = async (w: RawWorker, ids: string[]) => (await w.call<Ok<{ acked: string[] }>>('ack', { taskIds: ids })).acked;
  const report = async (w: RawWorker, taskId: string, attempt = 1) =>
    (await w.call<Ok<{ verdicts: string[] }>>('results', { results: [{ taskId, attempt, status: 'SUCCESS', startedAt: Date.now(), finishedAt: Date.now() }] })).verdicts;
  const final = (id: string) => waitFor(async () => ((await task(id)).status !== 'RUNNING' && (await task(id)).status !== 'QUEUED' ? task(id) : null), 10_000, `task ${id} final`);

  it('a pulled task its worker never acknowledges goes back to the queue and runs once, never LOST', async () => {
    const jobId = await newJob();
    const a = await connect('ack-a');
    const taskId = await trigger(jobId);
    expect((await pull(a)).map((t) => t.id)).to.deep.equal([taskId]);
    // a never acknowledges (its reply was lost, it froze); b is woken when the task goes back.
    const b = await connect('ack-b');
    const woken = new Promise<void>((resolve) => b.socket.once('wake', () => resolve()));
    await woken;
    expect((await task(taskId)).status).to.equal('QUEUED');
    expect((await pull(b)).map((t) => t.id)).to.deep.equal([taskId]);
    expect(await ack(b, [taskId])).to.deep.equal([taskId]);
    expect(await ack(a, [taskId]), 'the late ack of the first worker starts nothing').to.deep.equal([]);
    expect(await report(a, taskId)).to.deep.equal(['rejected']);
    expect(await report(b, taskId)).to.deep.equal(['accepted']);
    expect(await final(taskId)).to.include({ status: 'SUCCESS', workerId: 'ack-b' });
    a.close();
    b.close();
  });

  it('a disconnect shorter than the reconnect grace keeps the running task: the worker back with the same id reports it', async () => {
    const jobId = await newJob();
    const w = await connect('brief');
    const taskId = await trigger(jobId);
    expect(await ack(w, (await pull(w)).map((t) => t.id))).to.deep.equal([taskId]);
    w.close();
    await sleep(700);
    const back = await reconnect('brief', [taskId]);
    await sleep(1500); // past the grace counted from the disconnect: the worker is connected again
    expect((await task(taskId)).status).to.equal('RUNNING');
    expect(await report(back, taskId)).to.deep.equal(['accepted']);
    expect(await final(taskId)).to.include({ status: 'SUCCESS', workerId: 'brief' });
    back.close();
  });

  it('a worker that does not come back within the grace: its running task is LOST within seconds (not the lease) and retried', async () => {
    const jobId = await newJob({ count: 1, delayMs: 0 });
    const gone = await connect('gone');
    const taskId = await trigger(jobId);
    expect(await ack(gone, (await pull(gone)).map((t) => t.id))).to.deep.equal([taskId]);
    const other = await connect('other');
    const closedAt = Date.now();
    gone.close();
    const lost = await final(taskId);
    expect(lost.status).to.equal('LOST');
    expect(lost.error).to.match(/disconnected and did not come back within 1500 ms/);
    expect(Date.now() - closedAt, 'LOST after the grace, long before the 600 s lease').to.be.below(10_000);
    const retry = await waitFor(async () => (await pull(other))[0], 10_000, 'the retry pulled by the other worker');
    expect(retry).to.include({ id: `${taskId}-a2`, attempt: 2 });
    expect(await ack(other, [retry.id])).to.deep.equal([retry.id]);
    expect(await report(other, retry.id, 2)).to.deep.equal(['accepted']);
    other.close();
  });

  it('with no worker a trigger waits, listed as waiting for a worker, and the worker that comes runs it (0 NO_WORKER)', async () => {
    const jobId = await newJob();
    // The app's last worker leaves (a restart): what is routed now waits for the next one.
    (await connect('restarting')).close();
    await sleep(200);
    const taskId = await trigger(jobId);
    const waiting = await task(taskId);
    expect(waiting.status).to.equal('QUEUED');
    expect(waiting.waitingForWorkerSince).to.be.a('number');
    const listed = await world.api.ok<{ items: TaskView[] }>('GET', `/api/v1/logs?jobId=${jobId}`);
    expect(listed.items.map((i) => [i.id, i.status, typeof i.waitingForWorkerSince])).to.deep.equal([[taskId, 'QUEUED', 'number']]);
    await sleep(2000); // past the reconnect grace: the worker is retired, the task still waits
    const w = await reconnect('restarting', []);
    expect(await ack(w, (await pull(w)).map((t) => t.id))).to.deep.equal([taskId]);
    expect(await report(w, taskId)).to.deep.equal(['accepted']);
    expect(await final(taskId)).to.include({ status: 'SUCCESS' });
    w.close();
  });
});
