import type { CreateJob, PauseJob, PreviewSchedule, SkipNext, TriggerJob, UpdateJob } from '@oasis/worker-client/contracts';
import type { OasisConfig } from '../config/schema.js';
import { AppError } from '../domain/errors.js';
import type { HotPort } from '../domain/ports.js';
import { Access, canAccessApp, canWriteScripts, type Principal } from '../domain/roles.js';
import { PREVIEW_BUDGET_MS, previewFires, runsLeft, validateSchedule } from '../domain/schedule.js';
import { DEFAULT_RETRY, type JobRecord } from '../domain/types.js';
import type { AppsRepo } from '../store/db/apps-repo.js';
import type { UsersRepo } from '../store/db/users-repo.js';
import type { JobFields, JobsRepo, ScriptVersion } from '../store/db/jobs-repo.js';
import type { AttemptLimiter } from './attempt-limiter.js';
import { principalOf } from './auth-service.js';
import type { Parsed } from './validation.js';

/** A job as the API shows it: the definition plus its hot state. */
export interface JobView extends JobRecord {
  /** Next scheduled fire (epoch ms), or null (stopped, paused, finished, NONE). */
  nextFireAt: number | null;
  /** Scheduled fires still to be skipped (`skip-next`). */
  skipNext: number;
  /** Scheduled fires that produced a run so far (counts towards `schedule.maxRuns`). */
  runs: number;
}

/** Dependencies of {@link JobService}. */
export interface JobServiceDeps {
  jobs: JobsRepo;
  apps: AppsRepo;
  users: UsersRepo;
  hot: HotPort;
  config: Pick<OasisConfig, 'maxParamsBytes' | 'misfireThresholdMs'>;
  /** Previews of fire times a user may ask for, shared by every admin ({@link PREVIEW_RATE}); omitted: no limit. */
  previewLimit?: AttemptLimiter;
  /** The cluster's clock (epoch ms) previews start from; default `Date.now`. */
  now?: () => number;
}

/** Previews of fire times one user may ask for (`POST /schedule/preview` and `GET /jobs/:id/next-fires` together). */
export const PREVIEW_RATE = { points: 60, windowMs: 60_000 } as const;

/**
 * Job definitions: semantic checks, persistence (the database is the system of record), then the
 * hot copy in Redis. Every change bumps the version, saves, then syncs the hot side. Inputs come
 * parsed by their contract schema (`Parsed<…>`, once, at the REST edge); what zod cannot check
 * (sizes against the configuration, cron, time zone, children, script grants) is checked here.
 */
export class JobService {
  private readonly now: () => number;

  constructor(private readonly deps: JobServiceDeps) {
    this.now = deps.now ?? Date.now;
  }

  /**
   * Creates a job and schedules it when enabled (the default). `by` is the caller: its child jobs
   * must be of the same app or of apps `by` may operate (see {@link checkChildren}); a script
   * (GLUE) job is code execution on the app's workers and needs {@link canWriteScripts}.
   * @throws {AppError} `OASIS_ERR_VALIDATION`, `OASIS_ERR_BAD_CRON`, `OASIS_ERR_BAD_TIMEZONE`,
   *   `OASIS_ERR_UNKNOWN_APP`, `OASIS_ERR_CONFLICT` (name taken in the app), `OASIS_ERR_FORBIDDEN`
   *   (a script without the right to write scripts in the app).
   */
  async create(v: Parsed<CreateJob>, by: Principal): Promise<JobView> {
    const script = v.script ?? null;
    if (!script && v.handler === undefined) {
      throw new AppError('OASIS_ERR_VALIDATION', 'handler: required (only a script job may leave it out)');
    }
    if (script) assertScriptWriter(by, v.app);
    if (v.childJobIds?.length) await this.checkChildren(null, v.app, [...new Set(v.childJobIds)], by);
    const fields = this.check({
      name: v.name,
      handler: v.handler ?? 'script',
      params: v.params ?? '',
      schedule: v.schedule,
      misfire: {
        policy: v.misfire?.policy ?? 'SKIP',
        thresholdMs: v.misfire?.thresholdMs ?? this.deps.config.misfireThresholdMs,
      },
      overlap: v.overlap ?? 'ALLOW',
      routing: v.routing ?? 'BUSYOVER',
      timeoutMs: v.timeoutMs ?? 0,
      retry: { ...DEFAULT_RETRY, ...v.retry },
      childJobIds: v.childJobIds ?? [],
      childOptions: { onFailure: false, passResult: false, ...v.childOptions },
      alarm: { emails: v.alarm?.emails ?? [], webhooks: v.alarm?.webhooks ?? [] },
      script,
      enabled: v.enabled ?? true,
      paused: false,
      pauseNote: '',
    }, null);
    const appId = await this.deps.apps.idOf(v.app);
    if (appId === null) throw new AppError('OASIS_ERR_UNKNOWN_APP', `No app is named "${v.app}"`);
    return this.sync(await this.deps.jobs.create(appId, fields, fields.childJobIds.length ? by.id : undefined));
  }

