import type { CreateUser, SetPassword, UpdateUser, UserJson } from '@oasis/worker-client/contracts';
import { AppError } from '../domain/errors.js';
import { AccessChangeReason, type AccessEvents } from '../domain/ports.js';
import { Role, type Principal } from '../domain/roles.js';
import type { UserRow, UsersRepo } from '../store/db/users-repo.js';
import { ADMIN_USERNAME, type AuthService } from './auth-service.js';
import type { Parsed } from './validation.js';

/** A user as the API shows it (never the password hash): the contract's `UserJson`. Times are epoch ms. */
export type UserView = UserJson;

export function userView(u: UserRow): UserView {
  // Only role names are ever written: every write takes a parsed role (or the built-in admin's).
  const role = u.role as Role;
  return { id: u.id, username: u.username, role, apps: u.apps, scriptApps: u.scriptApps, createdAt: u.createdAt, updatedAt: u.updatedAt };
}

/** Users and roles: who may sign in and what they may do. */
export class UserService {
  /** `access` is told of every change that ends a user's live connections (role, apps, deletion, password). */
  constructor(private readonly deps: { users: UsersRepo; auth: AuthService; access?: AccessEvents }) {}

  async list(): Promise<UserView[]> {
    return (await this.deps.users.list()).map(userView);
  }

  /** @throws {AppError} `OASIS_ERR_NOT_FOUND`. */
  async get(id: number): Promise<UserView> {
    return userView(await this.find(id));
  }

  /**
   * Creates a user with a bcrypt-hashed password, under the canonical spelling of its name
   * (`createUserSchema` parsed it so).
   * @throws {AppError} `OASIS_ERR_VALIDATION` (an OPERATOR's `scriptApps` not within its `apps`),
   *   `OASIS_ERR_CONFLICT` (username taken, in any spelling), `OASIS_ERR_UNKNOWN_APP`.
   */
  async create(v: Parsed<CreateUser>): Promise<UserView> {
    const passwordHash = await this.deps.auth.hashPassword(v.password);
    const apps = v.role === Role.ADMIN ? [] : (v.apps ?? []);
    const scriptApps = v.role === Role.OPERATOR ? (v.scriptApps ?? []) : [];
    return userView(await this.deps.users.create({ username: v.username, passwordHash, role: v.role, apps, scriptApps }));
  }

  /**
   * Changes a user's role, apps and/or script grants; takes effect on the user's next request.
   * Only an OPERATOR keeps script grants (a change to ADMIN or VIEWER clears them).
   * @throws {AppError} `OASIS_ERR_NOT_FOUND`, `OASIS_ERR_UNKNOWN_APP`, `OASIS_ERR_VALIDATION`
   *   (`scriptApps` not within the apps), `OASIS_ERR_CONFLICT` when it would leave no ADMIN or
   *   demote the built-in `admin`.
   */
  async update(id: number, v: Parsed<UpdateUser>): Promise<UserView> {
    const user = await this.find(id);
    if (v.role !== undefined && v.role !== Role.ADMIN && user.role === Role.ADMIN) await this.keepAnAdmin(user);
    const role = v.role ?? user.role;
    const patch: { role?: string; apps?: string[]; scriptApps?: string[] } = {};
    if (v.role !== undefined) patch.role = v.role;
    if (role === Role.ADMIN) patch.apps = [];
    else if (v.apps !== undefined) patch.apps = v.apps;
    if (role !== Role.OPERATOR) patch.scriptApps = [];
    else if (v.scriptApps !== undefined) patch.scriptApps = v.scriptApps;
    const saved = await this.deps.users.update(id, patch);
    await this.deps.auth.usersChanged();
    if (!saved) throw new AppError('OASIS_ERR_NOT_FOUND', `No user has id ${id}`);
    this.deps.access?.accessChanged({ reason: AccessChangeReason.USER_CHANGED, userId: id });
    return userView(saved);
  }

  /**
   * Deletes a user; their sessions end with them.
   * @throws {AppError} `OASIS_ERR_NOT_FOUND`, `OASIS_ERR_CONFLICT` for yourself, the built-in `admin` or the last ADMIN.
   */
  async delete(id: number, by: Principal): Promise<UserView> {
    const user = await this.find(id);
    if (user.id === by.id) throw new AppError('OASIS_ERR_CONFLICT', 'You cannot delete yourself');
    if (user.role === Role.ADMIN) await this.keepAnAdmin(user);
    const deleted = await this.deps.users.delete(id);
    await this.deps.auth.usersChanged();
    if (!deleted) throw new AppError('OASIS_ERR_NOT_FOUND', `No user has id ${id}`);
    this.deps.access?.accessChanged({ reason: AccessChangeReason.USER_DELETED, userId: id });
    return userView(user);
  }

  /**
   * Sets a user's password; every session opened with the old one ends. Changing your own
   * password needs the current one (an ADMIN setting someone else's does not).
   * @throws {AppError} `OASIS_ERR_NOT_FOUND`, `OASIS_ERR_VALIDATION` (your own, without the
   *   current one), `OASIS_ERR_BAD_CREDENTIALS` (wrong current password).
   */
  async setPassword(id: number, v: Parsed<SetPassword>, by: Principal): Promise<void> {
    const user = await this.find(id);
    if (user.id === by.id) {
      if (v.currentPassword === undefined) throw new AppError('OASIS_ERR_VALIDATION', 'currentPassword: required to change your own password');
      if (!(await this.deps.auth.checkPassword(v.currentPassword, user.passwordHash))) throw new AppError('OASIS_ERR_BAD_CREDENTIALS', 'The current password is wrong');
    }
    const hash = await this.deps.auth.hashPassword(v.password);
    const set = await this.deps.users.setPasswordHash(id, hash);
    await this.deps.auth.usersChanged();
    if (!set) throw new AppError('OASIS_ERR_NOT_FOUND', `No user has id ${id}`);
    this.deps.access?.accessChanged({ reason: AccessChangeReason.PASSWORD_CHANGED, userId: id });
  }

  private async find(id: number): Promise<UserRow> {
    const user = await this.deps.users.findById(id);
    if (!user) throw new AppError('OASIS_ERR_NOT_FOUND', `No user has id ${id}`);
    return user;
  }

  private async keepAnAdmin(user: UserRow): Promise<void> {
    if (user.username === ADMIN_USERNAME) throw new AppError('OASIS_ERR_CONFLICT', 'The built-in admin stays an ADMIN');
    if ((await this.deps.users.countByRole(Role.ADMIN)) <= 1) throw new AppError('OASIS_ERR_CONFLICT', 'At least one ADMIN must remain');
  }
}
