import { col, fn, Op, QueryTypes, where, type Transaction } from 'sequelize';
import { AppError } from '../../domain/errors.js';
import { canonicalUsername, isUsername } from '../../domain/usernames.js';
import type { UserAppModel } from './access-models.js';
import { mapConstraintErrors } from './errors.js';
import type { Models, UserModel } from './models.js';
import { inTransaction } from './transaction.js';

/**
 * A user row as the services need it. `apps`: names of the permitted apps, sorted;
 * `scriptApps`: those of them where the user may write script jobs, sorted.
 */
export interface UserRow {
  id: number;
  username: string;
  passwordHash: string;
  role: string;
  apps: string[];
  scriptApps: string[];
  createdAt: number;
  updatedAt: number;
}

/**
 * The longest a row {@link UsersRepo.findRecent} answers is reused, even under an unchanged users
 * counter: a backstop should a bump of the counter have failed after a change was saved.
 */
export const USER_RECENT_MS = 5000;
/** Most rows {@link UsersRepo.findRecent} keeps (all are forgotten past it). */
const RECENT_MAX = 10_000;

/** A user ↔ app link table (`oasis_user_app`, `oasis_user_script_app`: the same two columns). */
type LinkModel = typeof UserAppModel;

/**
 * Reads and writes `oasis_user`, its permitted apps (`oasis_user_app`) and its script grants
 * (`oasis_user_script_app`, kept a subset of the permitted apps).
 */
export class UsersRepo {
  /** Rows {@link findRecent} read lately, by id, with the users counter they were read under and when (monotonic ms); dropped by this repo's own writes. */
  private readonly recent = new Map<number, { row: UserRow; version: string; at: number }>();
  /** Bumped by every write of this repo: a read begun before a write does not keep its row. */
  private writes = 0;

  constructor(private readonly models: Models) {}

  /**
   * {@link findById}, answered from a row this repo read under the same users counter `version`
   * (`SessionStore.usersVersion`, bumped after every change of a user on any admin) and at most
   * `maxAgeMs` ago: what every authenticated request asks, so a burst of one user's requests reads
   * its row once, and a change made on any admin is seen by the next request that reads the
   * counter after it.
   */
  async findRecent(id: number, version: string, maxAgeMs = USER_RECENT_MS): Promise<UserRow | null> {
    const now = performance.now();
    const hit = this.recent.get(id);
    if (hit && hit.version === version && now - hit.at <= maxAgeMs) return hit.row;
    const writes = this.writes;
    const row = await this.findById(id);
    if (writes !== this.writes) return row;
    if (this.recent.size >= RECENT_MAX) this.recent.clear();
    if (row) this.recent.set(id, { row, version, at: now });
    else this.recent.delete(id);
    return row;
  }

  /**
   * The user a typed name means: canonicalised ({@link canonicalUsername}) and compared with
   * the stored names in lower case, so names stored in mixed case before usernames were
   * canonical are found on SQLite (binary comparison) as on MySQL (case-insensitive collation).
   * A name that is not a valid username once canonical (accented, other scripts) is no one's:
   * it never reaches the collation that would fold `ádmin` into `admin`.
   */
  async findByUsername(typed: string): Promise<UserRow | null> {
    const name = canonicalUsername(typed);
    if (!isUsername(name)) return null;
    const row = await this.findCanonical(name);
    return row ? this.withApps(row) : null;
  }

  async findById(id: number): Promise<UserRow | null> {
    const row = await this.models.User.findByPk(id);
    return row ? this.withApps(row) : null;
  }

  /** Every user, by username. */
  async list(): Promise<UserRow[]> {
    const rows = await this.models.User.findAll({ order: [['username', 'ASC']] });
    const apps = await this.linksByUser(this.models.UserApp);
    const scriptApps = await this.linksByUser(this.models.UserScriptApp);
    return rows.map((r) => toRow(r, apps.get(r.id) ?? [], scriptApps.get(r.id) ?? []));
  }

