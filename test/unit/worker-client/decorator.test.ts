/**
 * `@OasisJob` (standard TC39 decorators, compiled by tsx/esbuild as the repo's tsconfig says) and
 * `worker.register(instance)`, including a run through the fake admin.
 */
import { expect } from 'chai';
import { OasisJob, OasisWorker, type JobContext } from '@oasis/worker-client';
import { FakeAdmin, makeTask } from '../../helpers/fake-admin.js';
import { waitFor } from '../../helpers/wait.js';

const quiet = { warn: () => {}, error: () => {} };
const newWorker = (url = 'http://127.0.0.1:1') =>
  new OasisWorker({ url, app: 'demo', token: 'secret', workerId: 'w-deco', pollMs: 50, ackTimeoutMs: 500, logger: quiet });

class ReportJobs {
  private readonly rows = 42;
  @OasisJob('dailyReport')
  async daily(ctx: JobContext) {
    ctx.log('building');
    return { rows: this.rows, shard: ctx.shard.index };
  }

  @OasisJob('weeklyReport')
  weekly() {
    return `weekly ${this.rows}`;
  }

  /** Not a handler. */
  helper() {
    return 1;
  }
}

describe('worker-client: @OasisJob decorator and register()', function () {
  this.timeout(5000);

  it('registers every decorated method under its name and returns the names', () => {
    const w = newWorker();
    expect(w.register(new ReportJobs())).to.have.members(['dailyReport', 'weeklyReport']);
    expect(() => w.handle('dailyReport', () => 1)).to.throw(/already registered/);
    expect(() => w.handle('helper', () => 1)).to.not.throw();
  });

  it('runs the methods bound to their instance, through a real admin connection', async () => {
    const admin = await FakeAdmin.start();
    const w = newWorker(admin.url);
    try {
      w.register(new ReportJobs());
      const a = makeTask('dailyReport', { shard: { index: 2, total: 3 } });
      const b = makeTask('weeklyReport');
      admin.enqueue(a, b);
      await w.start();
      expect(admin.handshakes[0]?.handlers).to.have.members(['dailyReport', 'weeklyReport']);
      await waitFor(() => admin.accepted.size === 2, 3000, 'two results', 5);
      expect(admin.accepted.get(a.id)).to.include({ status: 'SUCCESS', output: '{"rows":42,"shard":2}' });
      expect(admin.accepted.get(b.id)).to.include({ status: 'SUCCESS', output: 'weekly 42' });
      await waitFor(() => admin.logs.some((l) => l.taskId === a.id), 3000, 'the log line', 5);
      expect(admin.logs.find((l) => l.taskId === a.id)?.lines[0]).to.match(/building$/);
    } finally {
      await w.stop({ timeoutMs: 0 });
      await admin.close();
    }
  });

  it('refuses one name on two methods of a class, naming both', () => {
    class Twice {
      @OasisJob('same') one() {}
      @OasisJob('same') two() {}
    }
    expect(() => newWorker().register(new Twice())).to.throw(TypeError, /@OasisJob\('same'\) is on two methods of Twice: "one" and "two"/);
  });

  it('is all or nothing when a name is already taken on the worker', () => {
    const w = newWorker();
    w.handle('weeklyReport', () => 0);
    expect(() => w.register(new ReportJobs())).to.throw(/ReportJobs\.weekly: a handler named "weeklyReport" is already registered/);
    // dailyReport was not registered either.
    expect(() => w.handle('dailyReport', () => 1)).to.not.throw();
  });

  it('registering two instances of one class collides on the names', () => {
    const w = newWorker();
    w.register(new ReportJobs());
    expect(() => w.register(new ReportJobs())).to.throw(/already registered/);
  });

  it('refuses an object without decorated methods, and non-objects', () => {
    expect(() => newWorker().register({ run: () => 1 })).to.throw(TypeError, /Object has no @OasisJob/);
    expect(() => newWorker().register(null as unknown as object)).to.throw(TypeError);
  });

  it('refuses bad names and non-methods when the class is defined', () => {
    expect(() => OasisJob('has space')).to.throw(TypeError, /without spaces/);
    expect(() => OasisJob('')).to.throw(TypeError);
    expect(() => {
      class Static {
        @OasisJob('s') static run() {}
      }
      return Static;
    }).to.throw(TypeError, /instance method \(got a static method "run"\)/);
  });

  it('finds inherited handlers; an undecorated override is no longer one', () => {
    class Base {
      @OasisJob('base') base() {
        return 'base';
      }
      @OasisJob('overridden') over() {
        return 'base';
      }
    }
    class Child extends Base {
      @OasisJob('child') child() {
        return 'child';
      }
      override over() {
        return 'child';
      }
    }
    expect(newWorker().register(new Child())).to.have.members(['base', 'child']);
  });
});