  /** @throws {AppError} `OASIS_ERR_NOT_FOUND`. */
  async get(id: number): Promise<JobView> {
    return this.view(await this.find(id));
  }

  /**
   * Jobs by id, optionally of one app (an unknown app has none) or of some apps, a page of them
   * (`offset`, `limit`; default all).
   */
  async list(filter: { app?: string; apps?: readonly string[]; limit?: number; offset?: number } = {}): Promise<JobView[]> {
    let appId: number | undefined;
    if (filter.app !== undefined) {
      const id = await this.deps.apps.idOf(filter.app);
      if (id === null) return [];
      appId = id;
    }
    const jobs = await this.deps.jobs.list({
      ...(appId !== undefined && { appId }),
      ...(filter.apps !== undefined && { appNames: filter.apps }),
      ...(filter.limit !== undefined && { limit: filter.limit }),
      ...(filter.offset !== undefined && { offset: filter.offset }),
    });
    return Promise.all(jobs.map((job) => this.view(job)));
  }

  /**
   * Changes some fields of a job (`misfire` is merged, `schedule` replaced). A child list that
   * differs from the saved one (as a set) is checked against `by` as in {@link create}, and `by`
   * becomes its authority; an unchanged list (a form sends every field) is not checked again.
   * Any change of a job that is or becomes a script job needs {@link canWriteScripts}.
   * @throws {AppError} as {@link create}, and `OASIS_ERR_NOT_FOUND`.
   */
  async update(id: number, patch: Parsed<UpdateJob>, by: Principal): Promise<JobView> {
    let childrenBy: number | undefined;
    if (patch.childJobIds !== undefined) {
      const current = await this.find(id);
      const next = new Set(patch.childJobIds);
      const same = next.size === new Set(current.childJobIds).size && current.childJobIds.every((c) => next.has(c));
      if (!same) {
        // The graph check reads every job, so it runs before the transaction; it depends only on
        // the new children, and unchanged children cannot close a new cycle.
        if (next.size) await this.checkChildren(id, current.app, [...next], by);
        childrenBy = by.id;
      }
    }
    // Merged inside the transaction, from the locked row: a concurrent change is not overwritten.
    return this.change(id, (job) => {
      // Checked on the locked row: a job that is or becomes a script job is an edit of a script.
      if (job.script || patch.script) assertScriptWriter(by, job.app);
      return this.check(
        {
          name: patch.name ?? job.name,
          handler: patch.handler ?? job.handler,
          params: patch.params ?? job.params,
          schedule: patch.schedule ?? job.schedule,
          misfire: {
            policy: patch.misfire?.policy ?? job.misfire.policy,
            thresholdMs: patch.misfire?.thresholdMs ?? job.misfire.thresholdMs,
          },
          overlap: patch.overlap ?? job.overlap,
          routing: patch.routing ?? job.routing,
          timeoutMs: patch.timeoutMs ?? job.timeoutMs,
          retry: { ...job.retry, ...patch.retry },
          childJobIds: patch.childJobIds ?? job.childJobIds,
          childOptions: { ...job.childOptions, ...patch.childOptions },
          alarm: { ...job.alarm, ...patch.alarm },
          script: patch.script === undefined ? job.script : patch.script,
          enabled: patch.enabled ?? job.enabled,
          paused: job.paused,
          pauseNote: job.pauseNote,
        },
        job,
      );
    }, childrenBy);
  }

