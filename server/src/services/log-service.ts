import { AppError } from '../domain/errors.js';
import { jobIdOfTask } from '../domain/ids.js';
import type { LogCursor } from '@oasis/worker-client/contracts';
import type { HotPort, InflightFilter } from '../domain/ports.js';
import type { LogItem, TaskStatus } from '../domain/types.js';
import type { DuplicateItem, LogsRepo } from '../store/db/logs-repo.js';

/** Statuses that only exist in flight (Redis); every other status only in the database. */
const IN_FLIGHT: ReadonlySet<string> = new Set<TaskStatus>(['QUEUED', 'RUNNING']);

/** Filter and page of {@link LogService.list}. */
export interface LogFilter {
  jobId?: number;
  app?: string;
  status?: TaskStatus;
  limit: number;
  /** Where the page starts: the `nextCursor` of the page before, decoded; the newest when unset. */
  cursor?: LogCursor;
  /** Also count every match (`total`): as costly as reading them all. */
  withTotal?: boolean;
}

/** A page of {@link LogService.list}. */
export interface LogListPage {
  items: LogItem[];
  /** Where the next page starts (`cursor`); null at the end of the list. */
  next: LogCursor | null;
  /** In flight plus final matches; only when asked with `withTotal`. */
  total?: number;
}

/** Filter and page of {@link LogService.duplicates}. */
export interface DuplicateFilter {
  jobId?: number;
  app?: string;
  limit: number;
  offset: number;
}

/** A slice of a task's execution log. */
export interface LogText {
  lines: string[];
  /** Index of the first line returned (0-based). */
  from: number;
  /** Where to ask from next time. */
  next: number;
  /** True when more lines than this page are there already: ask again from `next` at once. */
  more: boolean;
  /** True when the task is final and its whole log has been returned (no `more`). */
  done: boolean;
}

/** Most text one page of a log answers (the last line that fits ends it; a page has at least one line). */
export const LOG_PAGE_MAX_BYTES = 1024 * 1024;
/** Lines one page of a log answers by default (and at most {@link LOG_PAGE_MAX_LINES}). */
export const LOG_PAGE_LINES = 1000;
export const LOG_PAGE_MAX_LINES = 10_000;

/** The lines of `lines` that fit in {@link LOG_PAGE_MAX_BYTES}, at least one. */
function fitPage(lines: readonly string[]): string[] {
  let bytes = 0;
  for (let i = 0; i < lines.length; i++) {
    bytes += Buffer.byteLength(lines[i] ?? '', 'utf8') + 1;
    if (bytes > LOG_PAGE_MAX_BYTES && i > 0) return lines.slice(0, i);
  }
  return [...lines];
}

/** Task logs: in-flight tasks from the hot side, final records from the database. */
export class LogService {
  constructor(private readonly deps: { logs: LogsRepo; hot: HotPort; /** The cluster's clock (epoch ms); default `Date.now`. */ now?: () => number }) {}

  /**
   * In-flight tasks (QUEUED / RUNNING) then final records, each newest scheduled first (ties by
   * task id descending), as one list paged by cursor: `limit` items after `f.cursor`. A page
   * reads only what it shows: the in-flight part through Redis indexes (per app, per job), the
   * final part as one keyset range of a database index (never OFFSET). The cursor's phase says
   * where the page before ended; after the last in-flight task the final records follow from
   * the newest. A task that ends between two pages may show in both (once in flight, once
   * final), and one that starts meanwhile waits for the next first page. `total` (in flight
   * plus final) only with `withTotal`.
   * @throws {AppError} `OASIS_ERR_UNAVAILABLE` when the database read passes `OASIS_DB_READ_TIMEOUT_MS`.
   */
  async list(f: LogFilter): Promise<LogListPage> {
    const hotStatus = f.status === undefined ? undefined : IN_FLIGHT.has(f.status) ? (f.status as 'QUEUED' | 'RUNNING') : null;
    const wantHot = hotStatus !== null;
    const wantDb = f.status === undefined || hotStatus === null;
    const filter = pick(f);
    const items: LogItem[] = [];
    let next: LogCursor | null = null;
    let dbAfter: LogCursor | undefined = f.cursor?.phase === 'final' ? f.cursor : undefined;
    if (wantHot && f.cursor?.phase !== 'final') {
      const hotFilter: InflightFilter = {};
      if (f.app !== undefined) hotFilter.app = f.app;
      if (f.jobId !== undefined) hotFilter.jobId = f.jobId;
      if (hotStatus !== undefined) hotFilter.status = hotStatus;
      const after = f.cursor ? { scheduledAt: f.cursor.scheduledAt, id: f.cursor.id } : undefined;
      const hot = await this.deps.hot.listInflight(hotFilter, { limit: f.limit, ...(after && { after }) });
      items.push(...hot.items);
      if (hot.next) next = { phase: 'inflight', ...hot.next };
      else if (!wantDb) next = null;
      dbAfter = undefined;
    }
    const room = f.limit - items.length;
    if (wantDb && next === null && room > 0) {
      const page = await this.deps.logs.list({ ...filter, limit: room, ...(dbAfter && { after: dbAfter }) });
      // A task that finished between the two reads shows up once.
      const seen = new Set(items.map((i) => i.id));
      items.push(...page.items.filter((i) => !seen.has(i.id)));
      const last = page.items[page.items.length - 1];
      if (page.more && last) next = { phase: 'final', scheduledAt: last.scheduledAt, id: last.id };
    } else if (wantDb && next === null && room === 0) {
      // The page ended with the last in-flight task: the final records follow from the newest.
      const last = items[items.length - 1];
      if (last) next = { phase: 'inflight', scheduledAt: last.scheduledAt, id: last.id };
    }
    const out: LogListPage = { items, next };
    if (f.withTotal) out.total = await this.count(f, wantHot, wantDb);
    return out;
  }

