/**
 * The Redis schema, declared once: every key, every field of the job, task and worker hashes,
 * the final record of the finals STREAM and the rows scripts answer with. `keys.ts` builds key
 * names from it, the stores read and write fields through {@link F}, and the Lua side reads the
 * same declaration from `lua/include/schema.lua`, which `scripts/gen-redis.ts` writes from this
 * module. `test/lua/schema.test.ts` fails when that file is stale, when a script names a field
 * with a raw string instead of `F.<hash>.<field>`, or when it names a field declared nowhere.
 *
 * Every value in a hash is a string in Redis; `type` says what the string holds.
 */

/** What the string of a field holds. */
export const FieldType = {
  string: 'string',
  int: 'int',
  number: 'number',
  /** An instant, epoch ms. */
  epochMs: 'epochMs',
  /** A duration in ms. */
  ms: 'ms',
  /** "1" = yes; "" (or absent, or "0") = no. */
  flag: 'flag',
  json: 'json',
} as const;
export type FieldType = (typeof FieldType)[keyof typeof FieldType];

export interface FieldDecl {
  type: FieldType;
  doc: string;
}

/** A key: `<base><suffix>` or, with `id`, `<base><suffix><id><tail>`. */
export interface KeyDecl {
  suffix: string;
  /** Name of the one variable part, when the key has one. */
  id?: string;
  tail?: string;
  type: 'STRING' | 'HASH' | 'LIST' | 'SET' | 'ZSET' | 'STREAM' | 'CHANNEL' | 'PREFIX' | 'LOCK' | 'FENCE';
  doc: string;
}

/**
 * Keys of one app, under its base `<prefix>{<app>}:`. The `{app}` hash tag puts them all in one
 * cluster slot, so every script of an app runs in that slot.
 */
export const APP_KEYS = {
  schedule: { suffix: 'schedule', type: 'ZSET', doc: 'jobId → due ms, or claim lease deadline while claimed' },
  job: { suffix: 'job:', id: 'jobId', type: 'HASH', doc: 'hot copy of a job (fields: F.job)' },
  sharedQueue: { suffix: 'q:shared', type: 'LIST', doc: 'task ids any worker of the app may pull' },
  workerQueue: { suffix: 'q:w:', id: 'workerId', type: 'LIST', doc: 'task ids targeted at one worker' },
  running: { suffix: 'running', type: 'ZSET', doc: 'taskId → lease deadline of running tasks' },
  workerRunning: { suffix: 'w:', id: 'workerId', tail: ':running', type: 'SET', doc: 'task ids one worker is running' },
  inflight: { suffix: 'inflight', type: 'ZSET', doc: 'taskId → scheduledAt of every queued or running task (for listing)' },
  active: { suffix: 'active:', id: 'jobId', type: 'SET', doc: "a job's queued, running and retry-waiting task ids (overlap decisions; buffered fires excluded)" },
  buffer: { suffix: 'buf:', id: 'jobId', type: 'LIST', doc: 'task ids of fires held back by overlap BUFFER_ONE / BUFFER_ALL' },
  delayed: { suffix: 'delayed', type: 'ZSET', doc: 'retry taskId → due time' },
  deadlines: { suffix: 'deadlines', type: 'ZSET', doc: 'running taskId → timeout watchdog deadline (timeout + grace), set when the worker acknowledged it' },
  unacked: { suffix: 'unacked', type: 'ZSET', doc: 'delivered taskId → acknowledgement deadline: pulled, not yet acknowledged (started) by its worker; back to its queue after it' },
  waiting: { suffix: 'waiting', type: 'ZSET', doc: 'taskId → since when it waits on the shared queue for a worker (no live worker when it was routed); NO_WORKER past the grace' },
  noWorkerGrace: { suffix: 'no-worker-grace', type: 'STRING', doc: 'OASIS_NO_WORKER_GRACE_MS as the admins last wrote it (when a job of the app is saved, unless set; sweeps, worker registration and disconnect): > 0 = a task with no live worker waits; absent or 0 = it ends NO_WORKER at once' },
  lfu: { suffix: 'lfu:', id: 'jobId', type: 'HASH', doc: 'workerId → uses by one job (LEAST_FREQUENTLY_USED), expires after a day unused' },
  lru: { suffix: 'lru:', id: 'jobId', type: 'ZSET', doc: 'workerId → last use by one job (LEAST_RECENTLY_USED), expires after a day unused' },
  dedupe: { suffix: 'dedupe:', id: 'key', type: 'STRING', doc: 'a trigger dedupe key already used (24 h)' },
  task: { suffix: 'task:', id: 'taskId', type: 'HASH', doc: 'a queued or running task (fields: F.task)' },
  log: { suffix: 'log:', id: 'taskId', type: 'LIST', doc: 'live execution log lines of a task, until its final record is written' },
  finals: { suffix: 'finals', type: 'STREAM', doc: 'final records waiting for the database (entry: FINALS_ENTRY)' },
  workers: { suffix: 'workers', type: 'ZSET', doc: 'live (connected) workerId → last heartbeat (epoch ms): the workers tasks are routed to' },
  disconnected: { suffix: 'disconnected', type: 'ZSET', doc: 'workerId → when its connection closed: not routed to, not retired yet (it may come back within the reconnect grace)' },
  knownWorkers: { suffix: 'known-workers', type: 'SET', doc: 'worker ids whose facts hash may still exist (online or recently gone)' },
  worker: { suffix: 'worker:', id: 'workerId', type: 'HASH', doc: 'facts about one worker (fields: F.worker)' },
  // Admin liveness and the data-loss check of the scheduler (lua/include/epoch.lua).
  claimers: { suffix: 'claimers', type: 'ZSET', doc: "adminId → liveness deadline (Redis server clock, ms): renewed every OASIS_ADMIN_LIVENESS_MS, lapsed after 3 × that; a lapsed admin's claims are taken over" },
  claims: { suffix: 'claims:', id: 'adminId', type: 'ZSET', doc: 'jobId → claim lease deadline of the fires one admin claimed (taken over at once when its liveness lapses)' },
  // Never written: named by every script call (ScriptRunner) so that a slot being moved between
  // cluster nodes refuses the script (TRYAGAIN) until the move ends, instead of running it with
  // part of the app's keys already gone (see docs/architecture.md#redis-cluster).
  fence: { suffix: 'fence:', id: 'n', type: 'FENCE', doc: 'two keys (`fence:1`, `fence:2`) that never exist: every script declares them, so Redis refuses it while its slot migrates' },
  epoch: { suffix: 'epoch', type: 'STRING', doc: "run_id of the Redis server under which the app's hot schedule was last reconciled with the database; another run_id (a restart, a failover) or none (data lost) stops claims and commits until the next reconcile" },
} as const satisfies Record<string, KeyDecl>;

