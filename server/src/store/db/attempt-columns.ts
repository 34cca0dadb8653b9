import { DataTypes, type Sequelize } from 'sequelize';

/** The columns of one task attempt's record, shared by `oasis_job_log` and `oasis_job_log_duplicate`. */
export interface AttemptColumns {
  handler: string;
  scheduledAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  status: string;
  triggerType: string;
  workerId: string | null;
  shardIndex: number;
  shardTotal: number;
  attempt: number;
  params: string;
  result: string | null;
  error: string | null;
}

/** Sequelize definitions of {@link AttemptColumns}, in the order both tables list them. */
export function attemptColumns(sequelize: Sequelize) {
  const { INTEGER, BIGINT, STRING, TEXT } = DataTypes;
  const MEDIUMTEXT = sequelize.getDialect() === 'sqlite' ? TEXT : TEXT('medium');
  return {
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
  } as const;
}
