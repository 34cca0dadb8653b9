import type { JobRecord, TaskStatus, TriggerType } from '../../domain/types.js';

/** What an alarm is about: a task's final status, or a refused catch-up past the misfire cap. */
export const AlarmKind = {
  FAILED: 'FAILED',
  TIMEOUT: 'TIMEOUT',
  LOST: 'LOST',
  NO_WORKER: 'NO_WORKER',
  MISFIRE_CAP: 'MISFIRE_CAP',
} as const;
export type AlarmKind = (typeof AlarmKind)[keyof typeof AlarmKind];

/** Final statuses that raise an alarm when no retry follows (KILLED and DISCARDED were asked for). */
export const ALARM_STATUSES: ReadonlySet<TaskStatus> = new Set<TaskStatus>(['FAILED', 'TIMEOUT', 'LOST', 'NO_WORKER']);

/** The task an alarm is about, as webhooks receive it. Times are epoch ms. */
export interface AlarmTask {
  id: string;
  status: TaskStatus;
  attempt: number;
  triggerType: TriggerType;
  scheduledAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  workerId: string | null;
  shard: { index: number; total: number };
  error: string | null;
}

/**
 * The JSON body of an alarm webhook (and the facts of an alarm email).
 * `task` is null for `MISFIRE_CAP`, which carries `misfire` instead.
 */
export interface AlarmPayload {
  event: AlarmKind;
  app: string;
  job: { id: number; name: string; handler: string };
  task: AlarmTask | null;
  misfire: { scheduledAt: number; missed: number } | null;
  /** When the alarm was raised (epoch ms). */
  at: number;
}

/** Errors quoted in an email are cut here: the full text is in the log record. */
const EMAIL_ERROR_CHARS = 4000;

/** Subject and plain-text body of an alarm email. */
export function emailText(p: AlarmPayload, job: Pick<JobRecord, 'name'>): { subject: string; text: string } {
  const subject = `[Oasis] ${p.event}: ${p.app}/${job.name} (job ${p.job.id})`;
  const lines = [`Alarm: ${p.event}`, `App: ${p.app}`, `Job: ${job.name} (id ${p.job.id}, handler ${p.job.handler})`];
  if (p.task) {
    const t = p.task;
    lines.push(
      `Task: ${t.id}`,
      `Status: ${t.status} (attempt ${t.attempt}, trigger ${t.triggerType})`,
      `Scheduled: ${new Date(t.scheduledAt).toISOString()}`,
      `Finished: ${t.finishedAt === null ? '-' : new Date(t.finishedAt).toISOString()}`,
      `Worker: ${t.workerId ?? '-'}`,
    );
    if (t.shard.total > 1) lines.push(`Shard: ${t.shard.index + 1} of ${t.shard.total}`);
    if (t.error) lines.push('', 'Error:', t.error.length > EMAIL_ERROR_CHARS ? `${t.error.slice(0, EMAIL_ERROR_CHARS)}…` : t.error);
  }
  if (p.misfire) {
    lines.push(
      `Fire found late: ${new Date(p.misfire.scheduledAt).toISOString()}`,
      `Missed fires: ${p.misfire.missed} (over the catch-up cap: none were run)`,
    );
  }
  lines.push('', `Raised at ${new Date(p.at).toISOString()} by Oasis Scheduler.`);
  return { subject, text: lines.join('\n') };
}
