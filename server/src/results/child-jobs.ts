import type { Logger } from '../domain/logger.js';
import type { HotPort } from '../domain/ports.js';
import { Access, canAccessApp, type Principal } from '../domain/roles.js';
import type { JobRecord, TaskStatus } from '../domain/types.js';
import type { WrittenRecord } from './final-writer.js';
import type { AuditInput } from '../services/audit-service.js';

/** Final statuses that fire the children of a job with `childOptions.onFailure`. */
export const CHILD_FAILURE_STATUSES: ReadonlySet<TaskStatus> = new Set<TaskStatus>(['FAILED', 'TIMEOUT', 'LOST', 'NO_WORKER']);

/** Dependencies of {@link ChildJobFirer}. */
export interface ChildJobFirerDeps {
  /** A job definition by id (a short cache in front of the database); null when deleted. */
  job: (id: number) => Promise<JobRecord | null>;
  hot: Pick<HotPort, 'trigger'>;
  /** A parent result larger than this cannot become a child's params. */
  maxParamsBytes: number;
  /** The user a job's cross-app children fire under (who set the child list), read fresh; null: nobody. */
  grantor: (jobId: number) => Promise<Principal | null>;
  /** Records cross-app child fires and refusals in the child's app. */
  audit: { record(e: AuditInput): Promise<void> };
  logger: Logger;
}

/** The actor of audit entries the admin makes on its own (no user behind them any more). */
const SYSTEM_ACTOR = { id: null, username: 'oasis' } as const;

/** Dedupe key of one child fire: one per parent fire (all its shards and retries) and child. */
export function childDedupeKey(parentJobId: number, parentScheduledAt: number, childJobId: number): string {
  return `${parentJobId}:${parentScheduledAt}:${childJobId}`;
}

/**
 * Child jobs, firing side: when a job's task ends for good (no retry follows) with SUCCESS — or
 * with a failure when the job asks `childOptions.onFailure` — each job in `childJobIds` is
 * triggered once with trigger type `CHILD`, and the parent's result as params when
 * `childOptions.passResult`. The hot side refuses a second trigger with the same dedupe key, so a
 * batch delivered again, several admins or the shards of one broadcast fire each child once.
 *
 * A child of another app than its parent fires only while the user who set the parent's child
 * list may still operate the child's app (checked at each fire: roles change); each such fire,
 * and each refusal, is audited in the child's app. Children of the parent's own app need no grant.
 */
export class ChildJobFirer {
  constructor(private readonly deps: ChildJobFirerDeps) {}

  /** Final-writer listener. Never throws: a child that cannot be fired is logged. */
  readonly onWritten = async (_app: string, records: readonly WrittenRecord[]): Promise<void> => {
    for (const r of records) {
      if (r.retryTaskId !== '') continue; // not the last attempt: the retry decides
      // Only records of jobs with children look the job up: the writer must not query per record.
      if (!r.hasChildren) continue;
      if (r.status !== 'SUCCESS' && !CHILD_FAILURE_STATUSES.has(r.status)) continue;
      try {
        await this.fireChildren(r);
      } catch (err) {
        this.deps.logger.error({ err, jobId: r.jobId, taskId: r.id }, 'child jobs: could not be fired');
      }
    }
  };

  private async fireChildren(r: WrittenRecord): Promise<void> {
    const { logger } = this.deps;
    const parent = await this.deps.job(r.jobId);
    if (!parent || !parent.childJobIds?.length) return;
    if (r.status !== 'SUCCESS' && !parent.childOptions?.onFailure) return;
    let params: string | undefined;
    if (parent.childOptions?.passResult) {
      params = r.result ?? '';
      const size = Buffer.byteLength(params, 'utf8');
      if (size > this.deps.maxParamsBytes) {
        logger.error(
          { jobId: parent.id, taskId: r.id, size, max: this.deps.maxParamsBytes },
          'child jobs: the parent result is larger than params may be; no child fired',
        );
        return;
      }
    }
    let grantor: Promise<Principal | null> | undefined;
    for (const childId of parent.childJobIds) {
      const child = await this.deps.job(childId);
      if (!child) {
        logger.warn({ jobId: parent.id, childJobId: childId }, 'child jobs: the child job was deleted; skipped');
        continue;
      }
      const crossApp = child.app !== parent.app;
      const by = crossApp ? await (grantor ??= this.deps.grantor(parent.id)) : null;
      const about = { parentJobId: parent.id, parentApp: parent.app, parentTaskId: r.id };
      if (crossApp && (!by || !canAccessApp(by, child.app, Access.OPERATE))) {
        logger.warn(
          { jobId: parent.id, childJobId: childId, app: child.app, grantor: by?.username ?? null },
          'child jobs: nobody who may operate the child app linked it; not fired',
        );
        await this.audit({ by: by ?? SYSTEM_ACTOR, action: 'job.child-refused', targetType: 'job', targetId: childId, app: child.app, after: about });
        continue;
      }
      const dedupeKey = childDedupeKey(parent.id, r.scheduledAt, childId);
      try {
        const { taskId } = await this.deps.hot.trigger(child, {
          triggerType: 'CHILD',
          dedupeKey,
          ...(params !== undefined && { params }),
        });
        if (taskId) logger.debug({ jobId: parent.id, childJobId: childId, taskId }, 'child jobs: child fired');
        if (taskId && by) {
          await this.audit({ by, action: 'job.child-trigger', targetType: 'job', targetId: childId, app: child.app, after: { ...about, taskId } });
        }
      } catch (err) {
        logger.error({ err, jobId: parent.id, childJobId: childId, taskId: r.id }, 'child jobs: the child could not be fired');
      }
    }
  }

  private async audit(e: AuditInput): Promise<void> {
    await this.deps.audit.record(e).catch((err: unknown) => this.deps.logger.error({ err, action: e.action }, 'child jobs: audit record failed'));
  }
}