  /** Enables a job: it fires on its schedule again. @throws {AppError} `OASIS_ERR_NOT_FOUND`. */
  start(id: number): Promise<JobView> {
    return this.change(id, (job) => ({ ...fieldsOf(job), enabled: true }));
  }

  /** Disables a job: no more scheduled fires (manual triggers still work). @throws {AppError} `OASIS_ERR_NOT_FOUND`. */
  stop(id: number): Promise<JobView> {
    return this.change(id, (job) => ({ ...fieldsOf(job), enabled: false }));
  }

  /**
   * Pauses a job: no scheduled fires until {@link resume} (manual triggers still run). The
   * note is shown with the job.
   * @throws {AppError} `OASIS_ERR_NOT_FOUND`.
   */
  pause(id: number, input: Parsed<PauseJob>): Promise<JobView> {
    const { note } = input;
    return this.change(id, (job) => ({ ...fieldsOf(job), paused: true, pauseNote: note ?? '' }));
  }

  /** Ends a pause: the job fires from its next planned time after now. @throws {AppError} `OASIS_ERR_NOT_FOUND`. */
  resume(id: number): Promise<JobView> {
    return this.change(id, (job) => ({ ...fieldsOf(job), paused: false, pauseNote: '' }));
  }

  /**
   * Skips the next `count` scheduled fires (default 1): they advance the schedule without a task.
   * Counts add up; the pending count is shown as `skipNext`.
   * @throws {AppError} `OASIS_ERR_NOT_FOUND`.
   */
  async skipNext(id: number, input: Parsed<SkipNext>): Promise<JobView> {
    const { count } = input;
    const job = await this.find(id);
    await this.deps.hot.addSkips(job.app, job.id, count ?? 1);
    return this.get(id);
  }

  /** Saved versions of a script job's code, newest first. @throws {AppError} `OASIS_ERR_NOT_FOUND`. */
  async scriptVersions(id: number): Promise<ScriptVersion[]> {
    await this.find(id);
    return this.deps.jobs.scriptVersions(id);
  }

  /** Deletes a job and its hot copy; tasks in flight finish normally. @throws {AppError} `OASIS_ERR_NOT_FOUND`. */
  async delete(id: number): Promise<void> {
    const job = await this.deps.jobs.delete(id);
    if (!job) throw new AppError('OASIS_ERR_NOT_FOUND', `No job has id ${id}`);
    await this.deps.hot.removeJob(job.app, job.id);
  }

  /**
   * Runs a job once now, enabled or not, with `params` for this run (default: the job's).
   * @throws {AppError} `OASIS_ERR_NOT_FOUND`, `OASIS_ERR_VALIDATION` (params too large).
   */
  async trigger(
    id: number,
    input?: Parsed<TriggerJob>,
    triggerType: 'MANUAL' | 'API' = 'MANUAL',
  ): Promise<{ taskId: string; taskIds: string[] }> {
    const params = input?.params;
    if (params !== undefined) this.checkParams(params);
    const job = await this.find(id);
    const { taskId, taskIds } = await this.deps.hot.trigger(job, params === undefined ? { triggerType } : { params, triggerType });
    // Only a dedupe key can refuse a trigger, and manual / API triggers carry none.
    return { taskId: taskId as string, taskIds };
  }

