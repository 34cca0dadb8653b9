import type { JobRecord } from '../domain/types.js';

/** Dependencies of {@link JobCache}. */
export interface JobCacheDeps {
  /** Loads one job definition (null when it does not exist). */
  load: (id: number) => Promise<JobRecord | null>;
  /** How long a loaded definition (or its absence) is reused. Default 5000 ms. */
  ttlMs?: number;
  now?: () => number;
}

/** Largest number of definitions kept; past it the oldest entry goes (jobs are few, records many). */
const MAX_ENTRIES = 10_000;

/**
 * A short-lived read cache of job definitions for the after-final work (alarms, child jobs): one
 * batch of final records names the same few jobs many times, and a definition a few seconds old
 * is good enough to decide who to alert or which children to fire.
 */
export class JobCache {
  private readonly entries = new Map<number, { at: number; job: Promise<JobRecord | null> }>();
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(private readonly deps: JobCacheDeps) {
    this.ttlMs = deps.ttlMs ?? 5000;
    this.now = deps.now ?? Date.now;
  }

  /** The job, or null when it does not exist. @throws whatever the loader throws (not cached). */
  get(id: number): Promise<JobRecord | null> {
    const now = this.now();
    const hit = this.entries.get(id);
    if (hit && now - hit.at < this.ttlMs) return hit.job;
    const job = this.deps.load(id);
    // A failed load is not remembered: the next caller tries again.
    job.catch(() => {
      if (this.entries.get(id)?.job === job) this.entries.delete(id);
    });
    this.entries.delete(id);
    this.entries.set(id, { at: now, job });
    if (this.entries.size > MAX_ENTRIES) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    return job;
  }
}