/** Keys outside any app, under the prefix alone (no script writes one; `clock` only routes `TIME`). */
export const GLOBAL_KEYS = {
  apps: { suffix: 'apps', type: 'SET', doc: 'app names the scheduler loops over' },
  jobApps: { suffix: 'job-apps', type: 'HASH', doc: "jobId → app name (finds a task's app from its id)" },
  schedulers: { suffix: 'schedulers', type: 'ZSET', doc: 'adminId → liveness deadline (the cluster clock, ms; renewed every OASIS_ADMIN_LIVENESS_MS / 2, lapsed after 2 × OASIS_ADMIN_LIVENESS_MS) of every admin running the scheduler: the live ones share the apps by rendezvous hashing (scheduler/ownership.ts)' },
  scheduleChannel: { suffix: 'ch:schedule', type: 'CHANNEL', doc: "pub/sub: a job of the named app changed; wake the app's scheduler loops" },
  session: { suffix: 'session:', id: 'tokenHash', type: 'STRING', doc: "an API session by the token's SHA-256 (the token itself is never stored)" },
  usersVersion: { suffix: 'users:version', type: 'STRING', doc: 'a counter bumped after every change of a user (role, apps, grants, password, deletion): an admin reuses a user row only while the counter is what it was when the row was read' },
  limit: { suffix: 'limit:', id: 'name', type: 'PREFIX', doc: 'prefix of one rate-limiter-flexible budget, which appends `:<key>`' },
  clock: { suffix: 'clock', type: 'FENCE', doc: "never written: on a cluster, the node serving this key's slot is the one whose TIME every admin reads (the one clock)" },
  maintenanceLock: { suffix: 'lock:maintenance', type: 'LOCK', doc: 'Redlock resource of the maintenance leader' },
  once: { suffix: 'once:', id: 'name', type: 'STRING', doc: 'a once-only action already claimed, e.g. `alarm:task:<taskId>` (24 h)' },
} as const satisfies Record<string, KeyDecl>;

/**
 * Layout of the job hash. `lua/sync-job.lua` stamps it on every hash it writes; a hash with an
 * older layout counts as missing for {@link HotPort.missingJobs}, so the admin rewrites it from
 * the database at start (`JobService.restoreHotCopies`) before its scheduler claims anything, and
 * `lua/claim-due.lua` leaves such a job unclaimed (not removed) until then.
 */
export const JOB_LAYOUT = 2;

