import { Router } from 'express';
import {
  killTaskSchema,
  logJsonSchema,
  logListQuery,
  logTextQuery,
  taskIdParams,
  type LogJson,
  type LogPage,
  type LogText,
} from '@oasis/worker-client/contracts';
import type { LogItem } from '../../domain/types.js';
import type { LogService } from '../../services/log-service.js';
import { appFilter, principal, type Guard } from '../authorize.js';
import { AppError } from '../../domain/errors.js';
import { isAdmin } from '../../domain/roles.js';
import { asDeclared } from '../json.js';
import { validate } from '../validate.js';

/** The log JSON of the API: the contract's {@link LogJson}, fields in its order (in-flight extras left out). Times are epoch ms. */
export function logJson(l: LogItem): LogJson {
  return asDeclared(logJsonSchema, l);
}

/** Task logs: the list (in flight first), one task, and its execution log text. */
export function logRoutes(logs: LogService, guard: Guard): Router {
  const r = Router();
  r.get('/logs', guard.app('read', 'query'), async (req, res) => {
    const q = validate.query(req, logListQuery);
    q.app = appFilter(res, q.app) ?? undefined;
    if (q.app === undefined && !isAdmin(principal(res))) {
      throw new AppError('OASIS_ERR_VALIDATION', 'query.app: required (you may see several apps; list them one at a time)');
    }
    const page = await logs.list({
      limit: q.limit,
      offset: q.offset,
      ...(q.jobId !== undefined && { jobId: q.jobId }),
      ...(q.app !== undefined && { app: q.app }),
      ...(q.status !== undefined && { status: q.status }),
    });
    res.json({ items: page.items.map(logJson), total: page.total } satisfies LogPage);
  });
  r.get('/logs/:id', guard.log('read'), async (req, res) => {
    const { id } = validate.params(req, taskIdParams);
    res.json(logJson(await logs.get(id)));
  });
  r.get('/logs/:id/text', guard.log('read'), async (req, res) => {
    const { id } = validate.params(req, taskIdParams);
    const { from, limit } = validate.query(req, logTextQuery);
    res.json((await logs.text(id, from, limit)) satisfies LogText);
  });
  r.post('/logs/:id/kill', guard.log('operate'), async (req, res) => {
    const { id } = validate.params(req, taskIdParams);
    const { reason } = validate.body(req, killTaskSchema);
    res.json(logJson(await logs.kill(id, reason ?? 'killed by an operator')));
  });
  return r;
}
