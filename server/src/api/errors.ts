import { STATUS_CODES } from 'node:http';
import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import { AppError, ErrorCatalogue, type ErrorCode } from '../domain/errors.js';
import type { Logger } from '../domain/logger.js';

/** The one error body of the REST API. */
export interface ErrorBody {
  statusCode: number;
  code: string;
  /** HTTP reason phrase of `statusCode`. */
  error: string;
  message: string;
}

/** Builds the error body for `code` (status from the catalogue unless `status` is given). */
export function errorBody(code: ErrorCode, message?: string, status?: number): ErrorBody {
  const statusCode = status ?? ErrorCatalogue[code].status;
  return {
    statusCode,
    code,
    error: STATUS_CODES[statusCode] ?? 'Error',
    message: message ?? ErrorCatalogue[code].message,
  };
}

/** Sends an error body with its status. */
export function sendError(res: Response, body: ErrorBody): void {
  if (body.statusCode === 401) res.set('WWW-Authenticate', 'Bearer');
  res.status(body.statusCode).json(body);
}

/**
 * What Express, its router and body-parser raise for a client's mistake: an `http-errors`-style
 * error with a 4xx `status` (a malformed percent-encoding in the path, a body that does not
 * decode, an unknown content encoding, …); `type` tells body-parser's apart.
 */
interface ClientHttpError {
  status: number;
  type?: string;
}

function clientHttpError(err: unknown): ClientHttpError | null {
  if (typeof err !== 'object' || err === null) return null;
  const e = err as { status?: unknown; statusCode?: unknown; type?: unknown };
  const status = typeof e.status === 'number' ? e.status : typeof e.statusCode === 'number' ? e.statusCode : NaN;
  if (!(status >= 400 && status < 500)) return null;
  return { status, ...(typeof e.type === 'string' && { type: e.type }) };
}

/** The error body of a client's HTTP-level mistake (messages are ours: the library's may carry internals). */
function clientErrorBody(err: ClientHttpError, raw: unknown): ErrorBody {
  if (err.type === 'entity.parse.failed') return errorBody('OASIS_ERR_BAD_JSON');
  if (err.status === 413) return errorBody('OASIS_ERR_PAYLOAD_TOO_LARGE');
  if (err.status === 415) return errorBody('OASIS_ERR_UNSUPPORTED_MEDIA_TYPE');
  if (raw instanceof URIError) return errorBody('OASIS_ERR_VALIDATION', 'The path holds a malformed percent-encoding');
  if (err.type === undefined && err.status === 400) {
    return errorBody('OASIS_ERR_VALIDATION', 'The request body cannot be decoded from its Content-Encoding');
  }
  return errorBody('OASIS_ERR_VALIDATION', 'The request cannot be read', err.status === 400 ? undefined : err.status);
}

/** Answers 404 `OASIS_ERR_NOT_FOUND` for any request no route took. */
export const notFoundHandler: RequestHandler = (req, res) => {
  sendError(res, errorBody('OASIS_ERR_NOT_FOUND', `No route for ${req.method} ${req.path}`));
};

/**
 * The one error middleware: an {@link AppError} answers with its own status and code (and a
 * `Retry-After` when its details carry `retryAfterMs`, as rate limits do); a client's
 * HTTP-level mistake (malformed JSON → 400 `OASIS_ERR_BAD_JSON`, an oversized body → 413, an
 * unknown content encoding → 415, a malformed path or an undecodable body → 400) with its 4xx,
 * logged at debug level only; everything else is logged and answers 500 `OASIS_ERR_INTERNAL`.
 */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    if (err instanceof AppError) {
      const retryAfterMs = (err.details as { retryAfterMs?: unknown } | undefined)?.retryAfterMs;
      if (typeof retryAfterMs === 'number' && retryAfterMs > 0) res.set('Retry-After', String(Math.ceil(retryAfterMs / 1000)));
      sendError(res, errorBody(err.code, err.message));
      return;
    }
    const client = clientHttpError(err);
    if (client) {
      logger.debug({ status: client.status, type: client.type, method: req.method }, 'client error');
      sendError(res, clientErrorBody(client, err));
      return;
    }
    logger.error({ err, method: req.method, path: req.path }, 'request failed');
    sendError(res, errorBody('OASIS_ERR_INTERNAL'));
  };
}
