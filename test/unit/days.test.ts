import { expect } from 'chai';
import { dayRange, lastDays, utcDay } from '../../server/src/domain/days.js';

describe('days: UTC calendar days for the daily report', () => {
  it('names the UTC day of an instant', () => {
    expect(utcDay(Date.UTC(2026, 10, 25, 23, 59, 59, 999))).to.equal('2026-11-25');
    expect(utcDay(Date.UTC(2026, 10, 26, 0, 0, 0, 0))).to.equal('2026-11-26');
  });

  it('gives a day as [start, end) in epoch ms, 24 h long (UTC has no DST)', () => {
    expect(dayRange('2026-03-29')).to.deep.equal({ start: Date.UTC(2026, 2, 29), end: Date.UTC(2026, 2, 30) });
    expect(() => dayRange('2026-02-30')).to.throw(RangeError);
    expect(() => dayRange('26-2-3')).to.throw(RangeError);
  });

  it('lists the last N days ending today, oldest first, across month and year ends', () => {
    expect(lastDays(3, Date.UTC(2027, 0, 1, 12))).to.deep.equal(['2026-12-30', '2026-12-31', '2027-01-01']);
    expect(lastDays(30, Date.UTC(2026, 10, 25))).to.have.length(30);
  });
});
