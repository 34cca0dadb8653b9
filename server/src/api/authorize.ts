/**
 * Who may do what, for every route: one guard per route, declared next to it.
 *
 * ```ts
 * r.get('/jobs/:id', guard.job('read'), handler);        // the job's app must be readable
 * r.post('/jobs/:id/kill', guard.job('operate'), h);    // OPERATOR of the job's app, or ADMIN
 * r.post('/logs/:id/kill', guard.log('operate'), h);    // a task id: its app is looked up
 * r.post('/jobs', guard.app('operate', 'body'), h);     // `app` of the JSON body
 * r.get('/reports/daily', guard.app('read', 'query'), h); // `?app=` when given (lists: see visible())
 * r.get('/users', guard.admin, h);                       // ADMIN only
 * r.post('/schedule/preview', guard.any, h);             // any signed-in user
 * ```
 * The rules themselves live in `domain/roles.ts`. A refusal is 403 `OASIS_ERR_FORBIDDEN`, but a job
 * or task of an app the user may not even read answers 404 like one that does not exist. Guards
 * that load the target (job, task, app) keep it as the audit trail's "before" of a change.
 */
import type { RequestHandler, Response } from 'express';
import { AppError } from '../domain/errors.js';
import { jobIdOfTask } from '../domain/ids.js';
import { Access, canAccessApp, isAdmin, readableApps, type Principal } from '../domain/roles.js';
import type { Services } from '../services/index.js';
import { authOf } from './auth.js';
import { markDenied, setAuditTarget } from './audit-trail.js';

export { Access };
type AccessName = Access | 'read' | 'operate';

/** The signed-in user of a request (after `requireAuth`). */
export function principal(res: Response): Principal {
  return authOf(res).user;
}

/**
 * Throws unless the user may `access` the thing `what` of `app`: 404 with `notFound` when the user
 * may not even read the app (its things do not exist for them: no probing of ids), else 403.
 */
function assertThing(res: Response, app: string, access: AccessName, notFound: string): void {
  if (!canAccessApp(principal(res), app, Access.READ)) {
    markDenied(res);
    setAuditTarget(res, { app });
    throw new AppError('OASIS_ERR_NOT_FOUND', notFound);
  }
  assertApp(res, app, access);
}

/** Throws 403 unless the user may `access` `app`. */
export function assertApp(res: Response, app: string, access: AccessName): void {
  if (!canAccessApp(principal(res), app, access)) {
    setAuditTarget(res, { app });
    throw new AppError('OASIS_ERR_FORBIDDEN', `You may not ${access === 'read' ? 'see' : 'change'} the app "${app}"`);
  }
}

/** Only the items of apps the user may read (lists without an `app` filter). */
export function visible<T extends { app: string }>(res: Response, items: readonly T[]): T[] {
  const apps = readableApps(principal(res));
  return apps === null ? [...items] : items.filter((i) => apps.has(i.app));
}

/**
 * The app filter a list should use: the asked one (checked), else for a non-admin with exactly one
 * app that app. Null: no filter (ADMIN, or filter the results with {@link visible}).
 */
export function appFilter(res: Response, asked: string | undefined): string | null {
  if (asked !== undefined) {
    assertApp(res, asked, 'read');
    return asked;
  }
  const p = principal(res);
  if (isAdmin(p)) return null;
  if (p.apps.length === 1) return p.apps[0] ?? null;
  return null;
}

/** Guards, built once over the services. */
export interface Guard {
  /** Any signed-in user (states that a route is open to every role on purpose). */
  any: RequestHandler;
  /** ADMIN only. */
  admin: RequestHandler;
  /**
   * The app named in the request: `where` is `params` (`:name`, else `:app`), `body` or `query`
   * (`app`). A missing app in the query passes (lists filter with {@link visible}); a missing
   * one in params or body passes to the route's own validation.
   */
  app(access: AccessName, where?: 'params' | 'body' | 'query'): RequestHandler;
  /** The job of path parameter `:id`. */
  job(access: AccessName): RequestHandler;
  /** The task (log) of path parameter `:id`. */
  log(access: AccessName): RequestHandler;
}

const CHANGES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Builds the {@link Guard} of the API. */
export function createGuard(services: Pick<Services, 'jobs' | 'logs' | 'apps'>): Guard {
  const appOfTask = async (id: string): Promise<{ app: string; item: unknown } | null> => {
    const item = await services.logs.get(id).catch(() => null);
    if (item) return { app: item.app, item };
    const jobId = jobIdOfTask(id);
    if (jobId === null) return null;
    const job = await services.jobs.get(jobId).catch(() => null);
    return job ? { app: job.app, item: null } : null;
  };

  return {
    any: (_req, _res, next) => next(),
    admin: (_req, res, next) => {
      if (!isAdmin(principal(res))) throw new AppError('OASIS_ERR_FORBIDDEN', 'Only an ADMIN may do this');
      next();
    },
    app(access, where = 'params') {
      return async (req, res, next) => {
        const source = where === 'params' ? req.params : where === 'body' ? req.body : req.query;
        const rec = (typeof source === 'object' && source !== null ? source : {}) as Record<string, unknown>;
        const app = where === 'params' ? (str(rec['name']) ?? str(rec['app'])) : str(rec['app']);
        if (app !== undefined) {
          assertApp(res, app, access);
          if (where === 'params' && CHANGES.has(req.method)) {
            const before = await services.apps.get(app).catch(() => null);
            setAuditTarget(res, { app, before });
          } else if (where === 'body') setAuditTarget(res, { app });
        }
        next();
      };
    },
    job(access) {
      return async (req, res, next) => {
        const raw = str(req.params['id']);
        const id = raw !== undefined && /^[1-9][0-9]{0,9}$/.test(raw) ? Number(raw) : null;
        const admin = isAdmin(principal(res));
        if (id !== null) setAuditTarget(res, { id });
        // ADMINs read without a lookup; a change loads the job anyway for the audit trail.
        if (id !== null && (!admin || CHANGES.has(req.method))) {
          const job = await services.jobs.get(id).catch(() => null);
          if (job) {
            assertThing(res, job.app, access, `No job has id ${id}`);
            setAuditTarget(res, { app: job.app, before: job });
          } else if (!admin) {
            throw new AppError('OASIS_ERR_NOT_FOUND', `No job has id ${id}`);
          }
        }
        next();
      };
    },
    log(access) {
      return async (req, res, next) => {
        const id = str(req.params['id']);
        const admin = isAdmin(principal(res));
        if (id !== undefined) setAuditTarget(res, { id });
        if (id !== undefined && /^[A-Za-z0-9_.:-]{1,64}$/.test(id) && (!admin || CHANGES.has(req.method))) {
          const found = await appOfTask(id);
          if (found) {
            assertThing(res, found.app, access, `No task has id "${id}"`);
            setAuditTarget(res, { app: found.app, before: found.item });
          } else if (!admin) {
            throw new AppError('OASIS_ERR_NOT_FOUND', `No task has id "${id}"`);
          }
        }
        next();
      };
    },
  };
}
