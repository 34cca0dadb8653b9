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

/**
 * Cuts `text` to at most `maxBytes` bytes of UTF-8 without splitting a character, so an oversized
 * value never makes a strict-mode MySQL refuse a whole batch.
 */
export function capUtf8(text: string, maxBytes: number): string {
  if (text.length * 3 <= maxBytes) return text;
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= maxBytes) return text;
  let end = maxBytes;
  while (end > 0 && ((buf[end] ?? 0) & 0xc0) === 0x80) end--;
  return buf.subarray(0, end).toString('utf8');
}
