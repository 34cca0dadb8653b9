/**
 * The one catalogue of error codes: code → HTTP status and default message.
 * `docs/errors.md` lists the same codes (a test keeps them equal).
 */
export const ErrorCatalogue = {
  OASIS_ERR_VALIDATION: { status: 400, message: 'The request is not valid' },
  OASIS_ERR_BAD_JSON: { status: 400, message: 'The request body is not valid JSON' },
  OASIS_ERR_BAD_CRON: { status: 400, message: 'The cron expression is not valid' },
  OASIS_ERR_BAD_TIMEZONE: { status: 400, message: 'The time zone is not a valid IANA zone' },
  OASIS_ERR_UNKNOWN_APP: { status: 400, message: 'No app has that name' },
  OASIS_ERR_UNAUTHORIZED: { status: 401, message: 'Authentication is required' },
  OASIS_ERR_BAD_CREDENTIALS: { status: 401, message: 'Wrong username or password' },
  OASIS_ERR_FORBIDDEN: { status: 403, message: 'You may not do this' },
  OASIS_ERR_NOT_FOUND: { status: 404, message: 'Not found' },
  OASIS_ERR_CONFLICT: { status: 409, message: 'It already exists' },
  OASIS_ERR_PAYLOAD_TOO_LARGE: { status: 413, message: 'The request body is too large' },
  OASIS_ERR_UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'The request body is in an encoding or type the API does not take' },
  OASIS_ERR_RATE_LIMITED: { status: 429, message: 'Too many requests' },
  OASIS_ERR_INTERNAL: { status: 500, message: 'Internal error' },
  OASIS_ERR_UNAVAILABLE: { status: 503, message: 'A backing service does not answer' },
} as const;

export type ErrorCode = keyof typeof ErrorCatalogue;

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
