import {
  DataTypes,
  Model,
  type CreationOptional,
  type InferAttributes,
  type InferCreationAttributes,
  type ModelOptions,
  type Sequelize,
} from 'sequelize';
import { attemptColumns, type AttemptColumns } from './attempt-columns.js';
import { defineAccessModels, type AccessModels } from './access-models.js';
import { defineChildGrantModel, type JobChildGrantModel } from './child-grant-models.js';
import { defineDuplicateModels, type DuplicateModels } from './duplicate-models.js';
import { defineReportModels, type ReportModels } from './report-models.js';

/** App names: lowercase, start with a letter, 2-64 chars (they end up in Redis keys). */
export const APP_NAME_PATTERN = /^[a-z][a-z0-9-]{1,63}$/;

/** Every table of the admin, parents first (the order `sql/schema.sql` creates them in). */
export const TABLE_NAMES = [
  'oasis_app',
  'oasis_job',
  'oasis_job_script',
  'oasis_job_log',
  'oasis_job_log_text',
  'oasis_user',
  'oasis_user_app',
  'oasis_user_script_app',
  'oasis_job_child_grant',
  'oasis_audit',
  'oasis_job_log_report',
  'oasis_job_log_duplicate',
] as const;

/** Row of `oasis_app`: an executor group and the hash of its worker token. */
export class AppModel extends Model<InferAttributes<AppModel>, InferCreationAttributes<AppModel>> {
  declare id: CreationOptional<number>;
  declare name: string;
  declare title: string;
  /** sha256 hex of the worker token; the token itself is never stored. */
  declare tokenHash: string;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
}

/** Row of `oasis_job`: a job definition. `schedule` is the {@link Schedule} as JSON text. */
export class JobModel extends Model<InferAttributes<JobModel>, InferCreationAttributes<JobModel>> {
  declare id: CreationOptional<number>;
  declare appId: number;
  declare name: string;
  declare handler: string;
  declare params: string;
  declare scheduleType: string;
  declare schedule: string;
  declare routing: string;
  declare timeoutMs: number;
  declare misfirePolicy: string;
  declare misfireThresholdMs: number;
  declare overlap: string;
  /** {@link RetryPolicy} as JSON text. */
  declare retry: string;
  /** Child job ids as a JSON array. */
  declare childJobIds: string;
  /** {@link ChildOptions} as JSON text. */
  declare childOptions: string;
  /** {@link AlarmSettings} as JSON text. */
  declare alarm: string;
  declare scriptLanguage: string | null;
  declare scriptSource: string | null;
  declare scriptVersion: CreationOptional<number>;
  declare enabled: boolean;
  declare paused: CreationOptional<boolean>;
  declare pauseNote: CreationOptional<string>;
  declare version: CreationOptional<number>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
  /** Loaded by `include` when asked. */
  declare app?: AppModel;
}

/** Row of `oasis_job_log`: the final record of one task attempt; its id is the task id. */
/** The attempt's columns ({@link AttemptColumns}) are declared by merging, like the class's own `declare`s. */
// Sequelize models declare their columns without initialising them (what `declare` does); the merge does the same for shared ones.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type, @typescript-eslint/no-unsafe-declaration-merging
export interface JobLogModel extends AttemptColumns {}
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class JobLogModel extends Model<InferAttributes<JobLogModel>, InferCreationAttributes<JobLogModel>> {
  declare id: string;
  declare jobId: number;
  declare appId: number;
  declare app?: AppModel;
}

/** Row of `oasis_job_log_text`: the (capped) execution log of one task. */
export class JobLogTextModel extends Model<
  InferAttributes<JobLogTextModel>,
  InferCreationAttributes<JobLogTextModel>
> {
  declare logId: string;
  declare text: string;
  declare lineCount: number;
  declare truncated: boolean;
}

/** Row of `oasis_job_script`: one saved version of a script job's code (the last 30 are kept). */
export class JobScriptModel extends Model<InferAttributes<JobScriptModel>, InferCreationAttributes<JobScriptModel>> {
  declare id: CreationOptional<number>;
  declare jobId: number;
  declare version: number;
  declare language: string;
  declare source: string;
  declare createdAt: CreationOptional<Date>;
}

/** Row of `oasis_user`: a dashboard / API user. */
export class UserModel extends Model<InferAttributes<UserModel>, InferCreationAttributes<UserModel>> {
  declare id: CreationOptional<number>;
  declare username: string;
  declare passwordHash: string;
  declare role: CreationOptional<string>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
}

