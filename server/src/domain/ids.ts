import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A ULID-like id: 10 chars of time (ms) + 16 random chars, sortable by creation time. */
export function ulid(now = Date.now()): string {
  let time = '';
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const bytes = randomBytes(16);
  let rand = '';
  for (const b of bytes) rand += ALPHABET[b & 31];
  return time + rand;
}

/** Task ids carry their job id so any admin can find the task's app: `<jobId>-<ulid>`. */
export function newTaskId(jobId: number, now = Date.now()): string {
  return `${jobId}-${ulid(now)}`;
}

/** The job id a task id belongs to, or null for a malformed id. */
export function jobIdOfTask(taskId: string): number | null {
  const m = /^(\d{1,15})-[0-9A-Z]{26}$/.exec(taskId);
  return m ? Number(m[1]) : null;
}
