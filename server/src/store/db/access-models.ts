import {
  DataTypes,
  Model,
  type CreationOptional,
  type InferAttributes,
  type InferCreationAttributes,
  type ModelOptions,
  type ModelStatic,
  type Sequelize,
} from 'sequelize';
import { belongsToCascade } from './cascade.js';

/** Row of `oasis_user_app`: one app a (non-admin) user may see. Gone with its user or app. */
export class UserAppModel extends Model<InferAttributes<UserAppModel>, InferCreationAttributes<UserAppModel>> {
  declare userId: number;
  declare appId: number;
}

/**
 * Row of `oasis_user_script_app`: one app where a (non-admin) user may write script jobs, a
 * subset of its `oasis_user_app` rows. Its own table, not a column, so an upgrade gets it from
 * `sync()` (which creates missing tables but never alters existing ones). Gone with its user or app.
 */
export class UserScriptAppModel extends Model<InferAttributes<UserScriptAppModel>, InferCreationAttributes<UserScriptAppModel>> {
  declare userId: number;
  declare appId: number;
}

/** Row of `oasis_audit`: one change someone made. `at` is epoch ms; before/after are JSON text. */
export class AuditModel extends Model<InferAttributes<AuditModel>, InferCreationAttributes<AuditModel>> {
  declare id: CreationOptional<number>;
  declare at: number;
  declare userId: number | null;
  declare username: string;
  declare action: string;
  declare targetType: string;
  declare targetId: string | null;
  declare app: string | null;
  declare beforeJson: string | null;
  declare afterJson: string | null;
  declare ip: string | null;
}

/** The user and audit models, defined by `defineModels` next to the others. */
export interface AccessModels {
  UserApp: typeof UserAppModel;
  UserScriptApp: typeof UserScriptAppModel;
  Audit: typeof AuditModel;
}

const { INTEGER, BIGINT, STRING, TEXT } = DataTypes;

/**
 * Defines `oasis_user_app` (user ↔ permitted app), `oasis_user_script_app` (user ↔ app of its
 * script grant), both with cascading deletes, and `oasis_audit`.
 * `parents` are the already defined user and app models the permissions point at.
 */
export function defineAccessModels(
  sequelize: Sequelize,
  common: ModelOptions,
  parents: { User: ModelStatic<Model>; App: ModelStatic<Model> },
): AccessModels {
  const MEDIUMTEXT = sequelize.getDialect() === 'sqlite' ? TEXT : TEXT('medium');
  const UserApp = class extends UserAppModel {};
  const UserScriptApp = class extends UserScriptAppModel {};
  const Audit = class extends AuditModel {};

  UserApp.init(
    {
      userId: { type: INTEGER, primaryKey: true, allowNull: false },
      appId: { type: INTEGER, primaryKey: true, allowNull: false },
    },
    {
      ...common,
      sequelize,
      tableName: 'oasis_user_app',
      modelName: 'UserApp',
      timestamps: false,
      indexes: [{ name: 'ix_user_app_app', fields: ['app_id'] }],
    },
  );
  UserScriptApp.init(
    {
      userId: { type: INTEGER, primaryKey: true, allowNull: false },
      appId: { type: INTEGER, primaryKey: true, allowNull: false },
    },
    {
      ...common,
      sequelize,
      tableName: 'oasis_user_script_app',
      modelName: 'UserScriptApp',
      timestamps: false,
      indexes: [{ name: 'ix_user_script_app_app', fields: ['app_id'] }],
    },
  );
  for (const link of [UserApp, UserScriptApp]) {
    belongsToCascade(link, parents.User, 'user');
    belongsToCascade(link, parents.App, 'app');
  }

  Audit.init(
    {
      id: { type: BIGINT, primaryKey: true, autoIncrement: true },
      at: { type: BIGINT, allowNull: false },
      // No constraint: the trail outlives deleted users.
      userId: { type: INTEGER, allowNull: true },
      username: { type: STRING(64), allowNull: false },
      action: { type: STRING(64), allowNull: false },
      targetType: { type: STRING(32), allowNull: false },
      targetId: { type: STRING(128), allowNull: true },
      app: { type: STRING(64), allowNull: true },
      beforeJson: { type: MEDIUMTEXT, allowNull: true },
      afterJson: { type: MEDIUMTEXT, allowNull: true },
      ip: { type: STRING(64), allowNull: true },
    },
    {
      ...common,
      sequelize,
      tableName: 'oasis_audit',
      modelName: 'Audit',
      timestamps: false,
      indexes: [
        { name: 'ix_audit_at', fields: ['at'] },
        { name: 'ix_audit_user_at', fields: ['username', 'at'] },
        { name: 'ix_audit_target_at', fields: ['target_type', 'target_id', 'at'] },
      ],
    },
  );

  return { UserApp, UserScriptApp, Audit };
}