/** The hot copy of a job: `APP_KEYS.job`. */
export const JOB_FIELDS = {
  // From the definition (MySQL), written by sync-job.lua on every change: what runs, and where.
  handler: { type: 'string', doc: 'handler name; for a script job, its label' },
  params: { type: 'string', doc: 'raw params handed to the handler' },
  routing: { type: 'string', doc: 'routing strategy (Routing)' },
  overlap: { type: 'string', doc: 'overlap policy (OverlapPolicy)' },
  timeoutMs: { type: 'ms', doc: 'handler timeout; 0 = none' },
  script: { type: 'json', doc: 'script (GLUE) job: {language, source, version}; "" for a handler job' },
  hasChildren: { type: 'flag', doc: 'the job has child jobs (its final records tell the writer to fire them)' },
  // ... its retry policy (include/retry.lua) ...
  retryCount: { type: 'int', doc: 'retries after a failed attempt' },
  retryBackoff: { type: 'string', doc: 'FIXED | EXPONENTIAL' },
  retryDelay: { type: 'ms', doc: 'delay before a retry (the first one, when exponential)' },
  retryMaxDelay: { type: 'ms', doc: 'cap of an exponential delay; 0 = none' },
  retryJitter: { type: 'number', doc: '0..1: each delay is shortened by up to this fraction' },
  // ... and its schedule's window (include/schedule.lua).
  maxRuns: { type: 'int', doc: 'schedule.maxRuns: scheduled fires with a run, then the job stops; 0 = no cap' },
  endAt: { type: 'epochMs', doc: 'schedule.endAt: no fire after it; "" = none' },
  delayMs: { type: 'ms', doc: 'FIXED_DELAY: delay from the end of a run to the next fire; 0 for other schedules' },
  // Written by sync-job.lua itself.
  enabled: { type: 'flag', doc: '"1" when the job fires on its schedule ("0": stopped or paused)' },
  plan: { type: 'json', doc: 'schedule + misfire settings (planJson), what the scheduler plans fires from' },
  planVersion: { type: 'int', doc: 'bumped when the plan changes: claims of an older plan are stale (not the definition version)' },
  layout: { type: 'int', doc: 'JOB_LAYOUT the hash was written with' },
  // Scheduling state, written by the scripts.
  nextFireAt: { type: 'epochMs', doc: 'the true next fire; absent = none (the ZSET score may be a claim lease)' },
  claimedFor: { type: 'epochMs', doc: 'the fire (nextFireAt) whose first claim claimLate measured' },
  claimLate: { type: 'ms', doc: 'lateness at the first claim of claimedFor (negative = claimed ahead of time)' },
  claimedBy: { type: 'string', doc: 'admin that claimed the fire last (its claims are taken over when its liveness lapses)' },
  lastFire: { type: 'epochMs', doc: 'the last scheduled fire committed' },
  lastManual: { type: 'epochMs', doc: 'scheduledAt of the last manual, API or child trigger' },
  runs: { type: 'int', doc: 'scheduled fires that made a run so far (counts towards maxRuns)' },
  skipNext: { type: 'int', doc: 'scheduled fires still to skip (skip-next)' },
  delayWait: { type: 'int', doc: 'FIXED_DELAY: outcomes of the current fire still to end before the next fire is planned' },
  rr: { type: 'int', doc: 'ROUND_ROBIN counter' },
} as const satisfies Record<string, FieldDecl>;

/** The job fields the admin writes from a definition (sync-job's field/value pairs). */
export const JOB_DEFINITION_FIELDS = [
  'handler', 'params', 'routing', 'overlap', 'timeoutMs', 'script', 'hasChildren', 'retryCount', 'retryBackoff',
  'retryDelay', 'retryMaxDelay', 'retryJitter', 'maxRuns', 'endAt', 'delayMs',
] as const satisfies readonly (keyof typeof JOB_FIELDS)[];