  /**
   * The job's next `count` (1-100, default 5) scheduled fires, epoch ms; rate-limited per user
   * with {@link previewSchedule} ({@link PREVIEW_RATE}: `OASIS_ERR_RATE_LIMITED`). `basis` says where they
   * start: `next` = the job's real pending fire (then its plan), `now` = the plan's fires from now
   * when the job has no pending fire (stopped, paused, a FIXED_DELAY run under way, finished).
   * With `maxRuns`, the list stops where the runs left (and the `skipNext` fires) run out; the
   * first `skipNext` fires are skipped fires, not runs. The work is bounded
   * ({@link PREVIEW_BUDGET_MS}): `complete` is false when the list was cut short. `count` is the
   * parsed `nextFiresQuery` (1-100).
   * @throws {AppError} `OASIS_ERR_NOT_FOUND`.
   */
  async nextFires(id: number, count: number | undefined, by: Principal): Promise<{ fires: number[]; basis: 'next' | 'now'; skipNext: number; complete: boolean }> {
    await this.limitPreview(by);
    const job = await this.find(id);
    const hot = await this.deps.hot.jobState(job.app, job.id);
    const s = job.schedule;
    const opts = {
      ...(hot.nextFireAt !== null && { first: hot.nextFireAt }),
      limit: runsLeft(s, hot.runs) + hot.skipNext,
      budgetMs: PREVIEW_BUDGET_MS,
    };
    const { fires, complete } = previewFires(s, this.now(), count ?? 5, opts);
    return { fires, basis: hot.nextFireAt !== null ? 'next' : 'now', skipNext: hot.skipNext, complete };
  }

  /**
   * The next fires of a schedule not saved yet (the job form's preview), from now; bounded like
   * {@link nextFires} (`complete` false when cut short).
   * @throws {AppError} as {@link create} for a bad schedule: `OASIS_ERR_VALIDATION`,
   *   `OASIS_ERR_BAD_CRON`, `OASIS_ERR_BAD_TIMEZONE`.
   */
  async previewSchedule(v: Parsed<PreviewSchedule>, by: Principal): Promise<{ fires: number[]; complete: boolean }> {
    await this.limitPreview(by);
    const now = this.now();
    return previewFires(validateSchedule(v.schedule, { now }), now, v.count ?? 5, { budgetMs: PREVIEW_BUDGET_MS });
  }

  /**
   * Writes the hot copy of every job whose copy is missing from Redis (Redis lost its data:
   * restarted without persistence, flushed, failed over to an empty replica), so those jobs fire
   * again. Cheap when nothing is missing: one id query and one pipelined existence check.
   * Returns the ids restored.
   */
  async restoreHotCopies(): Promise<number[]> {
    const refs = await this.deps.jobs.refs();
    const missing = await this.deps.hot.missingJobs(refs);
    const restored: number[] = [];
    for (const id of missing) {
      const job = await this.deps.jobs.get(id);
      if (!job) continue; // deleted meanwhile
      await this.deps.hot.syncJob(job);
      restored.push(id);
    }
    return restored;
  }

  /** @throws {AppError} `OASIS_ERR_RATE_LIMITED` (details `{retryAfterMs}`) past {@link PREVIEW_RATE}. */
  private async limitPreview(by: Principal): Promise<void> {
    const wait = (await this.deps.previewLimit?.consume(`u${by.id}`)) ?? 0;
    if (wait > 0) {
      throw new AppError('OASIS_ERR_RATE_LIMITED', 'Too many fire-time previews; wait a moment', { retryAfterMs: wait });
    }
  }

  private async find(id: number): Promise<JobRecord> {
    const job = await this.deps.jobs.get(id);
    if (!job) throw new AppError('OASIS_ERR_NOT_FOUND', `No job has id ${id}`);
    return job;
  }

  private async change(id: number, next: (job: JobRecord) => JobFields, childrenBy?: number): Promise<JobView> {
    const job = await this.deps.jobs.update(id, next, childrenBy);
    if (!job) throw new AppError('OASIS_ERR_NOT_FOUND', `No job has id ${id}`);
    return this.sync(job);
  }

  private async sync(job: JobRecord): Promise<JobView> {
    await this.deps.hot.syncJob(job);
    return this.view(job);
  }

