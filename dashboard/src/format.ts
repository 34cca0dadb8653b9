import type { JobSchedule } from './api.js';
import { lang } from './i18n.js';

/** Epoch ms as local date and time; a dash for "none". */
export function formatTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  return new Date(ms).toLocaleString(lang());
}

/** A duration in the largest whole unit (`90 s`, `5 min`, `250 ms`). */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms >= 3_600_000 && ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000} min`;
  if (ms >= 1000 && ms % 1000 === 0) return `${ms / 1000} s`;
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${ms} ms`;
}

/** A job's schedule in a few words. Shapes this dashboard does not know are shown as JSON. */
export function formatSchedule(schedule: JobSchedule | null | undefined): string {
  if (!schedule) return '—';
  switch (schedule.type) {
    case 'CRON':
      return schedule.timezone ? `cron ${schedule.cron} (${schedule.timezone})` : `cron ${schedule.cron}`;
    case 'FIXED_RATE':
      return `every ${formatDuration(schedule.everyMs)}`;
    case 'FIXED_DELAY':
      return `${formatDuration(schedule.delayMs)} after each run`;
    case 'ONCE':
      return `once at ${formatTime(schedule.at)}`;
    case 'NONE':
      return 'manual / API';
    default:
      return JSON.stringify(schedule);
  }
}

/** Epoch ms → the value of an `<input type="datetime-local">` (local time), '' for none. */
export function toLocalInput(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '';
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 19);
}

/** The value of an `<input type="datetime-local">` → epoch ms, undefined for ''. */
export function fromLocalInput(value: string): number | undefined {
  if (!value) return undefined;
  const ms = new Date(value).getTime();
  return Number.isFinite(ms) ? ms : undefined;
}

/** CSS class of a task status badge. */
export function statusClass(status: string): string {
  if (status === 'SUCCESS') return 'badge ok';
  if (status === 'RUNNING' || status === 'QUEUED') return 'badge run';
  return 'badge bad';
}
