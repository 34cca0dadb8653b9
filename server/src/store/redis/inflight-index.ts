/**
 * Pages of an app's queued and running tasks, read through indexes instead of every task hash:
 * the app's `inflight` ZSET (taskId → scheduledAt, written with every task hash by
 * `lua/include/lifecycle.lua`) and, for one job, its `active` SET and `buf` LIST (the job's
 * queued, running, retry-waiting and buffered tasks), ordered through their `inflight` scores.
 * Only the hashes of the page are read. The order is the logs list's: scheduledAt descending,
 * ties by task id descending (the ZSET's own order read backwards). No Lua change: the indexes
 * exist in every layout, so hot data of an older admin pages the same way.
 */
import type { RedisClient } from './connection.js';
import type { AppKeys } from '../keys.js';
import { F, type HashOf, type TaskField } from './schema.js';

/** A place in the list: after the task `id` scheduled at `scheduledAt`. */
export interface InflightPosition {
  scheduledAt: number;
  id: string;
}

/** What {@link readInflightPage} reads: `limit` tasks after `after` (from the newest when unset). */
export interface InflightPageQuery {
  jobId?: number;
  /** Only tasks in this state (read from each candidate's hash, a bounded number per call). */
  status?: 'QUEUED' | 'RUNNING';
  after?: InflightPosition;
  limit: number;
}

/**
 * Most index entries one status-filtered page looks at: past it the page ends short (maybe empty)
 * with `next` at the last entry looked at, so one request never reads every task of a backlog.
 */
export const INFLIGHT_SCAN_MAX = 1000;

/** An index entry: task id and its scheduledAt. */
type Entry = [id: string, scheduledAt: number];

/** True when `e` comes after `p` in the list's order. */
function isAfter(e: Entry, p: InflightPosition): boolean {
  return e[1] < p.scheduledAt || (e[1] === p.scheduledAt && e[0] < p.id);
}

/** The list's order: newest scheduled first, ties by id descending. */
function byListOrder(a: Entry, b: Entry): number {
  return b[1] - a[1] || (a[0] < b[0] ? 1 : a[0] > b[0] ? -1 : 0);
}

