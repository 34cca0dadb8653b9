/**
 * The holder rule, script by script: a worker of the app may append log lines to, report progress
 * for and complete only a task it holds (status RUNNING, the task hash's `workerId` is it). Another
 * worker of the same app, or a task still queued, is refused with the "rejected" code; a task no
 * longer in flight gets the "not in flight" code; nothing of the task changes on a refusal.
 */
import { expect } from 'chai';
import type { HotStore } from '../../server/src/store/redis/hot-store.js';
import { Verdict } from '../../server/src/store/redis/reply-codes.js';
import { enqueueManual, jobWithTwoWorkersEach } from '../helpers/hot-fixtures.js';
import type { TestRedis } from '../helpers/redis.js';

const APP = 'holder';
const NOW = 1_700_000_000_000;
const CAP = 100;

describe('lua: only the holder of a task logs, reports progress and completes it', function () {
  this.timeout(10_000);
  let t: TestRedis;
  let hot: HotStore;
  jobWithTwoWorkersEach(APP, 'BUSYOVER', NOW, (f) => ({ t, hot } = f));

  const enqueue = (taskId: string) => enqueueManual(hot, APP, 1, taskId, NOW);
  const result = (taskId: string, attempt = 1) => ({ taskId, attempt, status: 'SUCCESS' as const, startedAt: NOW, finishedAt: NOW });
  const pullAs = async (workerId: string) => (await hot.tasks.pull(APP, workerId, 1, NOW, 30_000)) ?? [];

  describe('append-log', () => {
    it('refuses lines for a queued task and from a worker that does not hold it; stores the holder\'s', async () => {
      await enqueue('1-A');
      expect(await hot.tasks.appendLog(APP, 'w1', '1-A', ['early'], CAP), 'queued, nobody holds it').to.deep.equal({ verdict: Verdict.REJECTED, stored: 0 });
      expect(await pullAs('w1')).to.have.length(1);
      expect(await hot.tasks.appendLog(APP, 'w2', '1-A', ['forged'], CAP), 'another worker of the app').to.deep.equal({ verdict: Verdict.REJECTED, stored: 0 });
      expect(await hot.tasks.appendLog(APP, 'w1', '1-A', ['mine', 'mine too'], CAP)).to.deep.equal({ verdict: Verdict.ACCEPTED, stored: 2 });
      expect(await hot.tasks.readLog(APP, '1-A', 0)).to.deep.equal(['mine', 'mine too']);
    });

    it('answers "not in flight" for a final or unknown task and creates no log list', async () => {
      await enqueue('1-A');
      await pullAs('w1');
      await hot.tasks.complete(APP, 'w1', [result('1-A')], NOW, 15_000);
      const before = await t.redis.llen(t.keys.app(APP).log('1-A'));
      expect(await hot.tasks.appendLog(APP, 'w1', '1-A', ['late'], CAP)).to.deep.equal({ verdict: Verdict.DUPLICATE, stored: 0 });
      expect(await t.redis.llen(t.keys.app(APP).log('1-A'))).to.equal(before);
      expect(await hot.tasks.appendLog(APP, 'w1', '1-NOPE', ['x'], CAP)).to.deep.equal({ verdict: Verdict.DUPLICATE, stored: 0 });
      expect(await t.redis.exists(t.keys.app(APP).log('1-NOPE'))).to.equal(0);
    });
  });

  describe('set-progress', () => {
    it('refuses a queued task and another worker (rejected), stores the holder\'s value', async () => {
      await enqueue('1-A');
      expect(await hot.tasks.setProgress(APP, 'w1', '1-A', 10)).to.equal(Verdict.REJECTED);
      await pullAs('w1');
      expect(await hot.tasks.setProgress(APP, 'w2', '1-A', 99)).to.equal(Verdict.REJECTED);
      expect(await hot.tasks.setProgress(APP, 'w1', '1-A', 40)).to.equal(Verdict.ACCEPTED);
      expect((await hot.tasks.get(APP, '1-A'))?.progress).to.equal(40);
    });

    it('answers "not in flight" (duplicate) for a final or unknown task', async () => {
      await enqueue('1-A');
      await pullAs('w1');
      await hot.tasks.complete(APP, 'w1', [result('1-A')], NOW, 15_000);
      expect(await hot.tasks.setProgress(APP, 'w1', '1-A', 50)).to.equal(Verdict.DUPLICATE);
      expect(await hot.tasks.setProgress(APP, 'w1', '1-NOPE', 50)).to.equal(Verdict.DUPLICATE);
      expect(await t.redis.exists(t.keys.app(APP).task('1-NOPE'))).to.equal(0);
    });
  });

  describe('complete-tasks', () => {
    it('rejects a queued task, another worker and another attempt; accepts the holder; then duplicate', async () => {
      await enqueue('1-A');
      expect((await hot.tasks.complete(APP, 'w1', [result('1-A')], NOW, 15_000)).verdicts).to.deep.equal([Verdict.REJECTED]);
      await pullAs('w1');
      const byOther = await hot.tasks.complete(APP, 'w2', [result('1-A')], NOW, 15_000);
      expect(byOther.verdicts).to.deep.equal([Verdict.REJECTED]);
      expect((await hot.tasks.complete(APP, 'w1', [result('1-A', 2)], NOW, 15_000)).verdicts).to.deep.equal([Verdict.REJECTED]);
      expect((await hot.tasks.get(APP, '1-A'))?.status, 'still running after the refusals').to.equal('RUNNING');
      expect(await t.redis.xlen(t.keys.app(APP).finals)).to.equal(0);
      expect((await hot.tasks.complete(APP, 'w1', [result('1-A')], NOW, 15_000)).verdicts).to.deep.equal([Verdict.ACCEPTED]);
      expect((await hot.tasks.complete(APP, 'w1', [result('1-A')], NOW, 15_000)).verdicts).to.deep.equal([Verdict.DUPLICATE]);
      expect(await t.redis.xlen(t.keys.app(APP).finals)).to.equal(1);
    });
  });
});
