import { expect } from 'chai';
import { loopDelayMonitor } from '../../server/src/lifecycle/loop-delay.js';
import { recordingLogger } from '../helpers/loggers.js';
import { sleep, waitFor } from '../helpers/wait.js';

describe('lifecycle: the event-loop health line (debug log)', () => {
  it('reports delay, utilisation over the interval and the roles on one line, and nothing once stopped', async () => {
    const logger = recordingLogger(['debug']);
    const monitor = loopDelayMonitor(logger, { roles: ['scheduler', 'dispatch'], everyMs: 200 });
    monitor.start();
    try {
      // Keep the loop busy for most of one interval: the next line's utilisation shows it.
      await sleep(20);
      const until = performance.now() + 150;
      while (performance.now() < until) {
        /* busy */
      }
      const busy = await waitFor(() => logger.lines.find((l) => (l.obj.elu as number) > 0.3), 3000, 'a busy interval');
      expect(busy.msg).to.match(/^event loop delay/);
      expect(busy.obj).to.include.keys('p50', 'p99', 'max', 'elu', 'roles');
      expect(busy.obj.roles).to.deep.equal(['scheduler', 'dispatch']);
      expect(busy.obj.max as number).to.be.above(50);
      // An idle interval afterwards: the utilisation is per interval, not since the start.
      const idle = await waitFor(() => logger.lines.slice(logger.lines.indexOf(busy) + 1).find((l) => (l.obj.elu as number) < 0.2), 3000, 'an idle interval');
      expect(idle.obj.elu as number).to.be.at.least(0);
    } finally {
      monitor.stop();
    }
    const count = logger.lines.length;
    await sleep(450);
    expect(logger.lines.length).to.equal(count);
  });
});
