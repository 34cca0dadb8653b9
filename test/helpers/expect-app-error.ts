import { expect } from 'chai';
import { AppError } from '../../server/src/domain/errors.js';

/** Asserts that `p` rejects with an {@link AppError} of `code`; resolves with that error. */
export async function expectAppError(p: Promise<unknown>, code: string): Promise<AppError> {
  try {
    await p;
  } catch (err) {
    expect(err).to.be.instanceOf(AppError);
    expect((err as AppError).code).to.equal(code);
    return err as AppError;
  }
  expect.fail(`expected ${code}`);
}
