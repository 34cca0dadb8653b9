import { expect } from 'chai';
import { Lifecycle, LifecycleState } from '../../server/src/lifecycle/lifecycle.js';
import { recordingLogger } from '../helpers/loggers.js';

/** A lifecycle whose parts write `start:<name>` / `stop:<name>` to `log`. */
function parts(names: readonly string[], opts: { failStart?: string; failStop?: string; noStart?: readonly string[] } = {}) {
  const log: string[] = [];
  const life = new Lifecycle(recordingLogger());
  for (const name of names) {
    life.add(name, {
      ...(!opts.noStart?.includes(name) && {
        start: async () => {
          await new Promise((r) => setTimeout(r, 1));
          if (name === opts.failStart) throw new Error(`${name} cannot start`);
          log.push(`start:${name}`);
        },
      }),
      stop: async () => {
        log.push(`stop:${name}`);
        if (name === opts.failStop) throw new Error(`${name} cannot stop`);
      },
    });
  }
  return { life, log };
}

/** Awaits `p`, expecting it to reject with a message matching `pattern`. */
async function rejects(p: Promise<unknown>, pattern: string | RegExp): Promise<void> {
  const err = await p.then(
    () => null,
    (e: unknown) => e as Error,
  );
  expect(err, 'rejected').to.be.instanceOf(Error);
  if (typeof pattern === 'string') expect(err!.message).to.equal(pattern);
  else expect(err!.message).to.match(pattern);
}

describe('lifecycle', () => {
  it('starts in the order parts were added and stops in reverse', async () => {
    const { life, log } = parts(['db', 'redis', 'http', 'scheduler']);
    expect(life.state).to.equal(LifecycleState.BUILT);
    await life.start();
    expect(life.state).to.equal(LifecycleState.RUNNING);
    await life.stop();
    expect(life.state).to.equal(LifecycleState.STOPPED);
    expect(log).to.deep.equal(['start:db', 'start:redis', 'start:http', 'start:scheduler', 'stop:scheduler', 'stop:http', 'stop:redis', 'stop:db']);
  });

  it('a part without start counts as running once added: stopped even when stop comes before start', async () => {
    const { life, log } = parts(['db', 'http'], { noStart: ['db'] });
    await life.stop();
    expect(log).to.deep.equal(['stop:db']);
    await rejects(life.start(), /cannot start once stopped/);
  });

  it('a failing start stops what started before it, in reverse, then throws', async () => {
    const { life, log } = parts(['db', 'redis', 'http', 'scheduler'], { failStart: 'http' });
    await rejects(life.start(), 'http cannot start');
    expect(log).to.deep.equal(['start:db', 'start:redis', 'stop:redis', 'stop:db']);
    expect(life.state).to.equal(LifecycleState.STOPPED);
  });

  it('a failing stop does not keep the rest running; the first failure is thrown', async () => {
    const { life, log } = parts(['db', 'redis', 'http'], { failStop: 'redis' });
    await life.start();
    await rejects(life.stop(), 'redis cannot stop');
    expect(log.filter((l) => l.startsWith('stop:'))).to.deep.equal(['stop:http', 'stop:redis', 'stop:db']);
  });

  it('stops each part once however often stop is called', async () => {
    const { life, log } = parts(['a', 'b']);
    await life.start();
    await Promise.all([life.stop(), life.stop()]);
    await life.stop();
    expect(log).to.deep.equal(['start:a', 'start:b', 'stop:b', 'stop:a']);
  });

  it('refuses new parts and a second start once started', async () => {
    const { life } = parts(['a']);
    await life.start();
    expect(() => life.add('late', {})).to.throw(/cannot add "late" once running/);
    await rejects(life.start(), /cannot start once running/);
    await life.stop();
  });
});