  /** In flight plus final matches of a filter. */
  private async count(f: LogFilter, hot: boolean, db: boolean): Promise<number> {
    const filter = pick(f);
    const [h, d] = await Promise.all([
      hot ? this.deps.hot.countInflight(filter as InflightFilter) : 0,
      db ? this.deps.logs.count(filter) : 0,
    ]);
    return h + d;
  }

  /**
   * Second records of fires (a fire recorded twice under two task ids), kept apart from the logs
   * by the final writer: newest scheduled first, and how many match.
   */
  duplicates(f: DuplicateFilter): Promise<{ items: DuplicateItem[]; total: number }> {
    return this.deps.logs.listDuplicates({
      limit: f.limit,
      offset: f.offset,
      ...(f.jobId !== undefined && { jobId: f.jobId }),
      ...(f.app !== undefined && { app: f.app }),
    });
  }

  /** One task attempt, in flight or final. @throws {AppError} `OASIS_ERR_NOT_FOUND`. */
  async get(id: string): Promise<LogItem> {
    const item = (await this.deps.hot.getInflight(id)) ?? (await this.deps.logs.get(id));
    if (!item) throw new AppError('OASIS_ERR_NOT_FOUND', `No task has id "${id}"`);
    return item;
  }

  /**
   * One page of a task's execution log from line `from`: at most `limit` lines (default
   * {@link LOG_PAGE_LINES}) and {@link LOG_PAGE_MAX_BYTES} of text; `more` says another page is
   * there already. Live while in flight, then the stored text. A well-formed task id that is
   * neither in flight nor stored yet (its final record is on its way to the database) answers no
   * lines and `done: false`, so a viewer keeps polling.
   * @throws {AppError} `OASIS_ERR_NOT_FOUND` for an id that cannot be a task.
   */
  async text(id: string, from = 0, limit = LOG_PAGE_LINES): Promise<LogText> {
    const count = Math.min(Math.max(1, limit), LOG_PAGE_MAX_LINES);
    // One line more than asked tells whether another page follows.
    const live = await this.deps.hot.liveLog(id, from, count + 1);
    if (live) return page(live, from, count, false);
    const stored = await this.deps.logs.getText(id);
    if (stored) {
      const all = stored.text === '' ? [] : stored.text.split('\n');
      return page(all.slice(from, from + count + 1), from, count, true);
    }
    if (await this.deps.logs.get(id)) return { lines: [], from, next: from, more: false, done: true };
    if (jobIdOfTask(id) !== null) return { lines: [], from, next: from, more: false, done: false };
    throw new AppError('OASIS_ERR_NOT_FOUND', `No task has id "${id}"`);
  }

  /**
   * Kills a queued or running task: it ends KILLED at once and its worker is told to abort.
   * Returns the final record (it may still be on its way to the database: then the in-flight
   * view is returned with status KILLED).
   * @throws {AppError} `OASIS_ERR_NOT_FOUND` (no such task), `OASIS_ERR_CONFLICT` (already final).
   */
  async kill(id: string, reason: string): Promise<LogItem> {
    const before = await this.deps.hot.getInflight(id);
    if (!(await this.deps.hot.kill(id, reason))) {
      const final = await this.deps.logs.get(id);
      if (final) throw new AppError('OASIS_ERR_CONFLICT', `Task ${id} already ended ${final.status}`);
      throw new AppError('OASIS_ERR_NOT_FOUND', `No task has id ${id}`);
    }
    const done = await this.deps.logs.get(id);
    if (done || !before) return done ?? this.get(id);
    return { ...before, status: 'KILLED', finishedAt: (this.deps.now ?? Date.now)(), error: reason, progress: null };
  }
}

/** A page of `count` lines at most out of `got` (read with one line to spare); `final`: the log is complete. */
function page(got: readonly string[], from: number, count: number, final: boolean): LogText {
  const lines = fitPage(got.slice(0, count));
  const more = got.length > lines.length;
  return { lines, from, next: from + lines.length, more, done: final && !more };
}

function pick(f: LogFilter): { jobId?: number; app?: string; status?: TaskStatus } {
  const out: { jobId?: number; app?: string; status?: TaskStatus } = {};
  if (f.jobId !== undefined) out.jobId = f.jobId;
  if (f.app !== undefined) out.app = f.app;
  if (f.status !== undefined) out.status = f.status;
  return out;
}