  /**
   * Inserts a user as given (services pass canonical names; a legacy spelling is stored as is);
   * `role` defaults to ADMIN, `apps` (names) and `scriptApps` (a subset of them) to none.
   * @throws {AppError} `OASIS_ERR_CONFLICT` when the username, in any case, is taken;
   *   `OASIS_ERR_UNKNOWN_APP`; `OASIS_ERR_VALIDATION` when `scriptApps` is not within `apps`.
   */
  async create(input: { username: string; passwordHash: string; role?: string; apps?: readonly string[]; scriptApps?: readonly string[] }): Promise<UserRow> {
    const taken = `A user named "${input.username}" already exists`;
    const id = await inTransaction(this.models.User.sequelize!, async (transaction) => {
      const { apps, scriptApps, ...fields } = input;
      // The unique index alone misses `Alice` against `alice` on SQLite (binary comparison).
      if (await this.findCanonical(canonicalUsername(input.username), transaction)) throw new AppError('OASIS_ERR_CONFLICT', taken);
      const row = await mapConstraintErrors(() => this.models.User.create(fields, { transaction }), taken);
      await this.replaceLinks(this.models.UserApp, row.id, apps ?? [], transaction);
      await this.replaceScriptApps(row.id, apps ?? [], scriptApps ?? [], transaction);
      return row.id;
    });
    const user = await this.findById(id);
    if (!user) throw new Error(`user ${id} vanished right after its insert`);
    return user;
  }

  /**
   * Changes a user's role, permitted apps and/or script grants (names, each replacing the old
   * list). New `apps` without `scriptApps` keep the grants of the apps that remain.
   * @returns the saved user, or null when there is no such user.
   * @throws {AppError} `OASIS_ERR_UNKNOWN_APP`; `OASIS_ERR_VALIDATION` when `scriptApps` is not
   *   within the (new) apps.
   */
  async update(id: number, patch: { role?: string; apps?: readonly string[]; scriptApps?: readonly string[] }): Promise<UserRow | null> {
    this.forget(id);
    const found = await inTransaction(this.models.User.sequelize!, async (transaction) => {
      const row = await this.models.User.findByPk(id, { transaction });
      if (!row) return false;
      if (patch.role !== undefined) {
        row.set({ role: patch.role });
        row.changed('updatedAt', true);
        await row.save({ transaction });
      }
      if (patch.apps !== undefined) await this.replaceLinks(this.models.UserApp, id, patch.apps, transaction);
      if (patch.apps !== undefined || patch.scriptApps !== undefined) {
        const apps = patch.apps ?? (await this.linkedNames(this.models.UserApp, id, transaction));
        const kept = patch.scriptApps ?? (await this.linkedNames(this.models.UserScriptApp, id, transaction)).filter((a) => apps.includes(a));
        await this.replaceScriptApps(id, apps, kept, transaction);
      }
      return true;
    });
    this.forget(id);
    return found ? this.findById(id) : null;
  }

  /** Deletes a user (its app permissions go with it); false when there was none. */
  async delete(id: number): Promise<boolean> {
    this.forget(id);
    const deleted = await inTransaction(this.models.User.sequelize!, async (transaction) => {
      await this.models.UserScriptApp.destroy({ where: { userId: id }, transaction });
      await this.models.UserApp.destroy({ where: { userId: id }, transaction });
      return (await this.models.User.destroy({ where: { id }, transaction })) > 0;
    });
    this.forget(id);
    return deleted;
  }

  /** Drops a user's recent row, and keeps reads under way from storing theirs (called before and after each write). */
  private forget(id: number): void {
    this.writes++;
    this.recent.delete(id);
  }

  /** How many users have `role`. */
  countByRole(role: string): Promise<number> {
    return this.models.User.count({ where: { role } });
  }

  /** Replaces a user's password hash; false when there is no such user. */
  async setPasswordHash(id: number, passwordHash: string): Promise<boolean> {
    this.forget(id);
    const [count] = await this.models.User.update({ passwordHash }, { where: { id } });
    this.forget(id);
    return count > 0;
  }

  /** The row stored under a canonical name in any case; the exact spelling first if several (SQLite). */
  private async findCanonical(name: string, transaction?: Transaction): Promise<UserModel | null> {
    const rows = await this.models.User.findAll({
      where: where(fn('LOWER', col('username')), name),
      order: [['id', 'ASC']],
      ...(transaction && { transaction }),
    });
    return rows.find((r) => r.username === name) ?? rows[0] ?? null;
  }

