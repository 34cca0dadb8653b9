import type { OasisConfig } from '../config/schema.js';
import { AppError } from '../domain/errors.js';
import type { HotPort } from '../domain/ports.js';
import { validateSchedule } from '../domain/schedule.js';
import type { JobRecord } from '../domain/types.js';
import type { AppsRepo } from '../store/db/apps-repo.js';
import type { JobFields, JobsRepo } from '../store/db/jobs-repo.js';
import {
  createJobSchema,
  triggerJobSchema,
  updateJobSchema,
  type CreateJobInput,
  type TriggerJobInput,
  type UpdateJobInput,
} from './job-input.js';
import { parseOrThrow } from './validation.js';

/** A job as the API shows it: the definition plus its next fire time (epoch ms, or null). */
export interface JobView extends JobRecord {
  nextFireAt: number | null;
}

/** Dependencies of {@link JobService}. */
export interface JobServiceDeps {
  jobs: JobsRepo;
  apps: AppsRepo;
  hot: HotPort;
  config: Pick<OasisConfig, 'maxParamsBytes' | 'misfireThresholdMs'>;
}

/**
 * Job definitions: validation, persistence (the database is the system of record), then the hot
 * copy in Redis. Every change bumps the version, saves, then syncs the hot side.
 */
export class JobService {
  constructor(private readonly deps: JobServiceDeps) {}

  /**
   * Creates a job and schedules it when enabled (the default).
   * @throws {AppError} `OASIS_ERR_VALIDATION`, `OASIS_ERR_BAD_CRON`, `OASIS_ERR_BAD_TIMEZONE`,
   *   `OASIS_ERR_UNKNOWN_APP`, `OASIS_ERR_CONFLICT` (name taken in the app).
   */
  async create(input: CreateJobInput): Promise<JobView> {
    const v = parseOrThrow(createJobSchema, input);
    const fields = this.check({
      name: v.name,
      handler: v.handler,
      params: v.params ?? '',
      schedule: v.schedule,
      routing: v.routing ?? 'ANY',
      timeoutMs: v.timeoutMs ?? 0,
      misfire: {
        policy: v.misfire?.policy ?? 'FIRE_ONCE',
        thresholdMs: v.misfire?.thresholdMs ?? this.deps.config.misfireThresholdMs,
      },
      enabled: v.enabled ?? true,
    });
    const appId = await this.deps.apps.idOf(v.app);
    if (appId === null) throw new AppError('OASIS_ERR_UNKNOWN_APP', `No app is named "${v.app}"`);
    return this.sync(await this.deps.jobs.create(appId, fields));
  }

  /** @throws {AppError} `OASIS_ERR_NOT_FOUND`. */
  async get(id: number): Promise<JobView> {
    const job = await this.find(id);
    return { ...job, nextFireAt: await this.deps.hot.nextFireAt(job.app, job.id) };
  }

  /** Jobs by id, optionally of one app (an unknown app has none). */
  async list(filter: { app?: string } = {}): Promise<JobView[]> {
    let appId: number | undefined;
    if (filter.app !== undefined) {
      const id = await this.deps.apps.idOf(filter.app);
      if (id === null) return [];
      appId = id;
    }
    const jobs = await this.deps.jobs.list(appId === undefined ? {} : { appId });
    return Promise.all(
      jobs.map(async (job) => ({ ...job, nextFireAt: await this.deps.hot.nextFireAt(job.app, job.id) })),
    );
  }

  /**
   * Changes some fields of a job (`misfire` is merged, `schedule` replaced).
   * @throws {AppError} as {@link create}, and `OASIS_ERR_NOT_FOUND`.
   */
  async update(id: number, input: UpdateJobInput): Promise<JobView> {
    const patch = parseOrThrow(updateJobSchema, input);
    return this.change(id, (job) =>
      this.check({
        name: patch.name ?? job.name,
        handler: patch.handler ?? job.handler,
        params: patch.params ?? job.params,
        schedule: patch.schedule ?? job.schedule,
        routing: patch.routing ?? job.routing,
        timeoutMs: patch.timeoutMs ?? job.timeoutMs,
        misfire: {
          policy: patch.misfire?.policy ?? job.misfire.policy,
          thresholdMs: patch.misfire?.thresholdMs ?? job.misfire.thresholdMs,
        },
        enabled: patch.enabled ?? job.enabled,
      }),
    );
  }

  /** Enables a job: it fires on its schedule again. @throws {AppError} `OASIS_ERR_NOT_FOUND`. */
  start(id: number): Promise<JobView> {
    return this.change(id, (job) => ({ ...fieldsOf(job), enabled: true }));
  }

  /** Disables a job: no more scheduled fires (manual triggers still work). @throws {AppError} `OASIS_ERR_NOT_FOUND`. */
  stop(id: number): Promise<JobView> {
    return this.change(id, (job) => ({ ...fieldsOf(job), enabled: false }));
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
    input: TriggerJobInput = {},
    triggerType: 'MANUAL' | 'API' = 'MANUAL',
  ): Promise<{ taskId: string }> {
    const { params } = parseOrThrow(triggerJobSchema, input);
    if (params !== undefined) this.checkParams(params);
    const job = await this.find(id);
    return this.deps.hot.trigger(job, params === undefined ? { triggerType } : { params, triggerType });
  }

  /** Writes the hot copy of every job again (Redis rebuilt from the database). */
  async resyncAll(): Promise<number> {
    const jobs = await this.deps.jobs.list();
    for (const job of jobs) await this.deps.hot.syncJob(job);
    return jobs.length;
  }

  private async find(id: number): Promise<JobRecord> {
    const job = await this.deps.jobs.get(id);
    if (!job) throw new AppError('OASIS_ERR_NOT_FOUND', `No job has id ${id}`);
    return job;
  }

  private async change(id: number, next: (job: JobRecord) => JobFields): Promise<JobView> {
    const job = await this.deps.jobs.update(id, next);
    if (!job) throw new AppError('OASIS_ERR_NOT_FOUND', `No job has id ${id}`);
    return this.sync(job);
  }

  private async sync(job: JobRecord): Promise<JobView> {
    const { nextFireAt } = await this.deps.hot.syncJob(job);
    return { ...job, nextFireAt };
  }

  /** Semantic checks zod cannot do: params size, cron and time zone. Returns normalised fields. */
  private check(fields: JobFields): JobFields {
    this.checkParams(fields.params);
    return { ...fields, schedule: validateSchedule(fields.schedule) };
  }

  private checkParams(params: string): void {
    const max = this.deps.config.maxParamsBytes;
    const size = Buffer.byteLength(params, 'utf8');
    if (size > max) {
      throw new AppError('OASIS_ERR_VALIDATION', `params is ${size} bytes; at most ${max} are allowed`);
    }
  }
}

function fieldsOf(job: JobRecord): JobFields {
  const { id: _id, app: _app, version: _v, createdAt: _c, updatedAt: _u, ...fields } = job;
  return fields;
}