  private async view(job: JobRecord): Promise<JobView> {
    const hot = await this.deps.hot.jobState(job.app, job.id);
    return { ...job, nextFireAt: hot.nextFireAt, skipNext: hot.skipNext, runs: hot.runs };
  }

  /**
   * Semantic checks zod cannot do (synchronous: an update runs them inside its transaction):
   * params and script size, cron and time zone; child ids de-duplicated. `current` is the saved
   * job on an update. Child jobs are checked by {@link checkChildren} before. Returns normalised
   * fields.
   */
  private check(fields: JobFields, current: JobRecord | null): JobFields {
    this.checkParams(fields.params);
    if (fields.script) {
      const max = this.deps.config.maxParamsBytes * 4;
      const size = Buffer.byteLength(fields.script.source, 'utf8');
      if (size > max) throw new AppError('OASIS_ERR_VALIDATION', `script.source is ${size} bytes; at most ${max} are allowed`);
    }
    // An unchanged ONCE schedule may lie in the past (the job already ran): editing other fields stays possible.
    const schedule = validateSchedule(fields.schedule, { now: this.now(), ...(current && { previous: current.schedule }) });
    return { ...fields, childJobIds: [...new Set(fields.childJobIds)], schedule };
  }

  /**
   * The user whose authority a job's cross-app children fire under: whoever last set its child
   * list, read fresh (role and apps as they are now); null when none is recorded or the user is gone.
   */
  async childGrantor(jobId: number): Promise<Principal | null> {
    const userId = await this.deps.jobs.childGrantor(jobId);
    const user = userId === null ? null : await this.deps.users.findById(userId);
    return user ? principalOf(user) : null;
  }

  /**
   * Children must exist and be of the parent's app or of an app `by` may operate; a job must not
   * (transitively) be its own child. A job of an app `by` may not operate gets the same answer as
   * one that does not exist, so the check tells nothing about other apps.
   */
  private async checkChildren(selfId: number | null, app: string, childIds: number[], by: Principal): Promise<void> {
    const all = await this.deps.jobs.list();
    const children = new Map(all.map((j) => [j.id, j.childJobIds]));
    const apps = new Map(all.map((j) => [j.id, j.app]));
    for (const id of childIds) {
      const childApp = apps.get(id);
      if (childApp === undefined || (childApp !== app && !canAccessApp(by, childApp, Access.OPERATE))) {
        throw new AppError('OASIS_ERR_VALIDATION', `childJobIds: no job with id ${id} in an app you may operate`);
      }
    }
    if (selfId === null) return; // a new job has no parents yet: it cannot close a cycle
    children.set(selfId, childIds);
    const seen = new Set<number>();
    const stack = [...childIds];
    while (stack.length) {
      const id = stack.pop() as number;
      if (id === selfId) {
        throw new AppError('OASIS_ERR_VALIDATION', `childJobIds: job ${selfId} would (indirectly) trigger itself`);
      }
      if (seen.has(id)) continue;
      seen.add(id);
      stack.push(...(children.get(id) ?? []));
    }
  }

  private checkParams(params: string): void {
    const max = this.deps.config.maxParamsBytes;
    const size = Buffer.byteLength(params, 'utf8');
    if (size > max) {
      throw new AppError('OASIS_ERR_VALIDATION', `params is ${size} bytes; at most ${max} are allowed`);
    }
  }
}

/** @throws {AppError} `OASIS_ERR_FORBIDDEN` unless `by` may write script jobs in `app`. */
function assertScriptWriter(by: Principal, app: string): void {
  if (!canWriteScripts(by, app)) {
    throw new AppError(
      'OASIS_ERR_FORBIDDEN',
      `Script (GLUE) jobs run code on the workers of "${app}": creating or changing one needs ADMIN or a script grant for the app`,
    );
  }
}

function fieldsOf(job: JobRecord): JobFields {
  const { id: _id, app: _app, version: _v, createdAt: _c, updatedAt: _u, scriptVersion: _s, ...fields } = job;
  return fields;
}
