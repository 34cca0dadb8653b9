import { z } from 'zod';
import { AppError } from '../domain/errors.js';
import { AccessChangeReason, type AccessEvents } from '../domain/ports.js';
import { ROLES, Role, type Principal } from '../domain/roles.js';
import { canonicalUsername, USERNAME_PATTERN } from '../domain/usernames.js';
import type { UserRow, UsersRepo } from '../store/db/users-repo.js';
import { appNameSchema } from './app-service.js';
import { ADMIN_USERNAME, type AuthService } from './auth-service.js';
import { parseOrThrow } from './validation.js';

/** Usernames: 2-64 letters, digits and `_ . @ -`, stored canonical (trimmed, NFKC, lower case: `Bob` is `bob`). */
export const usernameSchema = z
  .string()
  .max(256)
  .transform(canonicalUsername)
  .pipe(z.string().regex(USERNAME_PATTERN, 'must be 2-64 letters, digits or _ . @ -'));
/** Passwords: 8-256 characters. */
export const passwordSchema = z.string().min(8, 'must be at least 8 characters').max(256);
const roleSchema = z.enum(ROLES);
const appsSchema = z.array(appNameSchema).max(1000);

/**
 * Body of a user creation; `apps` are the permitted apps (ignored for ADMIN, who sees all);
 * `scriptApps` those of them where an OPERATOR may write script jobs (ignored for ADMIN, who may
 * everywhere, and VIEWER, who may nowhere).
 */
export const createUserSchema = z.strictObject({
  username: usernameSchema,
  password: passwordSchema,
  role: roleSchema,
  apps: appsSchema.optional(),
  scriptApps: appsSchema.optional(),
});
export type CreateUserInput = z.input<typeof createUserSchema>;

/**
 * Body of a user change: role, permitted apps and/or script grants (a list replaces the old one;
 * new apps without scriptApps keep the grants of the apps that remain).
 */
export const updateUserSchema = z
  .strictObject({ role: roleSchema.optional(), apps: appsSchema.optional(), scriptApps: appsSchema.optional() })
  .refine((v) => v.role !== undefined || v.apps !== undefined || v.scriptApps !== undefined, 'give role, apps or scriptApps');
export type UpdateUserInput = z.input<typeof updateUserSchema>;

/** Body of a password change: users changing their own password give the current one too. */
export const setPasswordSchema = z.strictObject({
  password: passwordSchema,
  currentPassword: z.string().min(1).max(256).optional(),
});
export type SetPasswordInput = z.input<typeof setPasswordSchema>;

/** A user as the API shows it (never the password hash). Times are epoch ms. */
export interface UserView {
  id: number;
  username: string;
  role: string;
  apps: string[];
  /** Apps where the user (an OPERATOR) may write script jobs. */
  scriptApps: string[];
  createdAt: number;
  updatedAt: number;
}

export function userView(u: UserRow): UserView {
  return { id: u.id, username: u.username, role: u.role, apps: u.apps, scriptApps: u.scriptApps, createdAt: u.createdAt, updatedAt: u.updatedAt };
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
   * Creates a user with a bcrypt-hashed password, under the canonical spelling of its name.
   * @throws {AppError} `OASIS_ERR_VALIDATION` (also: an OPERATOR's `scriptApps` not within its
   *   `apps`), `OASIS_ERR_CONFLICT` (username taken, in any spelling), `OASIS_ERR_UNKNOWN_APP`.
   */
  async create(input: CreateUserInput): Promise<UserView> {
    const v = parseOrThrow(createUserSchema, input);
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
  async update(id: number, input: UpdateUserInput): Promise<UserView> {
    const v = parseOrThrow(updateUserSchema, input);
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
    if (!(await this.deps.users.delete(id))) throw new AppError('OASIS_ERR_NOT_FOUND', `No user has id ${id}`);
    this.deps.access?.accessChanged({ reason: AccessChangeReason.USER_DELETED, userId: id });
    return userView(user);
  }

  /**
   * Sets a user's password; every session opened with the old one ends. Changing your own
   * password needs the current one (an ADMIN setting someone else's does not).
   * @throws {AppError} `OASIS_ERR_NOT_FOUND`, `OASIS_ERR_VALIDATION`, `OASIS_ERR_BAD_CREDENTIALS` (wrong current password).
   */
  async setPassword(id: number, input: SetPasswordInput, by: Principal): Promise<void> {
    const v = parseOrThrow(setPasswordSchema, input);
    const user = await this.find(id);
    if (user.id === by.id) {
      if (v.currentPassword === undefined) throw new AppError('OASIS_ERR_VALIDATION', 'currentPassword: required to change your own password');
      if (!(await this.deps.auth.checkPassword(v.currentPassword, user.passwordHash))) throw new AppError('OASIS_ERR_BAD_CREDENTIALS', 'The current password is wrong');
    }
    const hash = await this.deps.auth.hashPassword(v.password);
    if (!(await this.deps.users.setPasswordHash(id, hash))) throw new AppError('OASIS_ERR_NOT_FOUND', `No user has id ${id}`);
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