function pairs(flat: readonly string[]): Entry[] {
  const out: Entry[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push([flat[i]!, Number(flat[i + 1])]);
  return out;
}

/** Up to `n` entries of the app's `inflight` ZSET after `after`, in order. */
async function appEntries(redis: RedisClient, k: AppKeys, after: InflightPosition | undefined, n: number): Promise<Entry[]> {
  if (!after) return pairs(await redis.zrevrange(k.inflight, 0, n - 1, 'WITHSCORES'));
  const rank = await redis.zrevrank(k.inflight, after.id);
  if (rank !== null) return pairs(await redis.zrevrange(k.inflight, rank + 1, rank + n, 'WITHSCORES'));
  // The cursor's task ended: seek by its score; the entries of that score with an id not below
  // the cursor's come first (a ZSET orders ties by member) and are skipped.
  const out: Entry[] = [];
  for (let offset = 0; out.length < n; ) {
    const batch = pairs(await redis.zrevrangebyscore(k.inflight, after.scheduledAt, '-inf', 'WITHSCORES', 'LIMIT', offset, n));
    for (const e of batch) if (isAfter(e, after) && out.length < n) out.push(e);
    if (batch.length < n) break;
    offset += batch.length;
  }
  return out;
}

/** Up to `n` in-flight entries of one job after `after`, in order (ids from its own indexes, scores from `inflight`). */
async function jobEntries(redis: RedisClient, k: AppKeys, jobId: number, after: InflightPosition | undefined, n: number): Promise<Entry[]> {
  const [active, buffered] = await Promise.all([redis.smembers(k.active(jobId)), redis.lrange(k.buffer(jobId), 0, -1)]);
  const ids = [...new Set([...active, ...buffered])];
  if (ids.length === 0) return [];
  const scores = await redis.zmscore(k.inflight, ...ids);
  const out: Entry[] = [];
  ids.forEach((id, i) => {
    const s = scores[i];
    if (s !== null && s !== undefined) out.push([id, Number(s)]);
  });
  return out
    .filter((e) => !after || isAfter(e, after))
    .sort(byListOrder)
    .slice(0, n);
}

function entries(redis: RedisClient, k: AppKeys, q: InflightPageQuery, after: InflightPosition | undefined, n: number): Promise<Entry[]> {
  return q.jobId === undefined ? appEntries(redis, k, after, n) : jobEntries(redis, k, q.jobId, after, n);
}

/**
 * One page of an app's in-flight tasks (see the file comment): the task hashes of the page,
 * in order (a task that ended meanwhile is left out), and `next`, where the following page
 * starts — null when nothing follows. With `status`, candidates are looked at in chunks until
 * the page is full or {@link INFLIGHT_SCAN_MAX} were looked at (then the page may be short).
 */
export async function readInflightPage(redis: RedisClient, k: AppKeys, q: InflightPageQuery): Promise<{ hashes: HashOf<TaskField>[]; next: InflightPosition | null }> {
  let page: Entry[];
  let next: InflightPosition | null = null;
  if (q.status === undefined) {
    const got = await entries(redis, k, q, q.after, q.limit + 1);
    page = got.slice(0, q.limit);
    const last = page[page.length - 1];
    if (got.length > q.limit && last) next = { id: last[0], scheduledAt: last[1] };
  } else {
    page = [];
    const chunk = Math.min(INFLIGHT_SCAN_MAX, Math.max(64, 2 * q.limit));
    let pos = q.after;
    let looked = 0;
    for (;;) {
      const got = await entries(redis, k, q, pos, chunk);
      if (got.length === 0) break;
      const p = redis.pipeline();
      for (const [id] of got) p.hget(k.task(id), F.task.status);
      const states = (await p.exec()) ?? [];
      let full = false;
      for (let i = 0; i < got.length; i++) {
        const e = got[i]!;
        const state = states[i]?.[1] === 'RUNNING' ? 'RUNNING' : states[i]?.[1] ? 'QUEUED' : null;
        if (state !== q.status) continue;
        if (page.length === q.limit) {
          full = true;
          break;
        }
        page.push(e);
      }
      const lastGot = got[got.length - 1]!;
      looked += got.length;
      const lastPage = page[page.length - 1];
      if (full && lastPage) {
        next = { id: lastPage[0], scheduledAt: lastPage[1] };
        break;
      }
      if (got.length < chunk) break;
      if (page.length === q.limit && lastPage) {
        // Full, and more candidates follow: the next page looks at them.
        next = { id: lastPage[0], scheduledAt: lastPage[1] };
        break;
      }
      pos = { id: lastGot[0], scheduledAt: lastGot[1] };
      if (looked >= INFLIGHT_SCAN_MAX) {
        next = pos;
        break;
      }
    }
  }
  if (page.length === 0) return { hashes: [], next };
  const p = redis.pipeline();
  for (const [id] of page) p.hgetall(k.task(id));
  const res = (await p.exec()) ?? [];
  const hashes: HashOf<TaskField>[] = [];
  for (const [, h] of res) {
    const rec = h as HashOf<TaskField> | null;
    if (rec?.id) hashes.push(rec);
  }
  return { hashes, next };
}

/**
 * How many in-flight tasks match: the size of the index; with `status`, every candidate's state
 * is read (only when a caller asks for a total).
 */
export async function countInflight(redis: RedisClient, k: AppKeys, q: { jobId?: number; status?: 'QUEUED' | 'RUNNING' }): Promise<number> {
  let ids: string[];
  if (q.jobId === undefined) {
    if (q.status === undefined) return redis.zcard(k.inflight);
    ids = await redis.zrange(k.inflight, '0', '-1');
  } else {
    ids = (await jobEntries(redis, k, q.jobId, undefined, Number.MAX_SAFE_INTEGER)).map((e) => e[0]);
    if (q.status === undefined) return ids.length;
  }
  let n = 0;
  for (let i = 0; i < ids.length; i += 1000) {
    const p = redis.pipeline();
    for (const id of ids.slice(i, i + 1000)) p.hget(k.task(id), F.task.status);
    for (const [, state] of (await p.exec()) ?? []) {
      if (state && (state === 'RUNNING' ? 'RUNNING' : 'QUEUED') === q.status) n++;
    }
  }
  return n;
}