  /** Replaces the script grants, refusing any outside `apps` (a grant only where the user may operate). */
  private async replaceScriptApps(userId: number, apps: readonly string[], scriptApps: readonly string[], transaction: Transaction): Promise<void> {
    const outside = scriptApps.filter((a) => !apps.includes(a));
    if (outside.length) {
      throw new AppError('OASIS_ERR_VALIDATION', `scriptApps: ${outside.map((m) => `"${m}"`).join(', ')} not among the user's apps`);
    }
    await this.replaceLinks(this.models.UserScriptApp, userId, scriptApps, transaction);
  }

  private async replaceLinks(link: LinkModel, userId: number, apps: readonly string[], transaction: Transaction): Promise<void> {
    const wanted = [...new Set(apps)];
    const rows = wanted.length
      ? await this.models.App.findAll({ where: { name: { [Op.in]: wanted } }, attributes: ['id', 'name'], transaction })
      : [];
    const missing = wanted.filter((n) => !rows.some((r) => r.name === n));
    if (missing.length) throw new AppError('OASIS_ERR_UNKNOWN_APP', `No app is named ${missing.map((m) => `"${m}"`).join(', ')}`);
    await link.destroy({ where: { userId }, transaction });
    if (rows.length) await link.bulkCreate(rows.map((r) => ({ userId, appId: r.id })), { transaction });
  }

  /** Names of the apps one user is linked to in `link`, sorted. */
  private async linkedNames(link: LinkModel, userId: number, transaction?: Transaction): Promise<string[]> {
    const links = await link.findAll({ where: { userId }, attributes: ['appId'], ...(transaction && { transaction }) });
    const names = await this.appNames(links.map((l) => l.appId), transaction);
    return [...names.values()].sort();
  }

  /** Every user's linked app names in `link`, sorted. */
  private async linksByUser(link: LinkModel): Promise<Map<number, string[]>> {
    const links = await link.findAll({ attributes: ['userId', 'appId'] });
    const names = await this.appNames(links.map((l) => l.appId));
    const byUser = new Map<number, string[]>();
    for (const l of links) {
      const name = names.get(l.appId);
      if (name === undefined) continue;
      const list = byUser.get(l.userId) ?? [];
      list.push(name);
      byUser.set(l.userId, list);
    }
    for (const list of byUser.values()) list.sort();
    return byUser;
  }

  /**
   * The row with its permitted apps and script grants, read in one statement (every
   * authenticated request reads its user: one round trip instead of up to four).
   */
  private async withApps(row: UserModel): Promise<UserRow> {
    const links = await this.models.User.sequelize!.query<{ k: string; name: string }>(
      "SELECT 'a' AS k, a.name AS name FROM oasis_user_app x JOIN oasis_app a ON a.id = x.app_id WHERE x.user_id = ? " +
        "UNION ALL SELECT 's' AS k, a.name AS name FROM oasis_user_script_app x JOIN oasis_app a ON a.id = x.app_id WHERE x.user_id = ?",
      { type: QueryTypes.SELECT, replacements: [row.id, row.id] },
    );
    const of = (k: string) => links.filter((l) => l.k === k).map((l) => String(l.name)).sort();
    return toRow(row, of('a'), of('s'));
  }

  private async appNames(ids: number[], transaction?: Transaction): Promise<Map<number, string>> {
    if (ids.length === 0) return new Map();
    const apps = await this.models.App.findAll({
      where: { id: { [Op.in]: [...new Set(ids)] } },
      attributes: ['id', 'name'],
      ...(transaction && { transaction }),
    });
    return new Map(apps.map((a) => [a.id, a.name]));
  }
}

function toRow(row: UserModel, apps: string[], scriptApps: string[]): UserRow {
  return {
    id: row.id,
    username: row.username,
    passwordHash: row.passwordHash,
    role: row.role,
    apps,
    scriptApps,
    createdAt: row.createdAt.getTime(),
    updatedAt: row.updatedAt.getTime(),
  };
}
