import { CronExpressionParser, type CronExpression } from 'cron-parser';
import { AppError } from './errors.js';
import { offsetAt, transitionsBetween, type Transition } from './time-zone.js';
import type { MisfirePolicy, Schedule, ScheduleWindow } from './types.js';

/** What the scheduler needs to plan a job's fires; stored as JSON in the job's hot copy. */
export interface Plan {
  schedule: Schedule;
  misfire: { policy: MisfirePolicy; thresholdMs: number };
}

/** The window fields in a fixed order, absent ones left out. */
function windowOf(s: ScheduleWindow): ScheduleWindow {
  const w: ScheduleWindow = {};
  if (s.startAt !== undefined) w.startAt = s.startAt;
  if (s.endAt !== undefined) w.endAt = s.endAt;
  if (s.maxRuns !== undefined) w.maxRuns = s.maxRuns;
  return w;
}

/** The schedule with its keys in a fixed order, defaults written out and unknown keys dropped. */
function canonical(s: Schedule): Schedule {
  switch (s.type) {
    case 'CRON':
      return { type: s.type, cron: s.cron.trim(), timezone: s.timezone ?? 'UTC', ...windowOf(s) };
    case 'FIXED_RATE':
      return { type: s.type, everyMs: s.everyMs, ...windowOf(s) };
    case 'FIXED_DELAY':
      return { type: s.type, delayMs: s.delayMs, ...windowOf(s) };
    case 'ONCE':
      return { type: s.type, at: s.at };
    case 'NONE':
      return { type: s.type };
  }
}

/**
 * Stable JSON of a plan: the same plan gives the same string whatever its key order, so the hot
 * copy (`lua/sync-job.lua`) can tell a real plan change (which re-plans the next fire) from an
 * edit of other fields (which keeps a pending fire).
 */
export function planJson(plan: Plan): string {
  return JSON.stringify({
    schedule: canonical(plan.schedule),
    misfire: { policy: plan.misfire.policy, thresholdMs: plan.misfire.thresholdMs },
  });
}

/** Reads a plan written by {@link planJson}. */
export function parsePlan(json: string): Plan {
  return JSON.parse(json) as Plan;
}

