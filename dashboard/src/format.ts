import type { JobSchedule } from './api.js';

/** Epoch ms as local date and time; a dash for "none". */
export function formatTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  return new Date(ms).toLocaleString();
}

/** A job's schedule in a few words. Shapes this dashboard does not know are shown as JSON. */
export function formatSchedule(schedule: JobSchedule | null | undefined): string {
  if (!schedule) return '—';
  switch (schedule.type) {
    case 'CRON':
      return schedule.timezone ? `cron ${schedule.cron} (${schedule.timezone})` : `cron ${schedule.cron}`;
    case 'FIXED_RATE':
      return `every ${formatDuration(schedule.everyMs)}`;
    case 'NONE':
      return 'manual / API only';
    default:
      return JSON.stringify(schedule);
  }
}

function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  if (ms % 1000 === 0) return `${ms / 1000} s`;
  return `${ms} ms`;
}
