import { mapConstraintErrors } from './errors.js';
import type { Models, UserModel } from './models.js';

/** A user row as the auth service needs it. */
export interface UserRow {
  id: number;
  username: string;
  passwordHash: string;
  role: string;
  createdAt: number;
}

function toRow(row: UserModel): UserRow {
  return {
    id: row.id,
    username: row.username,
    passwordHash: row.passwordHash,
    role: row.role,
    createdAt: row.createdAt.getTime(),
  };
}

/** Reads and writes `oasis_user`. */
export class UsersRepo {
  constructor(private readonly models: Models) {}

  async findByUsername(username: string): Promise<UserRow | null> {
    const row = await this.models.User.findOne({ where: { username } });
    return row ? toRow(row) : null;
  }

  async findById(id: number): Promise<UserRow | null> {
    const row = await this.models.User.findByPk(id);
    return row ? toRow(row) : null;
  }

  /**
   * Inserts a user; `role` defaults to ADMIN.
   * @throws {AppError} `OASIS_ERR_CONFLICT` when the username is taken.
   */
  async create(input: { username: string; passwordHash: string; role?: string }): Promise<UserRow> {
    const row = await mapConstraintErrors(
      () => this.models.User.create(input),
      `A user named "${input.username}" already exists`,
    );
    return toRow(row);
  }

  /** Replaces a user's password hash; false when there is no such user. */
  async setPasswordHash(id: number, passwordHash: string): Promise<boolean> {
    const [count] = await this.models.User.update({ passwordHash }, { where: { id } });
    return count > 0;
  }
}
