import {
  DataTypes,
  Model,
  type CreationOptional,
  type InferAttributes,
  type InferCreationAttributes,
  type ModelOptions,
  type Sequelize,
} from 'sequelize';

/**
 * Row of `oasis_job_log_report`: how many final records of a job with one status were scheduled
 * on a UTC day. Recounted from `oasis_job_log` (never incremented), so it survives log retention
 * and a record written twice is still counted once.
 */
export class JobLogReportModel extends Model<InferAttributes<JobLogReportModel>, InferCreationAttributes<JobLogReportModel>> {
  declare id: CreationOptional<number>;
  /** `YYYY-MM-DD` (UTC). */
  declare day: string;
  declare appId: number;
  declare jobId: number;
  declare status: string;
  declare count: number;
}

/** The report model, defined by `defineModels` next to the others. */
export interface ReportModels {
  JobLogReport: typeof JobLogReportModel;
}

const { INTEGER, CHAR, STRING } = DataTypes;

/** Defines `oasis_job_log_report` (no foreign keys: reports outlive deleted jobs and apps). */
export function defineReportModels(sequelize: Sequelize, common: ModelOptions): ReportModels {
  const JobLogReport = class extends JobLogReportModel {};
  JobLogReport.init(
    {
      id: { type: INTEGER, primaryKey: true, autoIncrement: true },
      day: { type: CHAR(10), allowNull: false },
      appId: { type: INTEGER, allowNull: false },
      jobId: { type: INTEGER, allowNull: false },
      status: { type: STRING(16), allowNull: false },
      count: { type: INTEGER, allowNull: false, defaultValue: 0 },
    },
    {
      ...common,
      sequelize,
      tableName: 'oasis_job_log_report',
      modelName: 'JobLogReport',
      timestamps: false,
      indexes: [
        // Also serves the unfiltered range read (day first).
        { name: 'uq_report_day_job_status', unique: true, fields: ['day', 'job_id', 'status'] },
        { name: 'ix_report_app_day', fields: ['app_id', 'day'] },
        { name: 'ix_report_job_day', fields: ['job_id', 'day'] },
      ],
    },
  );
  return { JobLogReport };
}
