/**
 * UTC offsets of IANA time zones and their transitions (DST changes), from `Intl`.
 *
 * The schedule math reads cron expressions in *wall time* and maps wall times to instants itself
 * (see `docs/semantics.md`, "Daylight saving time"), so it needs, fast and for any instant, the
 * zone's offset and the transitions nearby. `Intl` answers one instant in a few microseconds;
 * the scheduler asks per fire, so each (zone, UTC year) is scanned once and kept as a table.
 */

/** One change of a zone's UTC offset: from `at` (epoch ms) on, the offset is `after`. */
export interface Transition {
  at: number;
  before: number;
  after: number;
}

interface YearTable {
  /** Offset (ms) at the first instant of the UTC year. */
  base: number;
  transitions: Transition[];
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const formats = new Map<string, Intl.DateTimeFormat>();
const tables = new Map<string, YearTable>();
const TABLES_MAX = 5000;

function formatOf(tz: string): Intl.DateTimeFormat {
  let f = formats.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formats.set(tz, f);
  }
  return f;
}

/** The offset (ms, wall minus UTC) of `tz` at `t`, straight from Intl (whole seconds). */
function intlOffset(tz: string, t: number): number {
  const p: Record<string, number> = {};
  for (const part of formatOf(tz).formatToParts(new Date(t))) {
    if (part.type !== 'literal') p[part.type] = Number(part.value);
  }
  const wall = Date.UTC(p.year ?? 1970, (p.month ?? 1) - 1, p.day ?? 1, p.hour ?? 0, p.minute ?? 0, p.second ?? 0);
  return wall - (t - (((t % 1000) + 1000) % 1000));
}

function yearStart(year: number): number {
  return Date.UTC(year, 0, 1);
}

/**
 * Scans one UTC year day by day and pins each offset change to the second. Zones change their
 * offset at most a few times a year and never twice within a day, so daily samples see them all.
 */
function yearTable(tz: string, year: number): YearTable {
  const key = `${tz}|${year}`;
  let table = tables.get(key);
  if (table) return table;
  const start = yearStart(year);
  const end = yearStart(year + 1);
  const base = intlOffset(tz, start);
  const transitions: Transition[] = [];
  let prevT = start;
  let prevOff = base;
  for (let t = Math.min(start + DAY, end); ; t = Math.min(t + DAY, end)) {
    const off = intlOffset(tz, t);
    if (off !== prevOff) {
      // Binary search, in whole seconds, for the first instant with the new offset.
      let lo = prevT / 1000;
      let hi = t / 1000;
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (intlOffset(tz, mid * 1000) === prevOff) lo = mid;
        else hi = mid;
      }
      transitions.push({ at: hi * 1000, before: prevOff, after: off });
    }
    prevT = t;
    prevOff = off;
    if (t >= end) break;
  }
  table = { base, transitions };
  if (tables.size >= TABLES_MAX) tables.clear();
  tables.set(key, table);
  return table;
}

function utcYear(t: number): number {
  return new Date(t).getUTCFullYear();
}

/** The UTC offset (ms, wall minus UTC) of `tz` at instant `t`. */
export function offsetAt(tz: string, t: number): number {
  const table = yearTable(tz, utcYear(t));
  let off = table.base;
  for (const tr of table.transitions) {
    if (tr.at > t) break;
    off = tr.after;
  }
  return off;
}

/** The transitions of `tz` with `from <= at <= to`, in order. */
export function transitionsBetween(tz: string, from: number, to: number): Transition[] {
  const out: Transition[] = [];
  for (let y = utcYear(from); y <= utcYear(to); y++) {
    for (const tr of yearTable(tz, y).transitions) if (tr.at >= from && tr.at <= to) out.push(tr);
  }
  return out;
}

/** Largest offset change the math allows around a wall time (real zones shift by 2 h at most, rare date-line moves by a day). */
export const MAX_SHIFT_MS = 26 * HOUR;
