import { expect } from 'chai';
import { AppError } from '../../server/src/domain/errors.js';
import { jobIdOfTask, newTaskId } from '../../server/src/domain/ids.js';
import { followingFire, nextFireAfter, nextFires, planJson, validateSchedule } from '../../server/src/domain/schedule.js';

const at = (iso: string) => Date.parse(iso);

describe('domain: schedule math', () => {
  it('cron with a seconds field fires on those seconds', () => {
    const s = validateSchedule({ type: 'CRON', cron: '*/15 * * * * *' });
    expect(nextFires(s, at('2026-01-01T00:00:01Z'), 3)).to.deep.equal([
      at('2026-01-01T00:00:15Z'),
      at('2026-01-01T00:00:30Z'),
      at('2026-01-01T00:00:45Z'),
    ]);
  });

  it('cron is read in the job time zone', () => {
    const s = validateSchedule({ type: 'CRON', cron: '0 0 9 * * *', timezone: 'Asia/Shanghai' });
    expect(nextFireAfter(s, at('2026-03-01T00:00:00Z'))).to.equal(at('2026-03-01T01:00:00Z'));
  });

  it('the next fire is strictly after the given instant', () => {
    const s = validateSchedule({ type: 'CRON', cron: '* * * * * *' });
    const t = at('2026-01-01T00:00:05Z');
    expect(nextFireAfter(s, t)).to.equal(t + 1000);
  });

  it('fixed rate keeps its phase from the previous planned time, also when skipping missed fires', () => {
    const s = { type: 'FIXED_RATE' as const, everyMs: 1000 };
    expect(followingFire(s, 10_000)).to.equal(11_000);
    expect(followingFire(s, 10_000, 13_500)).to.equal(14_000);
    expect(followingFire(s, 10_000, 14_000)).to.equal(15_000);
  });

  it('NONE never fires', () => {
    expect(nextFireAfter({ type: 'NONE' }, 0)).to.equal(null);
  });

  it('refuses a bad cron and a bad zone with their own codes', () => {
    const code = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        return (err as AppError).code;
      }
      return null;
    };
    expect(code(() => validateSchedule({ type: 'CRON', cron: 'nope' }))).to.equal('OASIS_ERR_BAD_CRON');
    expect(code(() => validateSchedule({ type: 'CRON', cron: '61 * * * * *' }))).to.equal('OASIS_ERR_BAD_CRON');
    expect(code(() => validateSchedule({ type: 'CRON', cron: '* * * * *', timezone: 'Mars/Olympus' }))).to.equal('OASIS_ERR_BAD_TIMEZONE');
  });

  it('plan JSON is stable for equal plans', () => {
    const a = planJson({ schedule: { type: 'CRON', cron: '* * * * * *' }, misfire: { policy: 'SKIP', thresholdMs: 5 } });
    const b = planJson({ misfire: { thresholdMs: 5, policy: 'SKIP' }, schedule: { timezone: 'UTC', cron: '* * * * * *', type: 'CRON' } });
    expect(a).to.equal(b);
  });

  it('task ids carry their job id', () => {
    const id = newTaskId(42);
    expect(id).to.match(/^42-[0-9A-Z]{26}$/);
    expect(jobIdOfTask(id)).to.equal(42);
    expect(jobIdOfTask('garbage')).to.equal(null);
  });

  it('task ids made in the same millisecond are distinct and sort by time', () => {
    const ids = Array.from({ length: 50_000 }, () => newTaskId(1, 1_700_000_000_000));
    expect(new Set(ids).size).to.equal(ids.length);
    expect(newTaskId(1, 1_700_000_000_001) > (ids[0] as string)).to.equal(true);
  });
});
