import { expect } from 'chai';
import type { HotStore } from '../../server/src/store/redis/hot-store.js';
import { Verdict } from '../../server/src/store/redis/reply-codes.js';
import { enqueueManual, jobWithTwoWorkersEach } from '../helpers/hot-fixtures.js';
import type { TestRedis } from '../helpers/redis.js';

const APP = 'prog';
const NOW = 1_700_000_000_000;

describe('lua: set-progress', function () {
  this.timeout(10_000);
  let t: TestRedis;
  let hot: HotStore;
  jobWithTwoWorkersEach(APP, 'ANY', NOW, (f) => ({ t, hot } = f));

  const enqueue = (taskId: string) => enqueueManual(hot, APP, 1, taskId, NOW);

  it('stores the latest value only while the task runs under the reporting worker', async () => {
    await enqueue('1-A');
    expect(await hot.tasks.setProgress(APP, 'w1', '1-A', 10), 'queued, not running yet').to.equal(Verdict.REJECTED);
    expect((await hot.tasks.get(APP, '1-A'))?.progress).to.equal(null);

    const [task] = (await hot.tasks.pull(APP, 'w1', 1, NOW, 30_000)) ?? [];
    expect(task?.id).to.equal('1-A');
    expect(await hot.tasks.setProgress(APP, 'w1', '1-A', 10)).to.equal(Verdict.ACCEPTED);
    expect(await hot.tasks.setProgress(APP, 'w1', '1-A', 42.5)).to.equal(Verdict.ACCEPTED);
    expect(await hot.tasks.setProgress(APP, 'w2', '1-A', 99), 'another worker').to.equal(Verdict.REJECTED);
    expect((await hot.tasks.get(APP, '1-A'))?.progress).to.equal(42.5);

    await hot.tasks.complete(APP, 'w1', [{ taskId: '1-A', attempt: 1, status: 'SUCCESS', startedAt: NOW, finishedAt: NOW }], NOW, 15_000);
    expect(await hot.tasks.setProgress(APP, 'w1', '1-A', 50), 'final').to.equal(Verdict.DUPLICATE);
    expect(await hot.tasks.get(APP, '1-A')).to.equal(null);
  });

  it('never creates a task hash for an unknown task', async () => {
    expect(await hot.tasks.setProgress(APP, 'w1', '1-NOPE', 5)).to.equal(Verdict.DUPLICATE);
    expect(await t.redis.exists(t.keys.app(APP).task('1-NOPE'))).to.equal(0);
  });
});
