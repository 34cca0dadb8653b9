/** Calendar days in UTC as `YYYY-MM-DD`, for the daily report. Pure functions. */

const DAY_MS = 24 * 3600 * 1000;

/** The UTC day of an instant (epoch ms), e.g. `2026-11-25`. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** First and one-past-last instant (epoch ms) of a UTC day `YYYY-MM-DD`. @throws {RangeError} on a malformed day. */
export function dayRange(day: string): { start: number; end: number } {
  const start = Date.parse(`${day}T00:00:00.000Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(start) || utcDay(start) !== day) throw new RangeError(`not a day: ${day}`);
  return { start, end: start + DAY_MS };
}

/** The `count` UTC days ending with the day of `now`, oldest first. */
export function lastDays(count: number, now: number): string[] {
  const today = dayRange(utcDay(now)).start;
  const out: string[] = [];
  for (let i = count - 1; i >= 0; i--) out.push(utcDay(today - i * DAY_MS));
  return out;
}