/** True when `tz` is an IANA zone this runtime knows. */
export function isValidTimezone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Options of {@link validateSchedule}. */
export interface ValidateOptions {
  /** The clock (epoch ms) a ONCE `at` is compared with; default `Date.now()`. */
  now?: number;
  /**
   * The job's current schedule on an update. A ONCE schedule equal to it is accepted even when
   * its `at` has passed, so editing another field of a job that already ran once still works.
   */
  previous?: Schedule;
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Checks a schedule and returns it normalised (trimmed cron, timezone default `UTC`, keys in a
 * fixed order).
 * @throws {AppError} `OASIS_ERR_BAD_CRON` / `OASIS_ERR_BAD_TIMEZONE` with the reason;
 *   `OASIS_ERR_VALIDATION` when `endAt` is not after `startAt` or a ONCE `at` is in the past.
 */
export function validateSchedule(s: Schedule, opts: ValidateOptions = {}): Schedule {
  const out = canonical(s);
  if (out.type === 'ONCE') {
    const now = opts.now ?? Date.now();
    const unchanged = opts.previous?.type === 'ONCE' && opts.previous.at === out.at;
    if (out.at <= now && !unchanged) {
      throw new AppError('OASIS_ERR_VALIDATION', `schedule.at (${iso(out.at)}) is in the past`);
    }
    return out;
  }
  if (out.type === 'NONE') return out;
  if (out.startAt !== undefined && out.endAt !== undefined && out.endAt <= out.startAt) {
    throw new AppError(
      'OASIS_ERR_VALIDATION',
      `schedule.endAt (${iso(out.endAt)}) must be after schedule.startAt (${iso(out.startAt)})`,
    );
  }
  if (out.type !== 'CRON') return out;
  const timezone = out.timezone ?? 'UTC';
  if (!isValidTimezone(timezone)) {
    throw new AppError('OASIS_ERR_BAD_TIMEZONE', `Unknown time zone "${timezone}"`);
  }
  const fields = out.cron.split(/\s+/);
  if (fields.length < 5 || fields.length > 6) {
    throw new AppError('OASIS_ERR_BAD_CRON', `Cron "${out.cron}" must have 5 or 6 fields (seconds first)`);
  }
  try {
    CronExpressionParser.parse(out.cron, { tz: 'UTC', currentDate: new Date(opts.now ?? Date.now()) }).next();
  } catch (err) {
    throw new AppError('OASIS_ERR_BAD_CRON', `Cron "${out.cron}" is not valid: ${(err as Error).message}`);
  }
  return out;
}

/**
 * Parsed cron expressions by text, read in UTC: the expression yields *wall* times and
 * {@link cronNextAfter} maps them to instants in the job's zone. Parsing costs ~0.3 ms; moving a
 * parsed expression to a new start (`reset`) and taking the next match costs ~0.02 ms — this is
 * the scheduler's hot path (one call per fire).
 */
const cronCache = new Map<string, { expr: CronExpression; everyHour: boolean }>();
const CRON_CACHE_MAX = 2000;

function cronOf(cron: string, atWall: number) {
  let c = cronCache.get(cron);
  if (!c) {
    if (cronCache.size >= CRON_CACHE_MAX) cronCache.clear();
    const expr = CronExpressionParser.parse(cron, { tz: 'UTC', currentDate: new Date(atWall) });
    c = { expr, everyHour: expr.fields.hour.values.length === 24 };
    cronCache.set(cron, c);
  }
  c.expr.reset(new Date(atWall));
  return c;
}

const TWO_DAYS = 2 * 24 * 3_600_000;
/** Bound on wall times looked at per call; only reached by expressions that almost never match. */
const MAX_WALLS = 10_000;

/** Offsets and transitions of `tz` that may apply to a wall time `w` (±2 days covers any shift). */
function near(tz: string, w: number): { offsets: number[]; transitions: Transition[]; maxOff: number } {
  const transitions = transitionsBetween(tz, w - TWO_DAYS, w + TWO_DAYS);
  const offsets = [offsetAt(tz, w - TWO_DAYS)];
  for (const tr of transitions) if (!offsets.includes(tr.after)) offsets.push(tr.after);
  return { offsets, transitions, maxOff: Math.max(...offsets) };
}

/**
 * The first fire of `cron` in zone `tz` strictly after the instant `after`.
 *
 * The expression is matched against wall time; each matching wall time becomes instants by the
 * rules of `docs/semantics.md` ("Daylight saving time"):
 * - a wall time that exists once fires at that instant;
 * - a wall time skipped by a spring-forward gap fires once, at the first instant after the gap
 *   (all fires of one gap collapse into that one) — unless the hour field is `*`-like (all 24
 *   hours), where the schedule follows real time and the missing wall times simply do not fire;
 * - a wall time repeated by a fall-back fires at its first occurrence only — unless the hour field
 *   is `*`-like, where it fires at both, so an hourly cron fires every real hour.
 */
function cronNextAfter(cron: string, tz: string, after: number): number | null {
  // A later instant has a wall time above `after + smallest offset around it`.
  const start = near(tz, after + offsetAt(tz, after));
  const { expr, everyHour } = cronOf(cron, after + Math.min(...start.offsets));
  let best: number | null = null;
  let lastWall = -Infinity;
  for (let i = 0; i < MAX_WALLS; i++) {
    let w: number;
    try {
      w = expr.next().getTime();
    } catch {
      return best; // the expression has no further match
    }
    if (w <= lastWall) continue;
    lastWall = w;
    const n = near(tz, w);
    // Every instant of this and of any later wall time is at least `w - maxOff`.
    if (best !== null && w - n.maxOff >= best) break;
    const instants: number[] = [];
    for (const o of n.offsets) {
      const t = w - o;
      if (offsetAt(tz, t) === o && !instants.includes(t)) instants.push(t);
    }
    instants.sort((a, b) => a - b);
    let candidates: number[];
    if (instants.length === 0) {
      const gap = n.transitions.find((tr) => tr.after > tr.before && w >= tr.at + tr.before && w < tr.at + tr.after);
      if (!gap) continue; // cannot happen with real zone data; never fire at a made-up instant
      if (everyHour) {
        // Real time goes on: skip the missing wall times at once instead of one by one.
        expr.reset(new Date(gap.at + gap.after - 1));
        continue;
      }
      candidates = [gap.at];
    } else {
      candidates = everyHour ? instants : instants.slice(0, 1);
    }
    for (const c of candidates) if (c > after && (best === null || c < best)) best = c;
    if (best !== null && w - n.maxOff >= best) break;
  }
  return best;
}

/**
 * The first fire strictly after `afterMs`, or null when the schedule has none.
 *
 * - `startAt`: no fire before it. FIXED_RATE keeps its phase from `startAt` when given (fires at
 *   `startAt + k·everyMs`), else from `afterMs` (the first fire is `afterMs + everyMs`).
 * - `endAt`: null when the first fire would come after it.
 * - FIXED_DELAY: the first fire is `startAt` when that is still ahead, else `afterMs + delayMs`
 *   (as if a run had just finished). Its later fires are set when each run ends (see
 *   {@link followingFire}).
 * - ONCE: `at` when it is after `afterMs`, else null. NONE: null.
 * - `maxRuns` is not looked at: the run counter lives with the hot copy.
 */
export function nextFireAfter(s: Schedule, afterMs: number): number | null {
  let next: number | null;
  switch (s.type) {
    case 'NONE':
      return null;
    case 'ONCE':
      return s.at > afterMs ? s.at : null;
    case 'CRON':
      next = cronNextAfter(s.cron, s.timezone ?? 'UTC', s.startAt !== undefined ? Math.max(afterMs, s.startAt - 1) : afterMs);
      break;
    case 'FIXED_RATE':
      if (s.startAt === undefined) next = afterMs + s.everyMs;
      else if (s.startAt > afterMs) next = s.startAt;
      else next = s.startAt + (Math.floor((afterMs - s.startAt) / s.everyMs) + 1) * s.everyMs;
      break;
    case 'FIXED_DELAY':
      next = s.startAt !== undefined && s.startAt > afterMs ? s.startAt : afterMs + s.delayMs;
      break;
  }
  return inWindow(s, next);
}

/**
 * The schedule's window, the one `endAt` / `maxRuns` check of the TypeScript side (the Lua side's
 * is `oasis_may_fire` in `lua/include/schedule.lua`): {@link inWindow} drops a fire after `endAt`,
 * {@link runsLeft} counts the runs `maxRuns` still allows.
 */
export function inWindow(s: Schedule, t: number | null): number | null {
  if (t === null) return null;
  if ('endAt' in s && s.endAt !== undefined && t > s.endAt) return null;
  return t;
}

/** Scheduled runs the schedule still allows after `runs` of them: `Infinity` without `maxRuns`. */
export function runsLeft(s: Schedule, runs: number): number {
  return 'maxRuns' in s && s.maxRuns !== undefined ? Math.max(0, s.maxRuns - runs) : Infinity;
}

/**
 * The fire that follows a fire planned at `scheduledAt`, as the scheduler commits it.
 * - FIXED_RATE keeps its phase from the previous planned time.
 * - `notBefore` (a misfire being skipped): the first fire of the plan after it, in phase.
 * - FIXED_DELAY and ONCE: null. A FIXED_DELAY job's next fire is set to `finishedAt + delayMs`
 *   when its run ends (the Lua side); a ONCE job has no following fire.
 * - null past `endAt`.
 */
export function followingFire(s: Schedule, scheduledAt: number, notBefore?: number): number | null {
  switch (s.type) {
    case 'FIXED_DELAY':
    case 'ONCE':
    case 'NONE':
      return null;
    case 'FIXED_RATE': {
      const from = Math.max(scheduledAt, notBefore ?? scheduledAt);
      const periods = Math.floor((from - scheduledAt) / s.everyMs) + 1;
      return inWindow(s, scheduledAt + periods * s.everyMs);
    }
    case 'CRON':
      return nextFireAfter(s, Math.max(scheduledAt, notBefore ?? scheduledAt));
  }
}

/**
 * How many fires of the plan fall in `[scheduledAt, now]` (the one at `scheduledAt` included),
 * counting no further than `limit`: the size of a misfire catch-up. FIXED_DELAY and ONCE have
 * one pending fire at most, so 1.
 */
export function firesDue(s: Schedule, scheduledAt: number, now: number, limit: number): number {
  if (now < scheduledAt) return 0;
  if (s.type === 'FIXED_RATE') {
    const end = s.endAt !== undefined ? Math.min(now, s.endAt) : now;
    return Math.min(limit, Math.floor((end - scheduledAt) / s.everyMs) + 1);
  }
  if (s.type !== 'CRON') return 1;
  let n = 1;
  let t: number | null = scheduledAt;
  while (n < limit) {
    t = followingFire(s, t);
    if (t === null || t > now) break;
    n++;
  }
  return n;
}

/** Options of {@link nextFires}. */
export interface NextFiresOptions {
  /** The first fire, when known (a job's real pending fire); default: the first after `fromMs`. */
  first?: number;
  /** At most this many fires; default the schedule's `maxRuns` (none: no cap). */
  limit?: number;
  /**
   * Stop computing once this much CPU time (ms, this process) went into it — a sparse cron in a
   * DST-heavy zone costs milliseconds per fire — but not before {@link PREVIEW_MIN_FIRES} fires.
   */
  budgetMs?: number;
}

/** CPU time one preview of fire times may take (`POST /schedule/preview`, `GET /jobs/:id/next-fires`). */
export const PREVIEW_BUDGET_MS = 50;
/** Fires a bounded preview always computes (what the dashboard shows), whatever the budget. */
export const PREVIEW_MIN_FIRES = 5;

/** CPU time of this process so far, in ms (CPU, not wall time: a busy machine does not cut a preview short). */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/**
 * The next `count` fires after `fromMs`, for previews; at most `maxRuns` of them (or
 * `opts.limit`). FIXED_DELAY fires are shown as if each run took no time (`delayMs` apart): the
 * real ones come later.
 */
export function nextFires(s: Schedule, fromMs: number, count: number, opts: NextFiresOptions = {}): number[] {
  return previewFires(s, fromMs, count, opts).fires;
}

/**
 * {@link nextFires}, also saying whether the list is `complete`: false when `opts.budgetMs` cut
 * it short (more fires exist than were computed in time).
 */
export function previewFires(s: Schedule, fromMs: number, count: number, opts: NextFiresOptions = {}): { fires: number[]; complete: boolean } {
  const max = Math.min(count, opts.limit ?? runsLeft(s, 0));
  const out: number[] = [];
  const until = opts.budgetMs === undefined ? Infinity : cpuMs() + opts.budgetMs;
  let t: number | null = opts.first ?? nextFireAfter(s, fromMs);
  while (t !== null && out.length < max) {
    out.push(t);
    if (out.length < max && out.length >= PREVIEW_MIN_FIRES && until !== Infinity && cpuMs() >= until) return { fires: out, complete: false };
    t = s.type === 'FIXED_DELAY' ? inWindow(s, t + s.delayMs) : followingFire(s, t);
  }
  return { fires: out, complete: true };
}