/** A queued or running task: `APP_KEYS.task`. */
export const TASK_FIELDS = {
  // What runs: made with the task, copied from the job and the fire.
  id: { type: 'string', doc: 'task id `<jobId>-<ulid>`, `-s<i>` per shard, `-a<n>` per retry' },
  jobId: { type: 'int', doc: 'the job' },
  handler: { type: 'string', doc: 'handler name (copied from the job when the task was made)' },
  params: { type: 'string', doc: 'raw params of this task' },
  scheduledAt: { type: 'epochMs', doc: 'the planned fire instant' },
  attempt: { type: 'int', doc: '1 for the first attempt' },
  triggerType: { type: 'string', doc: 'why the task exists (TriggerType)' },
  shardIndex: { type: 'int', doc: 'shard of a SHARDING_BROADCAST fire (0 otherwise)' },
  shardTotal: { type: 'int', doc: 'shards of the fire (1 otherwise)' },
  // ... how it runs and what its end sets off ...
  timeoutMs: { type: 'ms', doc: 'handler timeout; 0 = none' },
  fixedDelay: { type: 'flag', doc: "a scheduled fire of a FIXED_DELAY job: the end of its run plans the job's next fire" },
  script: { type: 'json', doc: 'script (GLUE) task: {language, source, version}; absent for a handler task' },
  hasChildren: { type: 'flag', doc: 'the job had child jobs when the task was made' },
  // Where it is: queued, running, waiting for a retry or held back by the overlap policy.
  status: { type: 'string', doc: 'QUEUED | RUNNING (RUNNING from the pull on; with `ackBy` it is delivered, not yet started)' },
  target: { type: 'string', doc: 'worker whose queue holds the task; "" = the shared queue' },
  workerId: { type: 'string', doc: 'worker running the task (set at pull)' },
  createdAt: { type: 'epochMs', doc: 'when the task was made' },
  startedAt: { type: 'epochMs', doc: 'when a worker pulled it' },
  ackBy: { type: 'epochMs', doc: 'delivered to `workerId`, not yet acknowledged: back to its queue at this time unless the worker acknowledges it (ack, heartbeat or result); "" once acknowledged' },
  waitingSince: { type: 'epochMs', doc: 'queued on the shared queue while the app had no live worker: waits for one since then (ends NO_WORKER past the no-worker grace)' },
  retryAt: { type: 'epochMs', doc: 'a retry waiting for its delay: when it is routed' },
  buffered: { type: 'flag', doc: 'a fire held back by the overlap policy until the running one ends' },
  progress: { type: 'number', doc: 'latest progress 0..100 the worker reported' },
} as const satisfies Record<string, FieldDecl>;

/** A worker's facts: `APP_KEYS.worker`. */
export const WORKER_FIELDS = {
  workerId: { type: 'string', doc: 'the worker' },
  concurrency: { type: 'int', doc: 'most tasks it runs at once (pull never hands out more)' },
  handlers: { type: 'json', doc: 'handler names it serves (JSON array)' },
  host: { type: 'string', doc: 'host name it reported' },
  pid: { type: 'int', doc: 'process id it reported' },
  adminId: { type: 'string', doc: 'admin its connection is on' },
  conn: { type: 'string', doc: 'id of its current connection (an offline notice of an older one is ignored)' },
  online: { type: 'flag', doc: '"1" while registered (connected, or disconnected within the reconnect grace), "0" once retired' },
  connectedAt: { type: 'epochMs', doc: 'when it registered' },
  disconnectedAt: { type: 'epochMs', doc: 'when its connection closed with no newer one; "" while connected' },
  lastHeartbeat: { type: 'epochMs', doc: 'its last heartbeat' },
  running: { type: 'int', doc: 'tasks it runs, as of its last heartbeat' },
  free: { type: 'int', doc: 'free slots it reported' },
  clockOffset: { type: 'ms', doc: 'the cluster clock minus its wall clock, as it measured and sent with its last heartbeat; "" when it sent none' },
} as const satisfies Record<string, FieldDecl>;

/** The declarations of some task fields, in the order named. */
function taskFields<K extends keyof typeof TASK_FIELDS>(...names: K[]): Pick<typeof TASK_FIELDS, K> {
  return Object.fromEntries(names.map((n) => [n, TASK_FIELDS[n]])) as Pick<typeof TASK_FIELDS, K>;
}

/**
 * A final record: the JSON in the `r` field of a finals STREAM entry, written atomically with
 * the end of a task (`lua/include/lifecycle.lua`) and read by the final writer. It carries the
 * task's own fields (`workerId` and `startedAt` are "" when no worker ran it) and the outcome.
 */
export const FINAL_FIELDS = {
  ...taskFields('id', 'jobId', 'handler', 'params', 'scheduledAt', 'attempt', 'triggerType', 'shardIndex', 'shardTotal', 'workerId', 'startedAt'),
  finishedAt: { type: 'epochMs', doc: 'end' },
  status: { type: 'string', doc: 'final TaskStatus' },
  result: { type: 'string', doc: "the handler's output" },
  error: { type: 'string', doc: 'error text' },
  hasLog: { type: 'int', doc: '1 when the task has a live log list to persist with the record (a JSON number)' },
  retryTaskId: { type: 'string', doc: 'id of the retry queued after this attempt; "" when this attempt is final' },
  ...taskFields('hasChildren'),
} as const satisfies Record<string, FieldDecl>;

