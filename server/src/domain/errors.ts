import { ErrorCatalogue, type ErrorCode } from '@oasis/worker-client/contracts';

/**
 * The one catalogue of error codes lives with the wire contracts (`worker-client/src/contracts/
 * errors.ts`), since the SDK and the dashboard read the same codes; `docs/errors.md` lists them
 * (held equal by `test/unit/errors-doc.test.ts`). Re-exported here for the admin's layers.
 */
export { ErrorCatalogue, type CatalogueCode, type ErrorCode } from '@oasis/worker-client/contracts';

/** The error every layer throws for a known failure; the API turns it into `{statusCode, code, error, message}`. */
export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message?: string,
    readonly details?: unknown,
  ) {
    super(message ?? ErrorCatalogue[code].message);
    this.name = 'AppError';
    this.status = ErrorCatalogue[code].status;
  }
}
