/** The REST API (`/api/v1`) and `/healthz`: Express lives here and nowhere else. */
import express, { type Express } from 'express';
import { mountDashboard } from './dashboard.js';
import { securityHeaders } from './security-headers.js';
import type { ClockReading } from '../domain/clock.js';
import type { OasisConfig } from '../config/schema.js';
import type { Logger } from '../domain/logger.js';
import type { HotPort } from '../domain/ports.js';
import type { AttemptLimiters, Services } from '../services/index.js';
import { requireAuth } from './auth.js';
import { auditTrail } from './audit-trail.js';
import { createGuard } from './authorize.js';
import { heavyReadSlots, heavyReads } from './heavy-reads.js';
import { errorHandler, notFoundHandler } from './errors.js';
import { appRoutes } from './routes/apps.js';
import { auditRoutes } from './routes/audit.js';
import { authRoutes } from './routes/auth.js';
import { healthRoutes } from './routes/health.js';
import { jobRoutes } from './routes/jobs.js';
import { logRoutes } from './routes/logs.js';
import { reportRoutes } from './routes/reports.js';
import { scheduleRoutes } from './routes/schedule.js';
import { userRoutes } from './routes/users.js';
import { workerRoutes } from './routes/workers.js';
import { withoutApi } from './without-api.js';

export { errorHandler, notFoundHandler, errorBody, type ErrorBody } from './errors.js';
export { createGuard, type Guard } from './authorize.js';
export { SESSION_COOKIE, CSRF_HEADER } from './auth.js';
export { jobJson } from './routes/jobs.js';
export { logJson } from './routes/logs.js';

/** What the API needs. */
export interface ApiDeps {
  config: OasisConfig;
  services: Services;
  hot: HotPort;
  /** True when the database answers (for `/healthz`). */
  dbPing: () => Promise<boolean>;
  /** The admin's clock (the cluster's, measured against Redis), shown by `/healthz`; omitted: not shown. */
  clock?: () => ClockReading;
  logger: Logger;
  /** The built dashboard to serve at `/` (see `mountDashboard`); omitted: no dashboard. */
  dashboardDir?: string;
  /** The admin's roles (OASIS_ROLES), listed by `/healthz`; without `api` only `/healthz` is served (`without-api.ts`). Omitted: all served, none listed. */
  roles?: readonly string[];
  /** Makes the per-user budget of the heavy reads (`heavy-reads.ts`, OASIS_API_HEAVY_LIMIT); omitted: no limit. */
  limiters?: AttemptLimiters;
}

/** Largest JSON body: room for the largest params even fully escaped, and never under 1 MiB. */
export function bodyLimit(config: Pick<OasisConfig, 'maxParamsBytes'>): number {
  return Math.max(1024 * 1024, config.maxParamsBytes * 6 + 64 * 1024);
}

/**
 * Builds the admin's HTTP app: `/healthz`, `/api/v1/…` and, when given, the dashboard at `/`.
 * Every `/api/v1` route but `POST /api/v1/auth/login` needs a session: `Authorization: Bearer <token>`
 * or the dashboard's cookie (changes then need the `X-Oasis-CSRF` header). Each route checks the
 * user's role and apps with one guard from `authorize.ts`; every successful change is audited.
 * Given `limiters`, the heavy reads are rate-limited per user (`heavy-reads.ts`).
 * Every answer carries the security headers (`security-headers.ts`); API answers are never cached.
 * `trust proxy` follows `OASIS_TRUST_PROXY`. Any other path answers a JSON 404 and every error
 * goes through one middleware.
 */
export function createApi(deps: ApiDeps): Express {
  const { services, logger } = deps;
  const app = express();
  app.disable('x-powered-by');
  // API answers are never cached (no-store): hashing every body for an ETag is work for nothing.
  app.set('etag', false);
  app.set('trust proxy', trustProxy(deps.config.trustProxy));
  app.use(securityHeaders());
  app.use(['/api', '/healthz'], (_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });
  app.use(healthRoutes(deps.hot, deps.dbPing, deps.clock, deps.roles));
  if (deps.roles && !deps.roles.includes('api')) return withoutApi(app, deps.roles, logger);

  const v1 = express.Router();
  v1.use(express.json({ limit: bodyLimit(deps.config), strict: true }));
  v1.use(authRoutes(services.auth, deps.config));
  v1.use(requireAuth(services.auth));
  v1.use(auditTrail(services.audit, logger));
  if (deps.config.apiHeavyConcurrency > 0) v1.use(heavyReadSlots(deps.config.apiHeavyConcurrency));
  if (deps.limiters) v1.use(heavyReads({ limiters: deps.limiters, points: deps.config.apiHeavyLimit, windowMs: deps.config.apiHeavyWindowMs, logger }));
  const guard = createGuard(services);
  v1.use(appRoutes(services.apps, guard));
  v1.use(jobRoutes(services.jobs, guard));
  v1.use(scheduleRoutes(services.jobs, guard));
  v1.use(logRoutes(services.logs, guard));
  v1.use(reportRoutes(services.reports, services.jobs, guard));
  v1.use(workerRoutes(services.workers, guard));
  v1.use(userRoutes(services.users, guard));
  v1.use(auditRoutes(services.audit, guard));

  app.use('/api/v1', v1);
  app.use('/api', notFoundHandler);
  if (deps.dashboardDir !== undefined) mountDashboard(app, deps.dashboardDir);
  app.use(notFoundHandler);
  app.use(errorHandler(logger));
  return app;
}

/** `OASIS_TRUST_PROXY` as Express's `trust proxy` takes it. */
function trustProxy(value: OasisConfig['trustProxy']): boolean | number | string[] {
  return typeof value === 'boolean' || typeof value === 'number' ? value : [...value];
}
