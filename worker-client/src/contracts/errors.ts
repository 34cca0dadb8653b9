/**
 * The one catalogue of error codes, for every wire: code → HTTP status and default message.
 * REST answers carry them in their error body, Socket.IO acks and handshake refusals (`/worker`
 * and `/ui`) in `{ok:false, code, message}`. A code with `status: null` is only ever sent over a
 * socket. `docs/errors.md` lists the same codes and statuses (`test/unit/errors-doc.test.ts`
 * fails when the two differ). The admin's `AppError` (`server/src/domain/errors.ts`) takes these
 * codes; the SDK's own local codes (`WorkerClientErrorCode`) never cross a wire and are not here.
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
  OASIS_ERR_BAD_MESSAGE: { status: null, message: 'The socket message is not valid' },
  OASIS_ERR_PROTOCOL_VERSION: { status: null, message: 'The admin does not speak the protocol version of the worker' },
} as const;

/** Every code of the {@link ErrorCatalogue}. */
export type CatalogueCode = keyof typeof ErrorCatalogue;

/** The codes an HTTP answer may carry: those with a status. */
export type ErrorCode = {
  [C in CatalogueCode]: (typeof ErrorCatalogue)[C]['status'] extends number ? C : never;
}[CatalogueCode];

/** The one error body of the REST API. */
export interface RestErrorBody {
  statusCode: number;
  code: ErrorCode;
  /** HTTP reason phrase of `statusCode`. */
  error: string;
  /** For people; may change. `code` is for programs. */
  message: string;
}

/** A refused socket request, in the same shape on `/worker` and `/ui`. */
export interface AckError {
  ok: false;
  code: CatalogueCode;
  message: string;
}

/** The answer to an acked socket request: `{ok:true, …T}` or an {@link AckError}. */
export type Ack<T extends object = object> = ({ ok: true } & T) | AckError;
