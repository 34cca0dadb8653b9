import { Transaction } from 'sequelize';
import { AppError } from '../../domain/errors.js';
import type { JobRecord, MisfirePolicy, Routing, Schedule } from '../../domain/types.js';
import { mapConstraintErrors } from './errors.js';
import type { JobModel, Models } from './models.js';
import { inTransaction } from './transaction.js';

/** What a job is made of, without identity, app, version and timestamps. */
export type JobFields = Omit<JobRecord, 'id' | 'app' | 'version' | 'createdAt' | 'updatedAt'>;

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
    enabled: f.enabled,
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
    enabled: Boolean(row.enabled),
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
   * Inserts a job (version 1).
   * @throws {AppError} `OASIS_ERR_CONFLICT` when the app already has a job of that name,
   *   `OASIS_ERR_UNKNOWN_APP` when the app vanished.
   */
  async create(appId: number, fields: JobFields): Promise<JobRecord> {
    const row = await mapConstraintErrors(
      () => this.models.Job.create({ appId, ...toColumns(fields) }),
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

  /** Jobs by id, optionally of one app (by id) and/or only enabled ones (to rebuild Redis). */
  async list(filter: { appId?: number; enabled?: boolean } = {}): Promise<JobRecord[]> {
    const where: { appId?: number; enabled?: boolean } = {};
    if (filter.appId !== undefined) where.appId = filter.appId;
    if (filter.enabled !== undefined) where.enabled = filter.enabled;
    const rows = await this.models.Job.findAll({ where, include: this.include, order: [['id', 'ASC']] });
    return rows.map((r) => this.record(r));
  }

  /**
   * Changes a job in one transaction: `change` gets the current job (row locked on MySQL) and
   * returns the new fields; it may throw to abort. The version goes up by one.
   * @returns the saved job, or null when there is no such job.
   * @throws {AppError} `OASIS_ERR_CONFLICT` when the new name is taken; whatever `change` throws.
   */
  async update(id: number, change: (current: JobRecord) => JobFields): Promise<JobRecord | null> {
    const saved = await inTransaction(this.models.Job.sequelize!, async (transaction) => {
      const row = await this.models.Job.findByPk(id, {
        include: this.include,
        transaction,
        lock: Transaction.LOCK.UPDATE,
      });
      if (!row) return null;
      const next = change(this.record(row));
      row.set({ ...toColumns(next), version: row.version + 1 });
      await mapConstraintErrors(
        () => row.save({ transaction }),
        `The app already has a job named "${next.name}"`,
      );
      return row.id;
    });
    return saved === null ? null : this.get(saved);
  }

  /** Deletes a job; returns what it was, or null when there was none. */
  async delete(id: number): Promise<JobRecord | null> {
    const job = await this.get(id);
    if (!job) return null;
    const count = await this.models.Job.destroy({ where: { id } });
    return count > 0 ? job : null;
  }
}
