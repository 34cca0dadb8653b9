import { ForeignKeyConstraintError, UniqueConstraintError } from 'sequelize';
import { AppError } from '../../domain/errors.js';

/**
 * Runs `op`, turning constraint violations into {@link AppError}s the API can answer with:
 * a duplicate key → `OASIS_ERR_CONFLICT` (with `conflict` as message), a missing parent → `onMissingParent`.
 */
export async function mapConstraintErrors<T>(
  op: () => Promise<T>,
  conflict: string,
  onMissingParent: AppError = new AppError('OASIS_ERR_NOT_FOUND'),
): Promise<T> {
  try {
    return await op();
  } catch (err) {
    if (err instanceof UniqueConstraintError) throw new AppError('OASIS_ERR_CONFLICT', conflict);
    if (err instanceof ForeignKeyConstraintError) throw onMissingParent;
    throw err;
  }
}

