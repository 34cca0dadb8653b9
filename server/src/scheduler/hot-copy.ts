import { nextFireAfter, planJson } from '../domain/schedule.js';
import type { JobRecord, ScheduleWindow } from '../domain/types.js';
import type { ScheduleStore } from '../store/redis/schedule-store.js';
import type { JobDefinition } from '../store/redis/schema.js';

/**
 * The fields of a job's hot hash that come from its definition (what runs, its retry policy,
 * its window), as `lua/sync-job.lua` writes them.
 */
export function hotDefinition(job: JobRecord): JobDefinition {
  const s = job.schedule;
  const window: ScheduleWindow = s.type === 'CRON' || s.type === 'FIXED_RATE' || s.type === 'FIXED_DELAY' ? s : {};
  return {
    handler: job.handler,
    params: job.params,
    routing: job.routing,
    overlap: job.overlap,
    timeoutMs: job.timeoutMs,
    retryCount: job.retry.count,
    retryBackoff: job.retry.backoff,
    retryDelay: job.retry.delayMs,
    retryMaxDelay: job.retry.maxDelayMs,
    retryJitter: job.retry.jitter,
    maxRuns: window.maxRuns ?? 0,
    endAt: window.endAt ?? '',
    delayMs: s.type === 'FIXED_DELAY' ? s.delayMs : 0,
    script: job.script ? JSON.stringify({ ...job.script, version: job.scriptVersion }) : '',
    hasChildren: job.childJobIds.length > 0 ? '1' : '',
  };
}

/**
 * Writes a job's hot copy, where scheduling starts: computes its next fire after `now` (none while
 * it is stopped or paused), then the store writes the definition fields, the plan and the schedule
 * entry in one script. An edit that keeps the plan keeps a pending fire (the script decides).
 * Returns the job's effective next fire, or null when it has none.
 */
export async function syncHotCopy(schedule: Pick<ScheduleStore, 'syncJob'>, job: JobRecord, now: number): Promise<{ nextFireAt: number | null }> {
  const schedulable = job.enabled && !job.paused;
  const next = schedulable ? nextFireAfter(job.schedule, now) : null;
  const plan = planJson({ schedule: job.schedule, misfire: job.misfire });
  const nextFireAt = await schedule.syncJob(job.app, job.id, plan, next, schedulable, hotDefinition(job), now);
  return { nextFireAt };
}
