/**
 * The audit trail of the REST API: every successful change (POST/PUT/PATCH/DELETE answering
 * 2xx) by a signed-in user is recorded once, with no code in the routes. What is recorded:
 * - `action` `<type>.<verb>` from the route: `POST /jobs` → `job.create`, `PUT /jobs/:id` →
 *   `job.update`, `DELETE …` → `….delete`, `POST /jobs/:id/start` → `job.start`,
 *   `POST /logs/:id/kill` → `log.kill`, `POST /apps/:name/token` → `app.token`;
 * - target id from `:id` / `:name`, else the answer's `id`; the app from the guard or the body;
 * - `before`: what the route's guard loaded (job, task, app) or {@link setAuditTarget};
 *   `after`: the JSON answer. Secrets (`token`, `password`, …) are redacted by the service.
 * Routes that change nothing although they are POST (a preview) use {@link skipAudit}.
 *
 * Refusals are recorded too, whatever the method: a 403 answer, and a refusal a guard answered as
 * 404 so the user cannot tell it from a missing thing ({@link markDenied}). Their action is the
 * route's with `.denied` (`job.trigger.denied`, `job.get.denied`), `after` the error answered.
 */
import type { Request, RequestHandler, Response } from 'express';
import type { Logger } from '../domain/logger.js';
import type { AuditService } from '../services/audit-service.js';
import type { AuthLocals } from './auth.js';

interface AuditLocals {
  auditSkip?: boolean;
  auditDenied?: boolean;
  /** Target id a guard saw (path parameters are gone once the route is left by an error). */
  auditTargetId?: string;
  auditApp?: string;
  auditBefore?: unknown;
  auditAction?: string;
  auditBody?: unknown;
}

const CHANGES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const DEFAULT_VERB: Record<string, string> = { POST: 'create', PUT: 'update', PATCH: 'update', DELETE: 'delete' };

/** Tells the trail the app, the target id and the state before the change (guards call it). */
export function setAuditTarget(res: Response, t: { app?: string; id?: string | number; before?: unknown }): void {
  const l = res.locals as AuditLocals;
  if (t.app !== undefined) l.auditApp = t.app;
  if (t.id !== undefined) l.auditTargetId = String(t.id);
  if (t.before !== undefined && t.before !== null) l.auditBefore = t.before;
}

/** Tells the trail this request was refused, although it answers 404 (guards hide other apps' things). */
export function markDenied(res: Response): void {
  (res.locals as AuditLocals).auditDenied = true;
}

/** Overrides the derived action name (`<type>.<verb>`). */
export function setAuditAction(res: Response, action: string): void {
  (res.locals as AuditLocals).auditAction = action;
}

/** Route middleware: this POST changes nothing, do not record it. */
export const skipAudit: RequestHandler = (_req, res, next) => {
  (res.locals as AuditLocals).auditSkip = true;
  next();
};

/** `jobs` → `job`, `schedule` → `schedule`. */
const singular = (s: string): string => (s.endsWith('s') && s.length > 3 ? s.slice(0, -1) : s);

/** `<type>.<verb>` of a route, e.g. `POST /jobs/:id/start` → `job.start`. */
export function actionOf(method: string, routePath: string): { action: string; targetType: string } {
  const fixed = routePath.split('/').filter((s) => s && !s.startsWith(':'));
  const targetType = singular(fixed[0] ?? 'api');
  const verb = fixed.length > 1 ? fixed.slice(1).join('-') : (DEFAULT_VERB[method] ?? method.toLowerCase());
  return { action: `${targetType}.${verb}`, targetType };
}

/** `:id` / `:name` of the path, else the answer's; apps are named by their name, everything else by id. */
function targetIdOf(req: Request, body: unknown, targetType: string): string | null {
  const p = req.params as Record<string, string | undefined>;
  const id = p['id'] ?? p['name'];
  if (id !== undefined) return id;
  if (typeof body === 'object' && body !== null) {
    const b = body as Record<string, unknown>;
    const v = targetType === 'app' ? (b['name'] ?? b['id']) : (b['id'] ?? b['name']);
    if (typeof v === 'string' || typeof v === 'number') return String(v);
  }
  return null;
}

/** Middleware (after `requireAuth`) recording every successful change, and every refusal, through `audit`. */
export function auditTrail(audit: AuditService, logger: Logger): RequestHandler {
  return (req, res, next) => {
    const json = res.json.bind(res);
    res.json = (body: unknown) => {
      (res.locals as AuditLocals).auditBody = body;
      return json(body);
    };
    res.once('finish', () => {
      const l = res.locals as AuditLocals & Partial<AuthLocals>;
      if (!l.user) return;
      const denied = res.statusCode === 403 || (l.auditDenied === true && res.statusCode === 404);
      if (!denied && (!CHANGES.has(req.method) || l.auditSkip || res.statusCode >= 400)) return;
      const routePath = typeof req.route?.path === 'string' ? (req.route.path as string) : req.path;
      const derived = actionOf(req.method, routePath);
      const reqBody = (typeof req.body === 'object' && req.body !== null ? req.body : {}) as Record<string, unknown>;
      const app = l.auditApp ?? (typeof reqBody['app'] === 'string' ? reqBody['app'] : null);
      audit
        .record({
          by: l.user,
          action: denied ? `${derived.action}.denied` : (l.auditAction ?? derived.action),
          targetType: derived.targetType,
          targetId: denied ? (l.auditTargetId ?? targetIdOf(req, null, derived.targetType)) : targetIdOf(req, l.auditBody, derived.targetType),
          app,
          before: denied ? null : (l.auditBefore ?? null),
          after: l.auditBody ?? (Object.keys(reqBody).length ? reqBody : null),
          ip: req.ip ?? null,
        })
        .catch((err: unknown) => logger.error({ err, path: req.path }, 'audit record failed'));
    });
    next();
  };
}
