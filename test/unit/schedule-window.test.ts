import { expect } from 'chai';
import type { AppError } from '../../server/src/domain/errors.js';
import { firesDue, followingFire, nextFireAfter, nextFires, planJson, validateSchedule } from '../../server/src/domain/schedule.js';
import type { Schedule } from '../../server/src/domain/types.js';

const at = (iso: string) => Date.parse(iso);
const T0 = at('2026-05-01T00:00:00Z');

function refusal(fn: () => unknown): { code: string; message: string } | null {
  try {
    fn();
  } catch (err) {
    return { code: (err as AppError).code, message: (err as Error).message };
  }
  return null;
}

describe('domain: schedule types, windows and previews', () => {
  describe('startAt / endAt', () => {
    it('cron: the first fire is at or after startAt, none after endAt', () => {
      const s: Schedule = { type: 'CRON', cron: '0 0 * * * *', startAt: T0 + 3600_000, endAt: T0 + 3 * 3600_000 };
      expect(nextFireAfter(s, T0 - 86_400_000)).to.equal(T0 + 3600_000);
      expect(nextFires(s, T0, 10)).to.deep.equal([T0 + 3600_000, T0 + 2 * 3600_000, T0 + 3 * 3600_000]);
      expect(nextFireAfter(s, T0 + 3 * 3600_000)).to.equal(null);
      expect(followingFire(s, T0 + 3 * 3600_000)).to.equal(null);
    });

    it('fixed rate: the phase is startAt when given', () => {
      const s: Schedule = { type: 'FIXED_RATE', everyMs: 1000, startAt: T0 + 500 };
      expect(nextFireAfter(s, T0)).to.equal(T0 + 500);
      expect(nextFireAfter(s, T0 + 500)).to.equal(T0 + 1500);
      expect(nextFireAfter(s, T0 + 10_700)).to.equal(T0 + 11_500);
      // Without startAt the phase is the moment it is scheduled.
      expect(nextFireAfter({ type: 'FIXED_RATE', everyMs: 1000 }, T0 + 123)).to.equal(T0 + 1123);
    });

    it('fixed rate: following fires stop after endAt', () => {
      const s: Schedule = { type: 'FIXED_RATE', everyMs: 1000, endAt: T0 + 2000 };
      expect(followingFire(s, T0 + 1000)).to.equal(T0 + 2000);
      expect(followingFire(s, T0 + 2000)).to.equal(null);
      expect(followingFire(s, T0, T0 + 5000)).to.equal(null);
    });

    it('fixed delay: first fire at startAt when ahead, else delayMs from now; the following fire comes from the run end', () => {
      expect(nextFireAfter({ type: 'FIXED_DELAY', delayMs: 5000 }, T0)).to.equal(T0 + 5000);
      expect(nextFireAfter({ type: 'FIXED_DELAY', delayMs: 5000, startAt: T0 + 60_000 }, T0)).to.equal(T0 + 60_000);
      expect(nextFireAfter({ type: 'FIXED_DELAY', delayMs: 5000, startAt: T0 - 60_000 }, T0)).to.equal(T0 + 5000);
      expect(nextFireAfter({ type: 'FIXED_DELAY', delayMs: 5000, endAt: T0 + 1000 }, T0)).to.equal(null);
      expect(followingFire({ type: 'FIXED_DELAY', delayMs: 5000 }, T0)).to.equal(null);
    });
  });

  it('ONCE fires at its instant only when that is ahead, and has no following fire', () => {
    const s: Schedule = { type: 'ONCE', at: T0 };
    expect(nextFireAfter(s, T0 - 1)).to.equal(T0);
    expect(nextFireAfter(s, T0)).to.equal(null);
    expect(followingFire(s, T0)).to.equal(null);
    expect(nextFires(s, T0 - 10, 5)).to.deep.equal([T0]);
  });

  describe('previews', () => {
    it('are capped at maxRuns', () => {
      expect(nextFires({ type: 'FIXED_RATE', everyMs: 1000, maxRuns: 3 }, T0, 10)).to.deep.equal([T0 + 1000, T0 + 2000, T0 + 3000]);
      expect(nextFires({ type: 'FIXED_RATE', everyMs: 1000, maxRuns: 3 }, T0, 10, { limit: 1 })).to.deep.equal([T0 + 1000]);
    });

    it('show fixed-delay fires as if runs took no time', () => {
      expect(nextFires({ type: 'FIXED_DELAY', delayMs: 500, startAt: T0 + 100 }, T0, 3)).to.deep.equal([T0 + 100, T0 + 600, T0 + 1100]);
    });

    it('may start from a given first fire (the job pending one)', () => {
      expect(nextFires({ type: 'FIXED_RATE', everyMs: 1000 }, T0, 3, { first: T0 + 42 })).to.deep.equal([T0 + 42, T0 + 1042, T0 + 2042]);
    });
  });

  describe('validation', () => {
    it('refuses a ONCE instant in the past, unless it is the job unchanged schedule', () => {
      const r = refusal(() => validateSchedule({ type: 'ONCE', at: T0 }, { now: T0 + 1 }));
      expect(r?.code).to.equal('OASIS_ERR_VALIDATION');
      expect(r?.message).to.equal('schedule.at (2026-05-01T00:00:00.000Z) is in the past');
      expect(validateSchedule({ type: 'ONCE', at: T0 }, { now: T0 + 1, previous: { type: 'ONCE', at: T0 } })).to.deep.equal({ type: 'ONCE', at: T0 });
      expect(refusal(() => validateSchedule({ type: 'ONCE', at: T0 }, { now: T0 + 1, previous: { type: 'ONCE', at: T0 - 1 } }))?.code).to.equal(
        'OASIS_ERR_VALIDATION',
      );
      expect(validateSchedule({ type: 'ONCE', at: T0 + 1 }, { now: T0 })).to.deep.equal({ type: 'ONCE', at: T0 + 1 });
    });

    it('refuses endAt at or before startAt', () => {
      for (const s of [
        { type: 'CRON', cron: '* * * * * *', startAt: T0, endAt: T0 },
        { type: 'FIXED_RATE', everyMs: 1000, startAt: T0, endAt: T0 - 1 },
        { type: 'FIXED_DELAY', delayMs: 1000, startAt: T0, endAt: T0 - 1000 },
      ] as Schedule[]) {
        const r = refusal(() => validateSchedule(s));
        expect(r?.code, s.type).to.equal('OASIS_ERR_VALIDATION');
        expect(r?.message).to.match(/^schedule\.endAt \(.+\) must be after schedule\.startAt \(.+\)$/);
      }
    });

    it('normalises: trimmed cron, UTC by default, window kept, unknown keys dropped', () => {
      const s = validateSchedule({ type: 'CRON', cron: ' 0 0 * * * * ', maxRuns: 3, startAt: T0, extra: 1 } as Schedule);
      expect(s).to.deep.equal({ type: 'CRON', cron: '0 0 * * * *', timezone: 'UTC', startAt: T0, maxRuns: 3 });
      expect(JSON.stringify(s)).to.equal(`{"type":"CRON","cron":"0 0 * * * *","timezone":"UTC","startAt":${T0},"maxRuns":3}`);
    });

    it('refuses a cron that can never fire', () => {
      expect(refusal(() => validateSchedule({ type: 'CRON', cron: '0 0 0 30 2 *' }))?.code).to.equal('OASIS_ERR_BAD_CRON');
    });
  });

  it('plan JSON carries the new types and the window, in a stable order', () => {
    const a = planJson({ schedule: { type: 'FIXED_DELAY', delayMs: 100, endAt: 9, startAt: 1 }, misfire: { policy: 'FIRE_ALL', thresholdMs: 5 } });
    const b = planJson({ misfire: { thresholdMs: 5, policy: 'FIRE_ALL' }, schedule: { startAt: 1, type: 'FIXED_DELAY', endAt: 9, delayMs: 100 } });
    expect(a).to.equal(b);
    expect(a).to.equal('{"schedule":{"type":"FIXED_DELAY","delayMs":100,"startAt":1,"endAt":9},"misfire":{"policy":"FIRE_ALL","thresholdMs":5}}');
    expect(planJson({ schedule: { type: 'ONCE', at: 7 }, misfire: { policy: 'SKIP', thresholdMs: 0 } })).to.contain('"schedule":{"type":"ONCE","at":7}');
    expect(planJson({ schedule: { type: 'CRON', cron: '* * * * * *', maxRuns: 2 }, misfire: { policy: 'SKIP', thresholdMs: 0 } })).to.contain(
      '"maxRuns":2',
    );
  });

  it('counts the fires a catch-up would run, up to a limit', () => {
    const rate: Schedule = { type: 'FIXED_RATE', everyMs: 1000 };
    expect(firesDue(rate, T0, T0 + 5500, 1000)).to.equal(6);
    expect(firesDue(rate, T0, T0 + 5500, 4)).to.equal(4);
    expect(firesDue({ ...rate, endAt: T0 + 2000 }, T0, T0 + 5500, 1000)).to.equal(3);
    const cron: Schedule = { type: 'CRON', cron: '*/10 * * * * *' };
    expect(firesDue(cron, T0, T0 + 35_000, 1000)).to.equal(4);
    expect(firesDue(cron, T0, T0 + 35_000, 2)).to.equal(2);
    expect(firesDue({ type: 'FIXED_DELAY', delayMs: 10 }, T0, T0 + 35_000, 1000)).to.equal(1);
  });
});
