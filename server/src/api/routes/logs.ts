import { Router } from 'express';
import { z } from 'zod';
import { TaskStatus, type LogItem } from '../../domain/types.js';
import { appNameSchema } from '../../services/app-service.js';
import { LOG_PAGE_LINES, LOG_PAGE_MAX_LINES, type LogService } from '../../services/log-service.js';
import { appFilter, principal, type Guard } from '../authorize.js';
import { AppError } from '../../domain/errors.js';
import { isAdmin } from '../../domain/roles.js';
import { idString, taskIdParams, validate } from '../validate.js';

const intString = (min: number, max: number) =>
  z
    .string()
    .regex(/^[0-9]{1,9}$/, 'must be a non-negative integer')
    .transform(Number)
    .refine((n) => n >= min && n <= max, `must be between ${min} and ${max}`);

const listQuery = z.strictObject({
  jobId: idString.optional(),
  app: appNameSchema.optional(),
  status: z.enum(Object.values(TaskStatus) as [TaskStatus, ...TaskStatus[]]).optional(),
  limit: intString(1, 500).default(50),
  offset: intString(0, 1_000_000).default(0),
});

const killBody = z.strictObject({ reason: z.string().max(500).optional() });
const textQuery = z.strictObject({
  from: intString(0, 10_000_000).default(0),
  limit: intString(1, LOG_PAGE_MAX_LINES).default(LOG_PAGE_LINES),
});

/** The log JSON of the API, fields in a fixed order. Times are epoch ms. */
export function logJson(l: LogItem) {
  return {
    id: l.id,
    jobId: l.jobId,
    app: l.app,
    handler: l.handler,
    scheduledAt: l.scheduledAt,
    startedAt: l.startedAt,
    finishedAt: l.finishedAt,
    status: l.status,
    triggerType: l.triggerType,
    workerId: l.workerId,
    attempt: l.attempt,
    shardIndex: l.shardIndex,
    shardTotal: l.shardTotal,
    params: l.params,
    result: l.result,
    error: l.error,
    progress: l.progress,
  };
}

/** Task logs: the list (in flight first), one task, and its execution log text. */
export function logRoutes(logs: LogService, guard: Guard): Router {
  const r = Router();
  r.get('/logs', guard.app('read', 'query'), async (req, res) => {
    const q = validate.query(req, listQuery);
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
    res.json({ items: page.items.map(logJson), total: page.total });
  });
  r.get('/logs/:id', guard.log('read'), async (req, res) => {
    const { id } = validate.params(req, taskIdParams);
    res.json(logJson(await logs.get(id)));
  });
  r.get('/logs/:id/text', guard.log('read'), async (req, res) => {
    const { id } = validate.params(req, taskIdParams);
    const { from, limit } = validate.query(req, textQuery);
    res.json(await logs.text(id, from, limit));
  });
  r.post('/logs/:id/kill', guard.log('operate'), async (req, res) => {
    const { id } = validate.params(req, taskIdParams);
    const { reason } = validate.body(req, killBody);
    res.json(logJson(await logs.kill(id, reason ?? 'killed by an operator')));
  });
  return r;
}
