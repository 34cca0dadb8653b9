import { BIGINT, INTEGER, Model, type InferAttributes, type InferCreationAttributes, type ModelOptions, type ModelStatic, type Sequelize } from 'sequelize';
import { belongsToCascade } from './cascade.js';

/**
 * Row of `oasis_job_child_grant`: who last set a job's child list. A child in another app than
 * its parent fires only while this user may still operate that app (checked at every child fire),
 * so the row goes with its job and with its user (no user, no authority: cross-app children stop).
 */
export class JobChildGrantModel extends Model<InferAttributes<JobChildGrantModel>, InferCreationAttributes<JobChildGrantModel>> {
  declare jobId: number;
  declare userId: number;
  /** Epoch ms. */
  declare grantedAt: number;
}

/** Defines `oasis_job_child_grant` on `sequelize`, pointing at the already defined job and user models. */
export function defineChildGrantModel(
  sequelize: Sequelize,
  common: ModelOptions,
  parents: { Job: ModelStatic<Model>; User: ModelStatic<Model> },
): typeof JobChildGrantModel {
  const JobChildGrant = class extends JobChildGrantModel {};
  JobChildGrant.init(
    {
      jobId: { type: INTEGER, primaryKey: true, allowNull: false },
      userId: { type: INTEGER, allowNull: false },
      grantedAt: { type: BIGINT, allowNull: false },
    },
    {
      ...common,
      sequelize,
      tableName: 'oasis_job_child_grant',
      modelName: 'JobChildGrant',
      timestamps: false,
      indexes: [{ name: 'ix_job_child_grant_user', fields: ['user_id'] }],
    },
  );
  belongsToCascade(JobChildGrant, parents.Job, 'job');
  belongsToCascade(JobChildGrant, parents.User, 'user');
  return JobChildGrant;
}
