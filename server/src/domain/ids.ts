import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

function base32(n: number, width: number): string {
  let out = '';
  let t = n;
  for (let i = 0; i < width; i++) {
    out = ALPHABET[t % 32] + out;
    t = Math.floor(t / 32);
  }
  return out;
}

/** 8 random chars fixed per process: ids of different admins never meet. */
const PROCESS_PART = Array.from(randomBytes(8), (b) => ALPHABET[b & 31]).join('');
let counter = Math.floor(Math.random() * 32 ** 6);

/**
 * A ULID-like id of 26 chars: 10 of time (ms), 8 random per process, 8 of a per-process counter.
 * Sortable by creation time, unique without a random draw per id (ids are made on the hot path).
 */
export function ulid(now = Date.now()): string {
  counter = (counter + 1) % 32 ** 8;
  return base32(now, 10) + PROCESS_PART + base32(counter, 8);
}

/** Task ids carry their job id so any admin can find the task's app: `<jobId>-<ulid>`. */
export function newTaskId(jobId: number, now = Date.now()): string {
  return `${jobId}-${ulid(now)}`;
}

/**
 * The job id a task id belongs to, or null for a malformed id. Shards of a broadcast and later
 * attempts extend their task's id: `<jobId>-<ulid>[-s<shard>][-a<attempt>]`.
 */
export function jobIdOfTask(taskId: string): number | null {
  const m = /^(\d{1,15})-[0-9A-Z]{26}(?:-s\d{1,5})?(?:-a\d{1,4})?$/.exec(taskId);
  return m ? Number(m[1]) : null;
}