/** The one field of a finals STREAM entry: the final record as JSON. */
export const FINALS_ENTRY = { record: 'r' } as const;

/** A fire claimed by claim-due.lua (a row of its `fires`). */
export const CLAIMED_FIRE_FIELDS = {
  jobId: { type: 'int', doc: 'the job' },
  scheduledAt: { type: 'epochMs', doc: "the fire: the job's nextFireAt when claimed" },
  planVersion: { type: 'int', doc: 'plan version the claim saw; the commit is stale when it changed' },
  lateMs: { type: 'ms', doc: 'lateness at the first claim of this fire' },
  plan: { type: 'json', doc: "the job's plan (planJson)" },
} as const satisfies Record<string, FieldDecl>;

/** The task fields pull-tasks.lua hands to a worker (a row of its `tasks`). */
export const PULLED_TASK_FIELDS = [
  'id', 'jobId', 'handler', 'params', 'scheduledAt', 'attempt', 'triggerType', 'shardIndex', 'shardTotal', 'timeoutMs', 'script',
] as const satisfies readonly (keyof typeof TASK_FIELDS)[];

/**
 * Field names of the previous layout, read for one version only: task hashes still in flight and
 * final records still in the stream when an admin of this version starts (job hashes are
 * rewritten at start instead). Old name → current name. Remove with the next layout.
 */
export const LEGACY_FIELDS = {
  job: { next: 'nextFireAt', ver: 'planVersion', fires: 'runs', kids: 'hasChildren' },
  task: { trigger: 'triggerType', worker: 'workerId', chain: 'fixedDelay', kids: 'hasChildren' },
  final: { trigger: 'triggerType', worker: 'workerId', kids: 'hasChildren' },
} as const satisfies {
  job: Record<string, keyof typeof JOB_FIELDS>;
  task: Record<string, keyof typeof TASK_FIELDS>;
  final: Record<string, keyof typeof FINAL_FIELDS>;
};

/** Job hash fields of the previous layout that are gone: deleted when sync-job rewrites a hash. */
export const DROPPED_JOB_FIELDS = ['app', 'defVersion', 'bufMax'] as const;

type Names<T> = { readonly [K in keyof T]: K };
function names<T extends object>(decl: T): Names<T> {
  return Object.fromEntries(Object.keys(decl).map((k) => [k, k])) as unknown as Names<T>;
}

/** Field names by hash, for code: `F.task.workerId` is `'workerId'` (the Lua side has the same `F`). */
export const F = {
  job: names(JOB_FIELDS),
  task: names(TASK_FIELDS),
  worker: names(WORKER_FIELDS),
  final: names(FINAL_FIELDS),
  claimedFire: names(CLAIMED_FIRE_FIELDS),
} as const;

export type JobField = keyof typeof JOB_FIELDS;
export type TaskField = keyof typeof TASK_FIELDS;
export type WorkerField = keyof typeof WORKER_FIELDS;
export type FinalField = keyof typeof FINAL_FIELDS;
export type JobDefinitionField = (typeof JOB_DEFINITION_FIELDS)[number];

/** What sync-job.lua writes from a definition. */
export type JobDefinition = Record<JobDefinitionField, string | number>;
/** A hash as HGETALL returns it (fields may be missing). */
export type HashOf<Field extends string> = Partial<Record<Field, string>>;
/**
 * A final record as the finals STREAM holds it (numbers arrive as strings, `hasLog` as a number;
 * records older than retries and child jobs lack `retryTaskId` and `hasChildren`).
 */
export type FinalRecordFields = Omit<Record<FinalField, string>, 'hasLog' | 'retryTaskId' | 'hasChildren'> & {
  hasLog: number;
  retryTaskId?: string;
  hasChildren?: string;
};
/** A row of claim-due.lua's reply. */
export type ClaimedFireRow = Record<keyof typeof CLAIMED_FIRE_FIELDS, string>;
/** A row of pull-tasks.lua's reply (missing fields left out). */
export type PulledTaskRow = Partial<Record<(typeof PULLED_TASK_FIELDS)[number], string>> & { id: string };

/**
 * A hash or record read in the current names: a field missing under its current name takes its
 * value under the previous layout's name (`LEGACY_FIELDS`), for the one version that reads both.
 */
export function withLegacyNames<T extends Record<string, unknown>>(h: T, legacy: Readonly<Record<string, string>>): T {
  const out: Record<string, unknown> = { ...h };
  for (const [old, current] of Object.entries(legacy)) {
    if (out[current] === undefined && out[old] !== undefined) out[current] = out[old];
  }
  return out as T;
}
