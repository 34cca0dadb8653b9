import { Op, QueryTypes, Transaction } from 'sequelize';
import { AppError } from '../../domain/errors.js';
import {
  DEFAULT_RETRY,
  type AlarmSettings,
  type ChildOptions,
  type JobRecord,
  type MisfirePolicy,
  type OverlapPolicy,
  type RetryPolicy,
  type Routing,
  type Schedule,
  type ScriptLanguage,
} from '../../domain/types.js';
import { EXPENSIVE_READ } from './guard.js';
import { LAG_TOLERANT_READ } from './replicas.js';
import { mapConstraintErrors } from './errors.js';
import type { JobModel, Models } from './models.js';
import { inTransaction } from './transaction.js';

/** What a job is made of, without identity, app, version, timestamps and the script version (kept by the repo). */
export type JobFields = Omit<JobRecord, 'id' | 'app' | 'version' | 'createdAt' | 'updatedAt' | 'scriptVersion'>;

/** One saved version of a script job's code. */
export interface ScriptVersion {
  version: number;
  language: ScriptLanguage;
  source: string;
  createdAt: number;
}

/** Script versions kept per job. */
export const SCRIPT_VERSIONS_KEPT = 30;

function parseJson<T>(text: string | null | undefined, fallback: T): T {
  if (!text) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

function toColumns(f: JobFields) {
  return {
    name: f.name,
    handler: f.handler,
    params: f.params,
    scheduleType: f.schedule.type,
    schedule: JSON.stringify(f.schedule),
    routing: f.routing,
    timeoutMs: f.timeoutMs,
    misfirePolicy: f.misfire.policy,
    misfireThresholdMs: f.misfire.thresholdMs,
    overlap: f.overlap,
    retry: JSON.stringify(f.retry),
    childJobIds: JSON.stringify(f.childJobIds),
    childOptions: JSON.stringify(f.childOptions),
    alarm: JSON.stringify(f.alarm),
    scriptLanguage: f.script?.language ?? null,
    scriptSource: f.script?.source ?? null,
    enabled: f.enabled,
    paused: f.paused,
    pauseNote: f.pauseNote,
  };
}

function toRecord(row: JobModel, app: string): JobRecord {
  return {
    id: row.id,
    app,
    name: row.name,
    handler: row.handler,
    params: row.params,
    schedule: JSON.parse(row.schedule) as Schedule,
    routing: row.routing as Routing,
    timeoutMs: row.timeoutMs,
    misfire: { policy: row.misfirePolicy as MisfirePolicy, thresholdMs: row.misfireThresholdMs },
    overlap: row.overlap as OverlapPolicy,
    retry: { ...DEFAULT_RETRY, ...parseJson<Partial<RetryPolicy>>(row.retry, {}) },
    childJobIds: parseJson<number[]>(row.childJobIds, []),
    childOptions: { onFailure: false, passResult: false, ...parseJson<Partial<ChildOptions>>(row.childOptions, {}) },
    alarm: { emails: [], webhooks: [], ...parseJson<Partial<AlarmSettings>>(row.alarm, {}) },
    script:
      row.scriptLanguage && row.scriptSource !== null
        ? { language: row.scriptLanguage as ScriptLanguage, source: row.scriptSource }
        : null,
    scriptVersion: row.scriptVersion,
    enabled: Boolean(row.enabled),
    paused: Boolean(row.paused),
    pauseNote: row.pauseNote,
    version: row.version,
    createdAt: row.createdAt.getTime(),
    updatedAt: row.updatedAt.getTime(),
  };
}

/** Reads and writes `oasis_job`; every change bumps `version`. */
export class JobsRepo {
  constructor(private readonly models: Models) {}

  private get include() {
    return [{ model: this.models.App, as: 'app', attributes: ['id', 'name'], required: true }];
  }

  private record(row: JobModel): JobRecord {
    if (!row.app) throw new Error(`job ${row.id} was loaded without its app`);
    return toRecord(row, row.app.name);
  }

  /**
   * Inserts a job (version 1). `childrenBy`: the user who set its child list (recorded as the
   * authority of cross-app children, see {@link childGrantor}).
   * @throws {AppError} `OASIS_ERR_CONFLICT` when the app already has a job of that name,
   *   `OASIS_ERR_UNKNOWN_APP` when the app vanished.
   */
  async create(appId: number, fields: JobFields, childrenBy?: number): Promise<JobRecord> {
    const row = await mapConstraintErrors(
      () =>
        inTransaction(this.models.Job.sequelize!, async (transaction) => {
          const created = await this.models.Job.create(
            { appId, ...toColumns(fields), scriptVersion: fields.script ? 1 : 0 },
            { transaction },
          );
          if (fields.script) await this.saveScript(created.id, 1, fields.script, transaction);
          if (childrenBy !== undefined) await this.grantChildren(created.id, childrenBy, transaction);
          return created;
        }),
      `The app already has a job named "${fields.name}"`,
      new AppError('OASIS_ERR_UNKNOWN_APP'),
    );
    const job = await this.get(row.id);
    if (!job) throw new Error(`job ${row.id} vanished right after its insert`);
    return job;
  }

  /** One job, or null. */
  async get(id: number): Promise<JobRecord | null> {
    const row = await this.models.Job.findByPk(id, { include: this.include });
    return row ? this.record(row) : null;
  }

  /**
   * Jobs by id, optionally of one app (by id), of some apps (by name), only enabled ones (to
   * rebuild Redis), and a page of them (`offset`, `limit`). A page (`limit` given: the API's
   * list) is an expensive read: past `OASIS_DB_READ_TIMEOUT_MS` it throws `OASIS_ERR_UNAVAILABLE`;
   * the whole list (the admin's own rebuilds and checks) has no such deadline. A page is also
   * lag-tolerant (may be read from a replica: a job just saved may show in it a moment later);
   * the whole list is read from the primary. One job ({@link get}, also what a save answers) is
   * always read from the primary.
   */
  async list(filter: { appId?: number; appNames?: readonly string[]; enabled?: boolean; limit?: number; offset?: number } = {}): Promise<JobRecord[]> {
    const where: { appId?: number; enabled?: boolean } = {};
    if (filter.appId !== undefined) where.appId = filter.appId;
    if (filter.enabled !== undefined) where.enabled = filter.enabled;
    const include = filter.appNames === undefined ? this.include : [{ ...this.include[0], where: { name: { [Op.in]: [...filter.appNames] } } }];
    const rows = await this.models.Job.findAll({
      where,
      include,
      order: [['id', 'ASC']],
      ...(filter.limit !== undefined && { limit: filter.limit }),
      ...(filter.offset !== undefined && { offset: filter.offset }),
      ...(filter.limit !== undefined && { ...EXPENSIVE_READ, ...LAG_TOLERANT_READ }),
    });
    return rows.map((r) => this.record(r));
  }

  /** Id and app name of every job: a light query (no model instances) for whole-table checks. */
  async refs(): Promise<{ id: number; app: string }[]> {
    const sequelize = this.models.Job.sequelize!;
    const rows = await sequelize.query<{ id: number; app: string }>(
      'SELECT j.id AS id, a.name AS app FROM oasis_job j JOIN oasis_app a ON a.id = j.app_id',
      { type: QueryTypes.SELECT },
    );
    return rows.map((r) => ({ id: Number(r.id), app: String(r.app) }));
  }

  /**
   * Changes a job in one transaction: `change` gets the current job (row locked on MySQL) and
   * returns the new fields; it may throw to abort. The version goes up by one. `childrenBy`: the
   * user who set a new child list (omitted: the list and its authority stay as they were).
   * @returns the saved job, or null when there is no such job.
   * @throws {AppError} `OASIS_ERR_CONFLICT` when the new name is taken; whatever `change` throws.
   */
  async update(id: number, change: (current: JobRecord) => JobFields, childrenBy?: number): Promise<JobRecord | null> {
    const saved = await inTransaction(this.models.Job.sequelize!, async (transaction) => {
      const row = await this.models.Job.findByPk(id, {
        include: this.include,
        transaction,
        lock: Transaction.LOCK.UPDATE,
      });
      if (!row) return null;
      const current = this.record(row);
      const next = change(current);
      let scriptVersion = row.scriptVersion;
      if (next.script && (next.script.language !== current.script?.language || next.script.source !== current.script?.source)) {
        scriptVersion += 1;
        await this.saveScript(row.id, scriptVersion, next.script, transaction);
      }
      row.set({ ...toColumns(next), scriptVersion, version: row.version + 1 });
      await mapConstraintErrors(
        () => row.save({ transaction }),
        `The app already has a job named "${next.name}"`,
      );
      if (childrenBy !== undefined) await this.grantChildren(row.id, childrenBy, transaction);
      return row.id;
    });
    return saved === null ? null : this.get(saved);
  }

  /** The user who last set the job's child list, or null (none recorded, or that user is gone). */
  async childGrantor(jobId: number): Promise<number | null> {
    const row = await this.models.JobChildGrant.findByPk(jobId);
    return row ? row.userId : null;
  }

  private async grantChildren(jobId: number, userId: number, transaction: Transaction): Promise<void> {
    await this.models.JobChildGrant.upsert({ jobId, userId, grantedAt: Date.now() }, { transaction });
  }

  /** Saved versions of a job's script, newest first (at most {@link SCRIPT_VERSIONS_KEPT}). */
  async scriptVersions(jobId: number): Promise<ScriptVersion[]> {
    const rows = await this.models.JobScript.findAll({ where: { jobId }, order: [['version', 'DESC']] });
    return rows.map((r) => ({
      version: r.version,
      language: r.language as ScriptLanguage,
      source: r.source,
      createdAt: r.createdAt.getTime(),
    }));
  }

  /** Stores a script version and drops the ones beyond the kept count. */
  private async saveScript(
    jobId: number,
    version: number,
    script: { language: string; source: string },
    transaction: Transaction,
  ): Promise<void> {
    await this.models.JobScript.create({ jobId, version, language: script.language, source: script.source }, { transaction });
    await this.models.JobScript.destroy({
      where: { jobId, version: { [Op.lte]: version - SCRIPT_VERSIONS_KEPT } },
      transaction,
    });
  }

  /** Deletes a job; returns what it was, or null when there was none. */
  async delete(id: number): Promise<JobRecord | null> {
    const job = await this.get(id);
    if (!job) return null;
    const count = await this.models.Job.destroy({ where: { id } });
    return count > 0 ? job : null;
  }
}
