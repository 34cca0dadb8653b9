import { Router } from 'express';
import {
  encodeLogCursor,
  killTaskSchema,
  logJsonSchema,
  logDuplicateJsonSchema,
  logDuplicatesQuery,
  logListQuery,
  logTextQuery,
  taskIdParams,
  type LogDuplicateJson,
  type LogDuplicatePage,
  type LogJson,
  type LogPage,
  type LogText,
} from '@oasis/worker-client/contracts';
import type { LogItem } from '../../domain/types.js';
import type { DuplicateItem } from '../../store/db/logs-repo.js';
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

/** The JSON of a second record of a fire: the contract's {@link LogDuplicateJson}, fields in its order. */
export function logDuplicateJson(d: DuplicateItem): LogDuplicateJson {
  return asDeclared(logDuplicateJsonSchema, d);
}

/** The list's rule: a non-ADMIN names the app (they may see several; one at a time). */
function appRequired(res: Parameters<typeof principal>[0], app: string | undefined): void {
  if (app === undefined && !isAdmin(principal(res))) {
    throw new AppError('OASIS_ERR_VALIDATION', 'query.app: required (you may see several apps; list them one at a time)');
  }
}

/** Task logs: the list (in flight first), one task, and its execution log text. */
export function logRoutes(logs: LogService, guard: Guard): Router {
  const r = Router();
  /**
   * `GET /logs?app=&jobId=&status=&limit=&cursor=&withTotal=1`: in-flight tasks first, then final
   * records, newest scheduled first (ties by task id), `limit` (1-500, default 50) a page. Paged
   * by cursor: pass the page's `nextCursor` as `cursor` for the next one; null at the end (a
   * malformed cursor is a 400). There is no `offset` (it would walk every skipped row; a 400
   * says so). `total` is in the answer only with `withTotal=1`: an exact count of every match
   * (in flight plus final), as costly as reading them. Reads past `OASIS_DB_READ_TIMEOUT_MS`
   * answer 503 `OASIS_ERR_UNAVAILABLE`.
   */
  r.get('/logs', guard.app('read', 'query'), async (req, res) => {
    if (typeof req.query.offset === 'string') {
      throw new AppError('OASIS_ERR_VALIDATION', 'query.offset: not supported any more; page with cursor= (the nextCursor of the page before)');
    }
    const q = validate.query(req, logListQuery);
    q.app = appFilter(res, q.app) ?? undefined;
    appRequired(res, q.app);
    const page = await logs.list({
      limit: q.limit,
      withTotal: q.withTotal,
      ...(q.cursor !== undefined && { cursor: q.cursor }),
      ...(q.jobId !== undefined && { jobId: q.jobId }),
      ...(q.app !== undefined && { app: q.app }),
      ...(q.status !== undefined && { status: q.status }),
    });
    const body: LogPage = { items: page.items.map(logJson), nextCursor: page.next ? encodeLogCursor(page.next) : null };
    if (page.total !== undefined) body.total = page.total;
    res.json(body);
  });
  // Before /logs/:id, which would take "duplicates" for a task id.
  r.get('/logs/duplicates', guard.app('read', 'query'), async (req, res) => {
    const q = validate.query(req, logDuplicatesQuery);
    const app = appFilter(res, q.app) ?? undefined;
    appRequired(res, app);
    const page = await logs.duplicates({
      limit: q.limit,
      offset: q.offset,
      ...(q.jobId !== undefined && { jobId: q.jobId }),
      ...(app !== undefined && { app }),
    });
    res.json({ items: page.items.map(logDuplicateJson), total: page.total } satisfies LogDuplicatePage);
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
