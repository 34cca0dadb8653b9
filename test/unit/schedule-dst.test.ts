import { expect } from 'chai';
import { nextFireAfter, nextFires } from '../../server/src/domain/schedule.js';
import { offsetAt, transitionsBetween } from '../../server/src/domain/time-zone.js';
import type { Schedule } from '../../server/src/domain/types.js';

const at = (iso: string) => Date.parse(iso);
const isoList = (ts: number[]) => ts.map((t) => new Date(t).toISOString());
const cron = (expr: string, timezone: string): Schedule => ({ type: 'CRON', cron: expr, timezone });
const HOUR = 3_600_000;

// 2026 transitions: New York springs forward 2026-03-08 02:00 EST (07:00Z) and falls back
// 2026-11-01 02:00 EDT (06:00Z); Berlin 2026-03-29 02:00 CET (01:00Z) and 2026-10-25 03:00 CEST (01:00Z).
describe('domain: schedule math across daylight saving time (real zones)', () => {
  it('knows the 2026 transitions of New York and Berlin to the second', () => {
    const ny = transitionsBetween('America/New_York', at('2026-01-01T00:00:00Z'), at('2026-12-31T00:00:00Z'));
    expect(ny.map((t) => [new Date(t.at).toISOString(), (t.after - t.before) / HOUR])).to.deep.equal([
      ['2026-03-08T07:00:00.000Z', 1],
      ['2026-11-01T06:00:00.000Z', -1],
    ]);
    const berlin = transitionsBetween('Europe/Berlin', at('2026-01-01T00:00:00Z'), at('2026-12-31T00:00:00Z'));
    expect(berlin.map((t) => new Date(t.at).toISOString())).to.deep.equal(['2026-03-29T01:00:00.000Z', '2026-10-25T01:00:00.000Z']);
    expect(offsetAt('America/New_York', at('2026-03-08T06:59:59.999Z'))).to.equal(-5 * HOUR);
    expect(offsetAt('America/New_York', at('2026-03-08T07:00:00Z'))).to.equal(-4 * HOUR);
    expect(offsetAt('UTC', at('2026-06-01T00:00:00Z'))).to.equal(0);
  });

  describe('spring forward: a skipped wall time fires once, at the first instant after the gap', () => {
    it('New York: daily 02:30 fires at 03:00 EDT on the day of the gap, at 02:30 on the days around it', () => {
      const fires = nextFires(cron('0 30 2 * * *', 'America/New_York'), at('2026-03-06T12:00:00Z'), 4);
      expect(isoList(fires)).to.deep.equal([
        '2026-03-07T07:30:00.000Z', // 02:30 EST
        '2026-03-08T07:00:00.000Z', // 02:30 does not exist: 03:00 EDT, the first instant after the gap
        '2026-03-09T06:30:00.000Z', // 02:30 EDT
        '2026-03-10T06:30:00.000Z',
      ]);
    });

    it('Berlin: daily 02:30 fires at 03:00 CEST on 2026-03-29', () => {
      const fires = nextFires(cron('0 30 2 * * *', 'Europe/Berlin'), at('2026-03-28T12:00:00Z'), 3);
      expect(isoList(fires)).to.deep.equal(['2026-03-29T01:00:00.000Z', '2026-03-30T00:30:00.000Z', '2026-03-31T00:30:00.000Z']);
    });

    it('every fire inside the gap collapses into that one fire (not one per skipped second, not zero)', () => {
      const fires = nextFires(cron('*/20 * 2 * * *', 'America/New_York'), at('2026-03-08T06:00:00Z'), 3);
      expect(isoList(fires)).to.deep.equal([
        '2026-03-08T07:00:00.000Z',
        '2026-03-09T06:00:00.000Z', // the next day's 02:00:00 EDT
        '2026-03-09T06:00:20.000Z',
      ]);
    });

    it('a fire of an exact wall time next to the gap is not doubled by it', () => {
      // 02:00 (skipped) and 03:00 (real) both land on 07:00Z: one fire.
      const fires = nextFires(cron('0 0 2,3 * * *', 'America/New_York'), at('2026-03-08T05:00:00Z'), 3);
      expect(isoList(fires)).to.deep.equal(['2026-03-08T07:00:00.000Z', '2026-03-09T06:00:00.000Z', '2026-03-09T07:00:00.000Z']);
    });
  });

  describe('fall back: a repeated wall time fires once, at its first occurrence', () => {
    it('New York: daily 01:30 fires at 01:30 EDT only on 2026-11-01', () => {
      const fires = nextFires(cron('0 30 1 * * *', 'America/New_York'), at('2026-10-31T00:00:00Z'), 3);
      expect(isoList(fires)).to.deep.equal(['2026-10-31T05:30:00.000Z', '2026-11-01T05:30:00.000Z', '2026-11-02T06:30:00.000Z']);
    });

    it('asked from inside the second pass of the repeated hour, the next daily fire is the next day', () => {
      // 06:15Z is 01:15 EST (the second 01:15): the day's 01:30 fire already happened at 05:30Z.
      expect(nextFireAfter(cron('0 30 1 * * *', 'America/New_York'), at('2026-11-01T06:15:00Z'))).to.equal(at('2026-11-02T06:30:00Z'));
      // 05:45Z is 01:45 EDT (first pass): same answer.
      expect(nextFireAfter(cron('0 30 1 * * *', 'America/New_York'), at('2026-11-01T05:45:00Z'))).to.equal(at('2026-11-02T06:30:00Z'));
    });

    it('Berlin: daily 02:30 fires once on 2026-10-25', () => {
      const fires = nextFires(cron('0 30 2 * * *', 'Europe/Berlin'), at('2026-10-24T12:00:00Z'), 3);
      expect(isoList(fires)).to.deep.equal(['2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z', '2026-10-27T01:30:00.000Z']);
    });
  });

  describe('an hourly cron fires every real hour through both transitions', () => {
    const everyHour = (tz: string, from: string, to: string) => {
      const s = cron('0 0 * * * *', tz);
      const fires = nextFires(s, at(from), 30).filter((t) => t <= at(to));
      const expected: number[] = [];
      for (let t = at(from) + HOUR; t <= at(to); t += HOUR) expected.push(t);
      expect(isoList(fires)).to.deep.equal(isoList(expected));
    };
    it('New York, spring forward', () => everyHour('America/New_York', '2026-03-08T00:00:00Z', '2026-03-09T00:00:00Z'));
    it('New York, fall back', () => everyHour('America/New_York', '2026-11-01T00:00:00Z', '2026-11-02T00:00:00Z'));
    it('Berlin, spring forward', () => everyHour('Europe/Berlin', '2026-03-28T20:00:00Z', '2026-03-29T20:00:00Z'));
    it('Berlin, fall back', () => everyHour('Europe/Berlin', '2026-10-24T20:00:00Z', '2026-10-25T20:00:00Z'));

    it('every 30 minutes also keeps real time (fall back: 4 fires in the two real hours of 01:xx)', () => {
      const fires = nextFires(cron('0 */30 * * * *', 'America/New_York'), at('2026-11-01T04:59:00Z'), 5);
      expect(isoList(fires)).to.deep.equal([
        '2026-11-01T05:00:00.000Z',
        '2026-11-01T05:30:00.000Z',
        '2026-11-01T06:00:00.000Z',
        '2026-11-01T06:30:00.000Z',
        '2026-11-01T07:00:00.000Z',
      ]);
    });
  });

  it('asked from any instant, the next fire is the one the fire-to-fire walk reaches (no state carried over)', () => {
    const cases: [string, string, string][] = [
      ['0 30 2 * * *', 'America/New_York', '2026-03-07T00:00:00Z'],
      ['0 30 1 * * *', 'America/New_York', '2026-10-31T00:00:00Z'],
      ['0 */20 1-3 * * *', 'Europe/Berlin', '2026-03-28T00:00:00Z'],
      ['0 */20 1-3 * * *', 'Europe/Berlin', '2026-10-24T00:00:00Z'],
      ['0 7 * * * *', 'America/New_York', '2026-10-31T00:00:00Z'],
      ['0 0 0 L * *', 'UTC', '2026-01-01T00:00:00Z'],
    ];
    for (const [expr, tz, from] of cases) {
      const s = cron(expr, tz);
      const walk = nextFires(s, at(from), 60);
      const end = walk[walk.length - 1] as number;
      // Instants spread over the walk (an odd step, so not only round times) and around each fire.
      const probes = [...walk.flatMap((f) => [f - 1, f, f + 1])];
      for (let i = 0; i < 300; i++) probes.push(at(from) + Math.floor(((end - at(from)) * i) / 300) + 13_001);
      for (const t of probes.filter((p) => p < end)) {
        const expected = walk.find((f) => f > t);
        expect(nextFireAfter(s, t), `${expr} ${tz} after ${new Date(t).toISOString()}`).to.equal(expected);
      }
      // Strictly increasing, no duplicates.
      for (let i = 1; i < walk.length; i++) expect(walk[i] as number).to.be.above(walk[i - 1] as number);
    }
  });

  describe('L and # (cron-parser supports both)', () => {
    it('0 0 12 L * *: noon on the last day of each month', () => {
      const fires = nextFires(cron('0 0 12 L * *', 'UTC'), at('2026-01-01T00:00:00Z'), 4);
      expect(isoList(fires)).to.deep.equal([
        '2026-01-31T12:00:00.000Z',
        '2026-02-28T12:00:00.000Z',
        '2026-03-31T12:00:00.000Z',
        '2026-04-30T12:00:00.000Z',
      ]);
    });

    it('0 0 9 * * 1#2: 09:00 on the second Monday, read in the job zone', () => {
      const fires = nextFires(cron('0 0 9 * * 1#2', 'Europe/Berlin'), at('2026-01-01T00:00:00Z'), 4);
      expect(isoList(fires)).to.deep.equal([
        '2026-01-12T08:00:00.000Z', // CET
        '2026-02-09T08:00:00.000Z',
        '2026-03-09T08:00:00.000Z',
        '2026-04-13T07:00:00.000Z', // CEST
      ]);
    });
  });
});
