/**
 * The SDK remembers the fires it ran lately (issue 11, Redis data loss): a fire handed out again
 * under a new task id — the admin's Redis lost the second in which its final record was — is not
 * run a second time; the first run's result is reported for the new task. A manual trigger, a
 * new attempt or another shard is another fire and runs; `rememberFiresMs: 0` turns it off.
 */
import { expect } from 'chai';
import { OasisWorker, type WorkerOptions } from '@oasis/worker-client';
import { TriggerType } from '@oasis/worker-client/protocol';
import { FireMemory } from '../../../worker-client/src/fire-memory.js';
import { FakeAdmin, makeTask } from '../../helpers/fake-admin.js';
import { quietWorkerLogger } from '../../helpers/loggers.js';
import { waitFor } from '../../helpers/wait.js';

describe('worker-client: fires run lately are not run again', function () {
  this.timeout(10_000);
  let admin: FakeAdmin;
  let worker: OasisWorker | undefined;

  beforeEach(async () => {
    admin = await FakeAdmin.start();
  });
  afterEach(async () => {
    await worker?.stop({ timeoutMs: 0 });
    worker = undefined;
    await admin.close();
  });

  /** A started worker whose handler `h` counts its runs and returns the task id it ran as. */
  async function counting(over: Partial<WorkerOptions> = {}): Promise<string[]> {
    const runs: string[] = [];
    worker = new OasisWorker({ url: admin.url, app: 'demo', token: 'secret', pollMs: 50, livenessThread: false, logger: quietWorkerLogger, ...over });
    worker.handle('h', (ctx) => {
      runs.push(ctx.taskId);
      return { ranAs: ctx.taskId };
    });
    await worker.start();
    return runs;
  }

  async function handOut(task: ReturnType<typeof makeTask>): Promise<void> {
    admin.enqueue(task);
    admin.wake();
    await waitFor(() => admin.accepted.has(task.id), 5000, `the result of ${task.id}`, 5);
  }

  it('reports the first run\'s result for a scheduled fire handed out again under a new task id', async () => {
    const runs = await counting();
    const fire = { jobId: 7, scheduledAt: 1_790_000_000_000, triggerType: TriggerType.FIXED };
    const first = makeTask('h', fire);
    await handOut(first);
    const again = makeTask('h', fire);
    await handOut(again);
    expect(runs).to.deep.equal([first.id]);
    const a = admin.accepted.get(first.id);
    const b = admin.accepted.get(again.id);
    expect(b?.status).to.equal('SUCCESS');
    expect(b?.output).to.equal(a?.output);
    expect(JSON.parse(b?.output ?? '{}')).to.deep.equal({ ranAs: first.id });
    expect([b?.startedAt, b?.finishedAt]).to.deep.equal([a?.startedAt, a?.finishedAt]);
  });

  it('a copy handed out while the first run is still going waits for it and gets its result (chaos (f): 5 fires ran twice, 100 ms apart)', async () => {
    const runs: string[] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    worker = new OasisWorker({ url: admin.url, app: 'demo', token: 'secret', pollMs: 50, livenessThread: false, logger: quietWorkerLogger });
    worker.handle('slow', async (ctx) => {
      runs.push(ctx.taskId);
      await gate;
      return { ranAs: ctx.taskId };
    });
    await worker.start();
    const fire = { jobId: 11, scheduledAt: 1_790_000_000_000, triggerType: TriggerType.CRON };
    const first = makeTask('slow', fire);
    admin.enqueue(first);
    admin.wake();
    await waitFor(() => runs.length === 1, 5000, 'the first run to start', 5);
    const again = makeTask('slow', fire);
    admin.enqueue(again);
    admin.wake();
    await waitFor(() => !admin.queue.some((t) => t.id === again.id), 5000, 'the copy to be pulled', 5);
    await new Promise((r) => setTimeout(r, 200));
    expect(runs, 'the copy did not start a second run').to.deep.equal([first.id]);
    expect(admin.accepted.has(again.id), 'the copy waits for the first run').to.equal(false);
    release();
    await waitFor(() => admin.accepted.has(first.id) && admin.accepted.has(again.id), 5000, 'both results', 5);
    expect(runs).to.deep.equal([first.id]);
    expect(JSON.parse(admin.accepted.get(again.id)?.output ?? '{}')).to.deep.equal({ ranAs: first.id });
    expect(admin.accepted.get(again.id)?.status).to.equal('SUCCESS');
  });

  it('runs what is another fire: a manual trigger in the same ms, another attempt, another shard', async () => {
    const runs = await counting();
    const at = 1_790_000_000_000;
    const tasks = [
      makeTask('h', { jobId: 8, scheduledAt: at, triggerType: TriggerType.MANUAL }),
      makeTask('h', { jobId: 8, scheduledAt: at, triggerType: TriggerType.MANUAL }),
      makeTask('h', { jobId: 9, scheduledAt: at, triggerType: TriggerType.CRON }),
      makeTask('h', { jobId: 9, scheduledAt: at, triggerType: TriggerType.RETRY, attempt: 2 }),
      makeTask('h', { jobId: 9, scheduledAt: at, triggerType: TriggerType.CRON, shard: { index: 1, total: 2 } }),
    ];
    for (const t of tasks) await handOut(t);
    expect(runs).to.deep.equal(tasks.map((t) => t.id));
  });

  it('runs it again with rememberFiresMs: 0, and rejects a bad setting', async () => {
    const runs = await counting({ rememberFiresMs: 0 });
    const fire = { jobId: 10, scheduledAt: 1_790_000_000_000, triggerType: TriggerType.CRON };
    const first = makeTask('h', fire);
    const again = makeTask('h', fire);
    await handOut(first);
    await handOut(again);
    expect(runs).to.deep.equal([first.id, again.id]);
    expect(() => new OasisWorker({ url: admin.url, app: 'demo', token: 'secret', rememberFiresMs: -1 })).to.throw(/rememberFiresMs/);
  });

  it('forgets the oldest fires past the cap and every fire past the TTL', () => {
    let now = 1_000;
    const memory = new FireMemory(10_000, 2, () => now);
    const fire = (jobId: number) => makeTask('h', { jobId, scheduledAt: 5_000, triggerType: TriggerType.FIXED });
    const ok = (taskId: string) => ({ taskId, attempt: 1, status: 'SUCCESS' as const, startedAt: now, finishedAt: now });
    for (const j of [1, 2, 3]) {
      const t = fire(j);
      memory.remember(t, ok(t.id));
    }
    expect(memory.size).to.equal(2);
    expect(memory.recall(fire(1)), 'the oldest went past the cap').to.equal(undefined);
    expect(memory.recall(fire(3))?.result.status).to.equal('SUCCESS');
    now += 10_001;
    const t4 = fire(4);
    memory.remember(t4, ok(t4.id));
    expect(memory.recall(fire(2)), 'past the TTL').to.equal(undefined);
    expect(memory.recall(fire(3))).to.equal(undefined);
    expect(memory.size).to.equal(1);
  });
});
