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

/** Shape of the errors body-parser raises (`type` says which). */
interface BodyParserError {
  type: string;
  status?: number;
}

function isBodyParserError(err: unknown): err is BodyParserError {
  return typeof err === 'object' && err !== null && typeof (err as { type?: unknown }).type === 'string';
}

/** Answers 404 `OASIS_ERR_NOT_FOUND` for any request no route took. */
export const notFoundHandler: RequestHandler = (req, res) => {
  sendError(res, errorBody('OASIS_ERR_NOT_FOUND', `No route for ${req.method} ${req.path}`));
};

/**
 * The one error middleware: an {@link AppError} answers with its own status and code, malformed
 * JSON with 400 `OASIS_ERR_BAD_JSON`, an oversized body with 413, any other client-side body
 * problem with 400; everything else is logged and answers 500 `OASIS_ERR_INTERNAL`.
 */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    if (err instanceof AppError) {
      sendError(res, errorBody(err.code, err.message));
      return;
    }
    if (isBodyParserError(err)) {
      if (err.type === 'entity.parse.failed') {
        sendError(res, errorBody('OASIS_ERR_BAD_JSON'));
        return;
      }
      if (err.type === 'entity.too.large') {
        sendError(res, errorBody('OASIS_ERR_PAYLOAD_TOO_LARGE'));
        return;
      }
      if (err.status !== undefined && err.status >= 400 && err.status < 500) {
        const message = err instanceof Error ? err.message : 'The request body cannot be read';
        sendError(res, errorBody('OASIS_ERR_VALIDATION', message));
        return;
      }
    }
    logger.error({ err, method: req.method, path: req.path }, 'request failed');
    sendError(res, errorBody('OASIS_ERR_INTERNAL'));
  };
}
