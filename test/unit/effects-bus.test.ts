import { expect } from 'chai';
import { ABORT_REASON, Effect, EffectsBus, SHARED_QUEUE } from '../../server/src/events/effects-bus.js';
import { recordingLogger } from '../helpers/loggers.js';

describe('effects bus', () => {
  it('delivers each kind to its own listeners only, in the order they subscribed', () => {
    const bus = new EffectsBus(recordingLogger());
    const seen: string[] = [];
    bus.on(Effect.QUEUED, (e) => void seen.push(`a:${e.app}:${e.targets.join(',')}`));
    bus.on(Effect.QUEUED, (e) => void seen.push(`b:${e.app}`));
    bus.on(Effect.FINALS, (e) => void seen.push(`finals:${e.app}`));
    bus.publish(Effect.QUEUED, { app: 'x', targets: ['w1', SHARED_QUEUE] });
    expect(seen).to.deep.equal(['a:x:w1,', 'b:x']);
    bus.publish(Effect.FINALS, { app: 'y' });
    expect(seen).to.deep.equal(['a:x:w1,', 'b:x', 'finals:y']);
    bus.publish(Effect.REROUTED, { app: 'nobody listens' });
  });

  it('unsubscribes, also from inside a publish without disturbing it', () => {
    const bus = new EffectsBus(recordingLogger());
    const seen: string[] = [];
    const offFirst = bus.on(Effect.RESCHEDULED, () => {
      seen.push('first');
      offFirst();
    });
    bus.on(Effect.RESCHEDULED, () => void seen.push('second'));
    bus.publish(Effect.RESCHEDULED, { app: 'a' });
    bus.publish(Effect.RESCHEDULED, { app: 'a' });
    expect(seen).to.deep.equal(['first', 'second', 'second']);
  });

  it('logs a throwing listener and still runs the others', () => {
    const logger = recordingLogger();
    const bus = new EffectsBus(logger);
    const seen: string[] = [];
    bus.on(Effect.FINALS, () => {
      throw new Error('boom');
    });
    bus.on(Effect.FINALS, () => void seen.push('after'));
    expect(() => bus.publish(Effect.FINALS, { app: 'a' })).not.to.throw();
    expect(seen).to.deep.equal(['after']);
    expect(logger.lines.filter((l) => l.level === 'error')).to.have.length(1);
    expect(logger.lines[0]!.obj.kind).to.equal(Effect.FINALS);
  });

  it('turns a task script reply into queued, one abort per killed task and rescheduled', () => {
    const bus = new EffectsBus(recordingLogger());
    const seen: unknown[] = [];
    for (const kind of [Effect.QUEUED, Effect.ABORT, Effect.RESCHEDULED] as const) bus.on(kind, (e) => void seen.push([kind, e]));
    bus.publishScript('app', { wake: ['w1'], kill: [['t1', 'w1'], ['t2', 'w2']], resched: true });
    expect(seen).to.deep.equal([
      [Effect.QUEUED, { app: 'app', targets: ['w1'] }],
      [Effect.ABORT, { app: 'app', workerId: 'w1', taskId: 't1', reason: ABORT_REASON }],
      [Effect.ABORT, { app: 'app', workerId: 'w2', taskId: 't2', reason: ABORT_REASON }],
      [Effect.RESCHEDULED, { app: 'app' }],
    ]);
    seen.length = 0;
    bus.publishScript('app', { wake: [], kill: [], resched: false });
    expect(seen).to.deep.equal([]);
  });
});
