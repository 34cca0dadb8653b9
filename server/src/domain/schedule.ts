import { CronExpressionParser, type CronExpression } from 'cron-parser';
import { AppError } from './errors.js';
import type { MisfirePolicy, Schedule } from './types.js';

/** What the scheduler needs to plan a job's fires; stored as JSON in the job's hot copy. */
export interface Plan {
  schedule: Schedule;
  misfire: { policy: MisfirePolicy; thresholdMs: number };
}

/** Stable JSON of a plan (same plan → same string, so the hot copy can tell a real change). */
export function planJson(plan: Plan): string {
  const s = plan.schedule;
  const schedule =
    s.type === 'CRON'
      ? { type: s.type, cron: s.cron, timezone: s.timezone ?? 'UTC' }
      : s.type === 'FIXED_RATE'
        ? { type: s.type, everyMs: s.everyMs }
        : { type: s.type };
  return JSON.stringify({ schedule, misfire: { policy: plan.misfire.policy, thresholdMs: plan.misfire.thresholdMs } });
}

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

/**
 * Checks a schedule and returns it normalised.
 * @throws {AppError} OASIS_ERR_BAD_CRON / OASIS_ERR_BAD_TIMEZONE with the reason.
 */
export function validateSchedule(s: Schedule): Schedule {
  if (s.type !== 'CRON') return s;
  const timezone = s.timezone ?? 'UTC';
  if (!isValidTimezone(timezone)) {
    throw new AppError('OASIS_ERR_BAD_TIMEZONE', `Unknown time zone "${timezone}"`);
  }
  const fields = s.cron.trim().split(/\s+/);
  if (fields.length < 5 || fields.length > 6) {
    throw new AppError('OASIS_ERR_BAD_CRON', `Cron "${s.cron}" must have 5 or 6 fields (seconds first)`);
  }
  try {
    CronExpressionParser.parse(s.cron, { tz: timezone, currentDate: new Date() }).next();
  } catch (err) {
    throw new AppError('OASIS_ERR_BAD_CRON', `Cron "${s.cron}" is not valid: ${(err as Error).message}`);
  }
  return { type: 'CRON', cron: s.cron.trim(), timezone };
}

/**
 * Parsed cron expressions by `timezone|cron`. Parsing costs ~0.3 ms; moving a parsed expression
 * to a new start (`reset`) and taking the next fire costs ~0.02 ms — this is the scheduler's hot
 * path (one call per fire).
 */
const cronCache = new Map<string, CronExpression>();
const CRON_CACHE_MAX = 2000;

function cronAt(cron: string, tz: string, afterMs: number): CronExpression {
  const key = `${tz}|${cron}`;
  let e = cronCache.get(key);
  if (!e) {
    if (cronCache.size >= CRON_CACHE_MAX) cronCache.clear();
    e = CronExpressionParser.parse(cron, { tz, currentDate: new Date(afterMs) });
    cronCache.set(key, e);
  }
  e.reset(new Date(afterMs));
  return e;
}

/** The first fire strictly after `afterMs`, or null when the schedule has none. */
export function nextFireAfter(s: Schedule, afterMs: number): number | null {
  switch (s.type) {
    case 'CRON': {
      const it = cronAt(s.cron, s.timezone ?? 'UTC', afterMs);
      const next = it.next().getTime();
      return next > afterMs ? next : it.next().getTime();
    }
    case 'FIXED_RATE':
      return afterMs + s.everyMs;
    case 'NONE':
      return null;
  }
}

/**
 * The fire that follows a fire planned at `scheduledAt`. FIXED_RATE keeps its phase from the
 * previous planned time. When `notBefore` is given (a misfire being skipped), the result is the
 * first fire of the plan after it.
 */
export function followingFire(s: Schedule, scheduledAt: number, notBefore?: number): number | null {
  if (s.type === 'FIXED_RATE' && notBefore !== undefined && notBefore > scheduledAt) {
    const periods = Math.floor((notBefore - scheduledAt) / s.everyMs) + 1;
    return scheduledAt + periods * s.everyMs;
  }
  return nextFireAfter(s, Math.max(scheduledAt, notBefore ?? scheduledAt));
}

/** The next `count` fires after `fromMs`. */
export function nextFires(s: Schedule, fromMs: number, count: number): number[] {
  const out: number[] = [];
  let t: number | null = fromMs;
  while (out.length < count && t !== null) {
    t = nextFireAfter(s, t);
    if (t !== null) out.push(t);
  }
  return out;
}
