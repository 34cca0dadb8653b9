import { Op, type Transaction } from 'sequelize';
import { AppError } from '../../domain/errors.js';
import { mapConstraintErrors } from './errors.js';
import type { Models, UserModel } from './models.js';
import { inTransaction } from './transaction.js';

/** A user row as the services need it. `apps`: names of the permitted apps, sorted. */
export interface UserRow {
  id: number;
  username: string;
  passwordHash: string;
  role: string;
  apps: string[];
  createdAt: number;
  updatedAt: number;
}

/** Reads and writes `oasis_user` and its permitted apps (`oasis_user_app`). */
export class UsersRepo {
  constructor(private readonly models: Models) {}

  async findByUsername(username: string): Promise<UserRow | null> {
    const row = await this.models.User.findOne({ where: { username } });
    return row ? this.withApps(row) : null;
  }

  async findById(id: number): Promise<UserRow | null> {
    const row = await this.models.User.findByPk(id);
    return row ? this.withApps(row) : null;
  }

  /** Every user, by username. */
  async list(): Promise<UserRow[]> {
    const rows = await this.models.User.findAll({ order: [['username', 'ASC']] });
    const links = await this.models.UserApp.findAll({ attributes: ['userId', 'appId'] });
    const names = await this.appNames(links.map((l) => l.appId));
    const byUser = new Map<number, string[]>();
    for (const l of links) {
      const name = names.get(l.appId);
      if (name === undefined) continue;
      const list = byUser.get(l.userId) ?? [];
      list.push(name);
      byUser.set(l.userId, list);
    }
    return rows.map((r) => toRow(r, (byUser.get(r.id) ?? []).sort()));
  }

  /**
   * Inserts a user; `role` defaults to ADMIN, `apps` (names) to none.
   * @throws {AppError} `OASIS_ERR_CONFLICT` when the username is taken, `OASIS_ERR_UNKNOWN_APP`.
   */
  async create(input: { username: string; passwordHash: string; role?: string; apps?: readonly string[] }): Promise<UserRow> {
    const id = await inTransaction(this.models.User.sequelize!, async (transaction) => {
      const { apps, ...fields } = input;
      const row = await mapConstraintErrors(
        () => this.models.User.create(fields, { transaction }),
        `A user named "${input.username}" already exists`,
      );
      await this.replaceApps(row.id, apps ?? [], transaction);
      return row.id;
    });
    const user = await this.findById(id);
    if (!user) throw new Error(`user ${id} vanished right after its insert`);
    return user;
  }

  /**
   * Changes a user's role and/or permitted apps (names, replacing the old list).
   * @returns the saved user, or null when there is no such user.
   * @throws {AppError} `OASIS_ERR_UNKNOWN_APP`.
   */
  async update(id: number, patch: { role?: string; apps?: readonly string[] }): Promise<UserRow | null> {
    const found = await inTransaction(this.models.User.sequelize!, async (transaction) => {
      const row = await this.models.User.findByPk(id, { transaction });
      if (!row) return false;
      if (patch.role !== undefined) {
        row.set({ role: patch.role });
        row.changed('updatedAt', true);
        await row.save({ transaction });
      }
      if (patch.apps !== undefined) await this.replaceApps(id, patch.apps, transaction);
      return true;
    });
    return found ? this.findById(id) : null;
  }

  /** Deletes a user (its app permissions go with it); false when there was none. */
  async delete(id: number): Promise<boolean> {
    return inTransaction(this.models.User.sequelize!, async (transaction) => {
      await this.models.UserApp.destroy({ where: { userId: id }, transaction });
      return (await this.models.User.destroy({ where: { id }, transaction })) > 0;
    });
  }

  /** How many users have `role`. */
  countByRole(role: string): Promise<number> {
    return this.models.User.count({ where: { role } });
  }

  /** Replaces a user's password hash; false when there is no such user. */
  async setPasswordHash(id: number, passwordHash: string): Promise<boolean> {
    const [count] = await this.models.User.update({ passwordHash }, { where: { id } });
    return count > 0;
  }

  private async replaceApps(userId: number, apps: readonly string[], transaction: Transaction): Promise<void> {
    const wanted = [...new Set(apps)];
    const rows = wanted.length
      ? await this.models.App.findAll({ where: { name: { [Op.in]: wanted } }, attributes: ['id', 'name'], transaction })
      : [];
    const missing = wanted.filter((n) => !rows.some((r) => r.name === n));
    if (missing.length) throw new AppError('OASIS_ERR_UNKNOWN_APP', `No app is named ${missing.map((m) => `"${m}"`).join(', ')}`);
    await this.models.UserApp.destroy({ where: { userId }, transaction });
    if (rows.length) await this.models.UserApp.bulkCreate(rows.map((r) => ({ userId, appId: r.id })), { transaction });
  }

  private async withApps(row: UserModel): Promise<UserRow> {
    const links = await this.models.UserApp.findAll({ where: { userId: row.id }, attributes: ['appId'] });
    const names = await this.appNames(links.map((l) => l.appId));
    return toRow(row, [...names.values()].sort());
  }

  private async appNames(ids: number[]): Promise<Map<number, string>> {
    if (ids.length === 0) return new Map();
    const apps = await this.models.App.findAll({ where: { id: { [Op.in]: [...new Set(ids)] } }, attributes: ['id', 'name'] });
    return new Map(apps.map((a) => [a.id, a.name]));
  }
}

function toRow(row: UserModel, apps: string[]): UserRow {
  return {
    id: row.id,
    username: row.username,
    passwordHash: row.passwordHash,
    role: row.role,
    apps,
    createdAt: row.createdAt.getTime(),
    updatedAt: row.updatedAt.getTime(),
  };
}
