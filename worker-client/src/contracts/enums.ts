/**
 * The closed sets every wire carries (task states, trigger types, job policies, roles), as
 * `as const` objects with derived union types. No zod here: the dashboard may take these values
 * without the schemas.
 */

/** Final and in-flight states of a task (one attempt of one fire). */
export const TaskStatus = {
  // In flight: the task lives in Redis.
  QUEUED: 'QUEUED', RUNNING: 'RUNNING',
  // Final: the task's record is (on its way) in the database.
  SUCCESS: 'SUCCESS', FAILED: 'FAILED', TIMEOUT: 'TIMEOUT', KILLED: 'KILLED', LOST: 'LOST', DISCARDED: 'DISCARDED', NO_WORKER: 'NO_WORKER',
} as const;
export type TaskStatus = (typeof TaskStatus)[keyof typeof TaskStatus];

/** Statuses a worker may report for a task it ran. */
export const WorkerResultStatus = { SUCCESS: 'SUCCESS', FAILED: 'FAILED', TIMEOUT: 'TIMEOUT', KILLED: 'KILLED' } as const satisfies Record<string, TaskStatus>;
export type WorkerResultStatus = (typeof WorkerResultStatus)[keyof typeof WorkerResultStatus];

/** Why a task was created. */
export const TriggerType = { CRON: 'CRON', FIXED: 'FIXED', MANUAL: 'MANUAL', API: 'API', RETRY: 'RETRY', CHILD: 'CHILD', MISFIRE: 'MISFIRE' } as const;
export type TriggerType = (typeof TriggerType)[keyof typeof TriggerType];

/** Languages of script (GLUE) jobs. */
export const ScriptLanguage = { SHELL: 'shell', NODE: 'node', PYTHON: 'python' } as const;
export type ScriptLanguage = (typeof ScriptLanguage)[keyof typeof ScriptLanguage];

/** Which worker runs a task (see docs/policies.md). State (counters, LFU/LRU) lives in Redis. */
export const Routing = {
  FIRST: 'FIRST',
  LAST: 'LAST',
  ROUND_ROBIN: 'ROUND_ROBIN',
  RANDOM: 'RANDOM',
  CONSISTENT_HASH: 'CONSISTENT_HASH',
  LEAST_FREQUENTLY_USED: 'LEAST_FREQUENTLY_USED',
  LEAST_RECENTLY_USED: 'LEAST_RECENTLY_USED',
  FAILOVER: 'FAILOVER',
  /** Any free worker of the app pulls it (the app's shared queue): the natural "least busy". */
  BUSYOVER: 'BUSYOVER',
  SHARDING_BROADCAST: 'SHARDING_BROADCAST',
} as const;
export type Routing = (typeof Routing)[keyof typeof Routing];

/** What a fire found late beyond the job's threshold does. */
export const MisfirePolicy = { SKIP: 'SKIP', FIRE_ONCE: 'FIRE_ONCE', FIRE_ALL: 'FIRE_ALL' } as const;
export type MisfirePolicy = (typeof MisfirePolicy)[keyof typeof MisfirePolicy];

/** What a scheduled fire does while an earlier task of the job is still queued or running. */
export const OverlapPolicy = { ALLOW: 'ALLOW', SKIP: 'SKIP', BUFFER_ONE: 'BUFFER_ONE', BUFFER_ALL: 'BUFFER_ALL', CANCEL_OTHER: 'CANCEL_OTHER' } as const;
export type OverlapPolicy = (typeof OverlapPolicy)[keyof typeof OverlapPolicy];

/** How the delay between retries grows. */
export const RetryBackoff = { FIXED: 'FIXED', EXPONENTIAL: 'EXPONENTIAL' } as const;
export type RetryBackoff = (typeof RetryBackoff)[keyof typeof RetryBackoff];

/** What a user may do: ADMIN everything, OPERATOR run and change the jobs of their apps, VIEWER read them. */
export const Role = { ADMIN: 'ADMIN', OPERATOR: 'OPERATOR', VIEWER: 'VIEWER' } as const;
export type Role = (typeof Role)[keyof typeof Role];
