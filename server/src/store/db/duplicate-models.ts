import {
  DataTypes,
  Model,
  type InferAttributes,
  type InferCreationAttributes,
  type ModelOptions,
  type Sequelize,
} from 'sequelize';
import { attemptColumns, type AttemptColumns } from './attempt-columns.js';

/**
 * Row of `oasis_job_log_duplicate`: a second final record of a fire that already has one in
 * `oasis_job_log` (same job, scheduled time, shard and attempt, another task id), e.g. a fire
 * that ran twice after Redis lost data. The first record stays in `oasis_job_log`; this one is
 * kept here, whole, instead of being merged into it. Its id is its own task id, so the same
 * stream entry delivered again stays one row.
 */
/** The attempt's columns ({@link AttemptColumns}) are declared by merging, like the class's own `declare`s. */
// Sequelize models declare their columns without initialising them (what `declare` does); the merge does the same for shared ones.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type, @typescript-eslint/no-unsafe-declaration-merging
export interface JobLogDuplicateModel extends AttemptColumns {}
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class JobLogDuplicateModel extends Model<InferAttributes<JobLogDuplicateModel>, InferCreationAttributes<JobLogDuplicateModel>> {
  declare id: string;
  /** Task id of the record kept in `oasis_job_log` for the same fire ('' if it was gone already). */
  declare firstId: string;
  declare jobId: number;
  declare appId: number;
  /** `YYYY-MM-DD` (UTC) of `scheduledAt`: the daily report counts duplicates by it. */
  declare day: string;
  /** When the writer found it (epoch ms). */
  declare detectedAt: number;
}

/** The duplicate model, defined by `defineModels` next to the others. */
export interface DuplicateModels {
  JobLogDuplicate: typeof JobLogDuplicateModel;
}

const { INTEGER, BIGINT, STRING, CHAR } = DataTypes;

/** Defines `oasis_job_log_duplicate` (no foreign keys: like the logs, duplicates outlive their job). */
export function defineDuplicateModels(sequelize: Sequelize, common: ModelOptions): DuplicateModels {
  const JobLogDuplicate = class extends JobLogDuplicateModel {};
  JobLogDuplicate.init(
    {
      id: { type: STRING(64), primaryKey: true },
      firstId: { type: STRING(64), allowNull: false },
      jobId: { type: INTEGER, allowNull: false },
      appId: { type: INTEGER, allowNull: false },
      day: { type: CHAR(10), allowNull: false },
      ...attemptColumns(sequelize),
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
