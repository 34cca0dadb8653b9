/**
 * The codes Lua scripts answer with, and the one place they become names. Every reply carries a
 * `code` (and some carry one code per item: fire, result); a script's header lists the codes it
 * may answer (`code: OK|NOT_REGISTERED`), the generated wrapper turns the numbers into these
 * names and throws {@link ScriptReplyError} for a code its script does not declare.
 * `lua/include/schema.lua` carries the same table as `CODE` (generated from this one).
 */
export const ScriptCode = {
  /** Done. */
  OK: 0,
  /** commit-fire: the fire committed without a run (skip-next, a misfire skipped or capped). */
  SKIPPED: 1,
  /** commit-fire: the fire is no longer the job's current one, or its plan changed: nothing done. */
  STALE: -1,
  /** The task is not in flight (final already, or never existed). */
  NOT_IN_FLIGHT: -2,
  /** The task is not RUNNING under this worker and attempt (another holds it, or it is queued). */
  NOT_HELD: -3,
  /** The worker is not registered or was retired: it must register again. */
  NOT_REGISTERED: -4,
  /** A newer connection of the worker is on record: the notice of the older one is ignored. */
  SUPERSEDED: -5,
  /** The job has no hot copy in Redis. */
  NO_HOT_COPY: -6,
  /** A trigger with the same dedupe key was already made (24 h). */
  DUPLICATE_TRIGGER: -7,
  /**
   * claim-due, commit-fire, reconcile-fires: Redis restarted, failed over or lost data since the
   * app's schedule was last reconciled with the database (its `epoch` is not the server's run_id):
   * nothing done until the scheduler reconciles it.
   */
  EPOCH_CHANGED: -8,
} as const;
export type ScriptCode = keyof typeof ScriptCode;

const BY_NUMBER = new Map<number, ScriptCode>(Object.entries(ScriptCode).map(([name, n]) => [n, name as ScriptCode]));

/** A script answered something its header does not declare: a bug, never a normal outcome. */
export class ScriptReplyError extends Error {
  constructor(script: string, what: string) {
    super(`lua/${script}.lua answered ${what}`);
    this.name = 'ScriptReplyError';
  }
}

/**
 * The name of a script's code. @throws {ScriptReplyError} when the number is no code or not one
 * `allowed` (the codes the script's header declares).
 */
export function codeName(script: string, value: unknown, allowed: readonly ScriptCode[]): ScriptCode {
  const name = typeof value === 'number' ? BY_NUMBER.get(value) : undefined;
  if (name === undefined || !allowed.includes(name)) throw new ScriptReplyError(script, `the undeclared code ${String(value)}`);
  return name;
}

/**
 * What a worker's report on a task (result, log lines, progress) came to, by the code its script
 * answered: `accepted` (OK), `duplicate` (the task is not in flight any more: harmless),
 * `rejected` (the worker does not hold the task). The same words go back to the worker.
 */
export const Verdict = { ACCEPTED: 'accepted', DUPLICATE: 'duplicate', REJECTED: 'rejected' } as const;
export type Verdict = (typeof Verdict)[keyof typeof Verdict];

/** The verdict of a report's code (OK, NOT_IN_FLIGHT or NOT_HELD). */
export function verdictOf(code: ScriptCode): Verdict {
  if (code === 'OK') return Verdict.ACCEPTED;
  if (code === 'NOT_IN_FLIGHT') return Verdict.DUPLICATE;
  return Verdict.REJECTED;
}
