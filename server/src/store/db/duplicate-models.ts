import {
  DataTypes,
  Model,
  type InferAttributes,
  type InferCreationAttributes,
  type ModelOptions,
  type Sequelize,
} from 'sequelize';

/**
 * Row of `oasis_job_log_duplicate`: a second final record of a fire that already has one in
 * `oasis_job_log` (same job, scheduled time, shard and attempt, another task id), e.g. a fire
 * that ran twice after Redis lost data. The first record stays in `oasis_job_log`; this one is
 * kept here, whole, instead of being merged into it. Its id is its own task id, so the same
 * stream entry delivered again stays one row.
 */
export class JobLogDuplicateModel extends Model<InferAttributes<JobLogDuplicateModel>, InferCreationAttributes<JobLogDuplicateModel>> {
  declare id: string;
  /** Task id of the record kept in `oasis_job_log` for the same fire ('' if it was gone already). */
  declare firstId: string;
  declare jobId: number;
  declare appId: number;
  /** `YYYY-MM-DD` (UTC) of `scheduledAt`: the daily report counts duplicates by it. */
  declare day: string;
  declare handler: string;
  declare scheduledAt: number;
  declare startedAt: number | null;
  declare finishedAt: number | null;
  declare status: string;
  declare triggerType: string;
  declare workerId: string | null;
  declare shardIndex: number;
  declare shardTotal: number;
  declare attempt: number;
  declare params: string;
  declare result: string | null;
  declare error: string | null;
  /** When the writer found it (epoch ms). */
  declare detectedAt: number;
}

/** The duplicate model, defined by `defineModels` next to the others. */
export interface DuplicateModels {
  JobLogDuplicate: typeof JobLogDuplicateModel;
}

const { INTEGER, BIGINT, STRING, CHAR, TEXT } = DataTypes;

/** Defines `oasis_job_log_duplicate` (no foreign keys: like the logs, duplicates outlive their job). */
export function defineDuplicateModels(sequelize: Sequelize, common: ModelOptions): DuplicateModels {
  const MEDIUMTEXT = sequelize.getDialect() === 'sqlite' ? TEXT : TEXT('medium');
  const JobLogDuplicate = class extends JobLogDuplicateModel {};
  JobLogDuplicate.init(
    {
      id: { type: STRING(64), primaryKey: true },
      firstId: { type: STRING(64), allowNull: false },
      jobId: { type: INTEGER, allowNull: false },
      appId: { type: INTEGER, allowNull: false },
      day: { type: CHAR(10), allowNull: false },
      handler: { type: STRING(200), allowNull: false },
      scheduledAt: { type: BIGINT, allowNull: false },
      startedAt: { type: BIGINT, allowNull: true },
      finishedAt: { type: BIGINT, allowNull: true },
      status: { type: STRING(16), allowNull: false },
      triggerType: { type: STRING(16), allowNull: false },
      workerId: { type: STRING(128), allowNull: true },
      shardIndex: { type: INTEGER, allowNull: false, defaultValue: 0 },
      shardTotal: { type: INTEGER, allowNull: false, defaultValue: 1 },
      attempt: { type: INTEGER, allowNull: false, defaultValue: 1 },
      params: { type: MEDIUMTEXT, allowNull: false },
      result: { type: MEDIUMTEXT, allowNull: true },
      error: { type: TEXT, allowNull: true },
      detectedAt: { type: BIGINT, allowNull: false },
    },
    {
      ...common,
      sequelize,
      tableName: 'oasis_job_log_duplicate',
      modelName: 'JobLogDuplicate',
      timestamps: false,
      indexes: [
        { name: 'ix_dup_job_scheduled', fields: ['job_id', 'scheduled_at'] },
        { name: 'ix_dup_app_day', fields: ['app_id', 'day'] },
        { name: 'ix_dup_day', fields: ['day'] },
      ],
    },
  );
  return { JobLogDuplicate };
}
