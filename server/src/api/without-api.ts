import type { Express } from 'express';
import type { Logger } from '../domain/logger.js';
import { errorBody, errorHandler, sendError } from './errors.js';

/**
 * Finishes the HTTP app of an admin without the `api` role (OASIS_ROLES): after `/healthz`, every
 * path — `/api/v1/…`, the dashboard, anything — answers 404 `OASIS_ERR_NOT_FOUND` saying that
 * this admin serves no API, so a load balancer or an operator pointed at it learns why.
 */
export function withoutApi(app: Express, roles: readonly string[], logger: Logger): Express {
  const message = `This admin serves /healthz only (OASIS_ROLES=${roles.join(',')}): the API and the dashboard are served by admins with the api role`;
  app.use((_req, res) => sendError(res, errorBody('OASIS_ERR_NOT_FOUND', message)));
  app.use(errorHandler(logger));
  return app;
}