/** Every model of the admin's database. */
export interface Models extends AccessModels, ReportModels, DuplicateModels {
  App: typeof AppModel;
  Job: typeof JobModel;
  JobScript: typeof JobScriptModel;
  JobChildGrant: typeof JobChildGrantModel;
  JobLog: typeof JobLogModel;
  JobLogText: typeof JobLogTextModel;
  User: typeof UserModel;
}

const { INTEGER, STRING, CHAR, TEXT, BOOLEAN, DATE } = DataTypes;

/** Millisecond timestamps kept by Sequelize (`created_at`, `updated_at`). */
const timestamps = {
  createdAt: { type: DATE(3), allowNull: false },
  updatedAt: { type: DATE(3), allowNull: false },
} as const;

/**
 * Defines the models on `sequelize` (tables, columns, indexes, the job → app foreign key).
 * `sequelize.sync()` then creates exactly what `sql/schema.sql` holds (a test keeps them equal).
 */
export function defineModels(sequelize: Sequelize): Models {
  // SQLite has one TEXT type and warns about sized ones.
  const MEDIUMTEXT = sequelize.getDialect() === 'sqlite' ? TEXT : TEXT('medium');
  // Fresh subclasses per call, so several databases can be open at once (tests, the schema dump).
  const App = class extends AppModel {};
  const Job = class extends JobModel {};
  const JobScript = class extends JobScriptModel {};
  const JobLog = class extends JobLogModel {};
  const JobLogText = class extends JobLogTextModel {};
  const User = class extends UserModel {};
  const common: ModelOptions = {
    underscored: true,
    freezeTableName: true,
    charset: 'utf8mb4',
    collate: 'utf8mb4_unicode_ci',
    engine: 'InnoDB',
  };

  App.init(
    {
      id: { type: INTEGER, primaryKey: true, autoIncrement: true },
      name: { type: STRING(64), allowNull: false, unique: 'uq_app_name', validate: { is: APP_NAME_PATTERN } },
      title: { type: STRING(128), allowNull: false, defaultValue: '' },
      tokenHash: { type: CHAR(64), allowNull: false },
      ...timestamps,
    },
    { ...common, sequelize, tableName: 'oasis_app', modelName: 'App' },
  );

  Job.init(
    {
      id: { type: INTEGER, primaryKey: true, autoIncrement: true },
      appId: { type: INTEGER, allowNull: false },
      name: { type: STRING(128), allowNull: false },
      handler: { type: STRING(200), allowNull: false },
      // MEDIUMTEXT: the default params cap (64 KiB) is one byte over what TEXT holds.
      params: { type: MEDIUMTEXT, allowNull: false },
      scheduleType: { type: STRING(16), allowNull: false },
      schedule: { type: TEXT, allowNull: false },
      routing: { type: STRING(32), allowNull: false },
      timeoutMs: { type: INTEGER, allowNull: false, defaultValue: 0 },
      misfirePolicy: { type: STRING(16), allowNull: false },
      misfireThresholdMs: { type: INTEGER, allowNull: false },
      overlap: { type: STRING(16), allowNull: false, defaultValue: 'ALLOW' },
      retry: { type: STRING(255), allowNull: false, defaultValue: '{}' },
      childJobIds: { type: STRING(1024), allowNull: false, defaultValue: '[]' },
      childOptions: { type: STRING(255), allowNull: false, defaultValue: '{}' },
      alarm: { type: TEXT, allowNull: false },
      scriptLanguage: { type: STRING(16), allowNull: true },
      scriptSource: { type: MEDIUMTEXT, allowNull: true },
      scriptVersion: { type: INTEGER, allowNull: false, defaultValue: 0 },
      enabled: { type: BOOLEAN, allowNull: false, defaultValue: false },
      paused: { type: BOOLEAN, allowNull: false, defaultValue: false },
      pauseNote: { type: STRING(255), allowNull: false, defaultValue: '' },
      version: { type: INTEGER, allowNull: false, defaultValue: 1 },
      ...timestamps,
    },
    {
      ...common,
      sequelize,
      tableName: 'oasis_job',
      modelName: 'Job',
      indexes: [
        { name: 'uq_job_app_name', unique: true, fields: ['app_id', 'name'] },
        { name: 'ix_job_app_enabled', fields: ['app_id', 'enabled'] },
      ],
    },
  );

  JobScript.init(
    {
      id: { type: INTEGER, primaryKey: true, autoIncrement: true },
      jobId: { type: INTEGER, allowNull: false },
      version: { type: INTEGER, allowNull: false },
      language: { type: STRING(16), allowNull: false },
      source: { type: MEDIUMTEXT, allowNull: false },
      createdAt: { type: DATE(3), allowNull: false },
    },
    {
      ...common,
      sequelize,
      tableName: 'oasis_job_script',
      modelName: 'JobScript',
      updatedAt: false,
      indexes: [{ name: 'uq_job_script_version', unique: true, fields: ['job_id', 'version'] }],
    },
  );

  JobLog.init(
    {
      id: { type: STRING(64), primaryKey: true },
      jobId: { type: INTEGER, allowNull: false },
      appId: { type: INTEGER, allowNull: false },
      ...attemptColumns(sequelize),
    },
    {
      ...common,
      sequelize,
      tableName: 'oasis_job_log',
      modelName: 'JobLog',
      timestamps: false,
      indexes: [
        { name: 'uq_log_fire', unique: true, fields: ['job_id', 'scheduled_at', 'shard_index', 'attempt'] },
        // The pages of the logs list (LogsRepo.list): each index ends in scheduled_at and InnoDB
        // appends the primary key, so rows come in the list's order (scheduled_at DESC, id DESC)
        // and a keyset page is one range read, no sort. An existing database gets a new index
        // at the admin's start (sync() adds the indexes a table lacks, by name).
        // Every log of an app (and the data-loss check of fire-history-repo).
        { name: 'ix_log_app_scheduled', fields: ['app_id', 'scheduled_at'] },
        // One job (uq_log_fire cannot: shard_index and attempt sit between scheduled_at and id).
        { name: 'ix_log_job_scheduled', fields: ['job_id', 'scheduled_at'] },
        // One status of an app (what a non-ADMIN's status filter always is), and one status of all.
        { name: 'ix_log_app_status_scheduled', fields: ['app_id', 'status', 'scheduled_at'] },
        { name: 'ix_log_status_scheduled', fields: ['status', 'scheduled_at'] },
        { name: 'ix_log_status_finished', fields: ['status', 'finished_at'] },
        { name: 'ix_log_finished', fields: ['finished_at'] },
        // The dashboard's default view: every log, newest first.
        { name: 'ix_log_scheduled', fields: ['scheduled_at'] },
      ],
    },
  );

  JobLogText.init(
    {
      logId: { type: STRING(64), primaryKey: true },
      text: { type: MEDIUMTEXT, allowNull: false },
      lineCount: { type: INTEGER, allowNull: false, defaultValue: 0 },
      truncated: { type: BOOLEAN, allowNull: false, defaultValue: false },
    },
    { ...common, sequelize, tableName: 'oasis_job_log_text', modelName: 'JobLogText', timestamps: false },
  );

  User.init(
    {
      id: { type: INTEGER, primaryKey: true, autoIncrement: true },
      username: { type: STRING(64), allowNull: false, unique: 'uq_user_username' },
      passwordHash: { type: STRING(100), allowNull: false },
      role: { type: STRING(16), allowNull: false, defaultValue: 'ADMIN' },
      ...timestamps,
    },
    { ...common, sequelize, tableName: 'oasis_user', modelName: 'User' },
  );

  const access = defineAccessModels(sequelize, common, { User, App });
  const JobChildGrant = defineChildGrantModel(sequelize, common, { Job, User });
  const reports = defineReportModels(sequelize, common);
  const duplicates = defineDuplicateModels(sequelize, common);

  // A job belongs to its app; an app with jobs cannot be deleted.
  Job.belongsTo(App, {
    as: 'app',
    foreignKey: { name: 'appId', field: 'app_id', allowNull: false },
    onDelete: 'RESTRICT',
    onUpdate: 'CASCADE',
  });
  // Script versions go with their job.
  JobScript.belongsTo(Job, {
    as: 'job',
    foreignKey: { name: 'jobId', field: 'job_id', allowNull: false },
    onDelete: 'CASCADE',
    onUpdate: 'CASCADE',
  });
  // Logs outlive their job (and are written even if it was deleted meanwhile): no constraint.
  JobLog.belongsTo(App, {
    as: 'app',
    foreignKey: { name: 'appId', field: 'app_id', allowNull: false },
    constraints: false,
  });

  return { App, Job, JobScript, JobChildGrant, JobLog, JobLogText, User, ...access, ...reports, ...duplicates };
}
