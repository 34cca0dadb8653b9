/**
 * The path parameters and query strings of the REST API, as zod schemas the admin's routes
 * validate with. Query values arrive as strings: the schemas turn them into numbers.
 */
import { z } from 'zod';
import { TaskStatus } from './enums.js';
import { closedSet } from './kit.js';
import { TASK_ID_PATTERN } from './names.js';
import { appNameSchema } from './rest-access.js';

/** A positive database id in a path or query string (`12`, not `012` nor `1e3`). */
export const idString = z
  .string()
  .regex(/^[1-9][0-9]{0,9}$/, 'must be a positive integer')
  .transform(Number)
  .refine((n) => n <= 2_147_483_647, 'is too large');

/** A non-negative integer in a query string, between `min` and `max`. */
export const intString = (min: number, max: number) =>
  z
    .string()
    .regex(/^[0-9]{1,9}$/, 'must be a non-negative integer')
    .transform(Number)
    .refine((n) => n >= min && n <= max, `must be between ${min} and ${max}`);

/** Most rows one page of a paged list answers (`limit`). */
export const PAGE_MAX = 500;

/** `limit` (1-{@link PAGE_MAX}, default 50) and `offset` of a paged list, to spread into a query schema. */
export const pageQuery = {
  limit: intString(1, PAGE_MAX).default(50),
  offset: intString(0, 1_000_000).default(0),
};

/** `:id` of a job. */
export const jobIdParams = z.strictObject({ id: idString });

/** `:id` of a user. */
export const userIdParams = z.strictObject({ id: idString });

/** `:id` of a task (its log id). */
export const taskIdParams = z.strictObject({ id: z.string().regex(TASK_ID_PATTERN, 'is not a task id') });

/** `:name` of an app. */
export const appParams = z.strictObject({ name: appNameSchema });

/** Most jobs one `GET /jobs` answers. */
export const JOBS_PAGE_MAX = 1000;

/** `GET /jobs?app=&limit=&offset=` (at most {@link JOBS_PAGE_MAX}, by id from `offset`). */
export const jobListQuery = z.strictObject({
  app: appNameSchema.optional(),
  limit: intString(1, JOBS_PAGE_MAX).default(JOBS_PAGE_MAX),
  offset: intString(0, 10_000_000).default(0),
});

/** `GET /jobs/:id/next-fires?count=N`, 1-100 (default 5). */
export const nextFiresQuery = z.strictObject({
  count: z
    .string()
    .regex(/^[1-9][0-9]{0,2}$/, 'must be an integer from 1 to 100')
    .transform(Number)
    .refine((n) => n <= 100, 'must be at most 100')
    .optional(),
});

/**
 * Where a logs page ends, decoded from its opaque `nextCursor`: the list continues after the
 * task `id` scheduled at `scheduledAt` (epoch ms), among in-flight tasks (`phase: 'inflight'`,
 * then all final records) or among final records (`phase: 'final'`).
 */
export interface LogCursor {
  phase: 'inflight' | 'final';
  scheduledAt: number;
  id: string;
}

/** Most characters of a task id (the `oasis_job_log.id` column). */
const LOG_ID_MAX = 64;

function toBase64Url(text: string): string {
  let bin = '';
  for (const b of new TextEncoder().encode(text)) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): string {
  const bin = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
}

/** The opaque `nextCursor` of a logs page (base64url of a small JSON); {@link logCursorString} reads it back. */
export function encodeLogCursor(c: LogCursor): string {
  return toBase64Url(JSON.stringify({ p: c.phase === 'inflight' ? 'h' : 'd', s: c.scheduledAt, i: c.id }));
}

/** Decodes an encoded cursor; null when it is not one {@link encodeLogCursor} could have made. */
export function decodeLogCursor(text: string): LogCursor | null {
  if (!/^[A-Za-z0-9_-]{1,256}$/.test(text)) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(fromBase64Url(text));
  } catch {
    return null;
  }
  const o = raw as { p?: unknown; s?: unknown; i?: unknown } | null;
  if (typeof o !== 'object' || o === null || (o.p !== 'h' && o.p !== 'd')) return null;
  if (typeof o.s !== 'number' || !Number.isSafeInteger(o.s) || o.s < 0) return null;
  if (typeof o.i !== 'string' || o.i.length === 0 || o.i.length > LOG_ID_MAX) return null;
  return { phase: o.p === 'h' ? 'inflight' : 'final', scheduledAt: o.s, id: o.i };
}

/** `cursor=`: a page's `nextCursor`, decoded (a malformed one fails validation: 400). */
export const logCursorString = z
  .string()
  .transform((text, ctx) => {
    const c = decodeLogCursor(text);
    if (!c) {
      ctx.addIssue({ code: 'custom', message: 'is not a cursor of this list (pass nextCursor of the page before, unchanged)' });
      return z.NEVER;
    }
    return c;
  });

/** `withTotal=1` (or `0`, the default): also count every match. */
export const flagString = z
  .enum(['0', '1'])
  .default('0')
  .transform((v) => v === '1');

/**
 * `GET /logs?jobId=&app=&status=&limit=&cursor=&withTotal=`: in-flight tasks first, then final
 * records, newest scheduled first (ties by task id). A page ends with `nextCursor`; pass it as
 * `cursor` for the next one. There is no `offset` any more (an OFFSET walks every row it skips).
 */
export const logListQuery = z.strictObject({
  jobId: idString.optional(),
  app: appNameSchema.optional(),
  status: closedSet(TaskStatus).optional(),
  limit: pageQuery.limit,
  cursor: logCursorString.optional(),
  withTotal: flagString,
});

/** `GET /logs/duplicates?app=&jobId=&limit=&offset=`: second records of fires (non-ADMINs name the app). */
export const logDuplicatesQuery = z.strictObject({
  jobId: idString.optional(),
  app: appNameSchema.optional(),
  ...pageQuery,
});

/** Lines one page of a log answers by default (`GET /logs/:id/text`), and at most. */
export const LOG_PAGE_LINES = 1000;
export const LOG_PAGE_MAX_LINES = 10_000;

/** `GET /logs/:id/text?from=&limit=`. */
export const logTextQuery = z.strictObject({
  from: intString(0, 10_000_000).default(0),
  limit: intString(1, LOG_PAGE_MAX_LINES).default(LOG_PAGE_LINES),
});

/** Body of `POST /logs/:id/kill`. */
export const killTaskSchema = z.strictObject({ reason: z.string().max(500).optional() });

/** `GET /reports/daily?days=7|30&app=&jobId=`. */
export const dailyReportQuery = z.strictObject({
  days: z.enum(['7', '30']).default('7').transform(Number),
  app: appNameSchema.optional(),
  jobId: idString.optional(),
});

/** `GET /workers?app=`. */
export const workerListQuery = z.strictObject({ app: appNameSchema.optional() });

/** `GET /audit?user=&target=type[:id]&action=&limit=&offset=`. */
export const auditListQuery = z.strictObject({
  user: z.string().min(1).max(64).optional(),
  target: z
    .string()
    .regex(/^[a-z][a-z-]{0,31}(:[^\s]{1,128})?$/, 'must be type or type:id')
    .optional(),
  action: z.string().min(1).max(64).optional(),
  ...pageQuery,
});

/** Bodies of actions that take none (`start`, `stop`, `resume`, `token`): `{}` or no body. */
export const emptyBody = z.strictObject({});
