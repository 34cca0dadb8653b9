import { z } from 'zod';

/** `host:port[,host:port…]`. */
const HOST_PORTS = /^[A-Za-z0-9.\-[\]:]+:[0-9]{1,5}( *, *[A-Za-z0-9.\-[\]:]+:[0-9]{1,5})*$/;

const int = (def: number, min = 0) => z.coerce.number().int().min(min).default(def);

/** Every setting of the admin, its default and its check. Read once in {@link loadConfig}. */
export const configSchema = z.object({
  OASIS_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  OASIS_HOST: z.string().min(1).default('0.0.0.0'),
  /** Unset: use redis://127.0.0.1:6379 if it answers, else start a private redis-server child. */
  OASIS_REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must start with redis:// or rediss://')
    .optional(),
  /**
   * A Redis Cluster instead of one server: comma-separated `host:port` seed nodes (the rest are
   * discovered). Excludes OASIS_REDIS_URL and OASIS_REDIS_SENTINELS.
   */
  OASIS_REDIS_CLUSTER_NODES: z.string().regex(HOST_PORTS, 'comma-separated host:port').optional(),
  /** A Sentinel-managed primary instead of one server: comma-separated `host:port` of the sentinels; needs OASIS_REDIS_SENTINEL_NAME. */
  OASIS_REDIS_SENTINELS: z.string().regex(HOST_PORTS, 'comma-separated host:port').optional(),
  /** The master name the sentinels monitor (`sentinel monitor <name> …`). */
  OASIS_REDIS_SENTINEL_NAME: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits and . _ - only').optional(),
  /** Password of the Redis nodes (AUTH) with OASIS_REDIS_CLUSTER_NODES or OASIS_REDIS_SENTINELS; with OASIS_REDIS_URL put it in the URL. */
  OASIS_REDIS_PASSWORD: z.string().min(1).max(512).optional(),
  OASIS_REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_\-.]{1,64}$/, 'letters, digits and : _ - . only (1-64 chars)')
    .default('oasis:'),
  /** `mysql://user:pass@host:port/db`, or `sqlite:path` (`sqlite::memory:`); unset: sqlite:data/oasis.sqlite. */
  OASIS_DATABASE_URL: z
    .string()
    .regex(/^(mysql|mariadb):\/\/.+|^sqlite:.+/, 'must be mysql://… or sqlite:…')
    .optional(),
  /**
   * Read replicas of a MySQL OASIS_DATABASE_URL: comma-separated `mysql://…` URLs. Reads that may
   * lag (logs lists, reports, the dashboard's lists) go to them; writes and reads of one's own
   * writes stay on the primary.
   */
  OASIS_DATABASE_REPLICA_URLS: z
    .string()
    .regex(/^(mysql|mariadb):\/\/[^,\s]+(,(mysql|mariadb):\/\/[^,\s]+)*$/, 'comma-separated mysql://… URLs')
    .optional(),
  OASIS_ADMIN_PASSWORD: z.string().min(8, 'must be at least 8 characters').optional(),
  OASIS_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** How far ahead the scheduler claims due fires and arms local timers. */
  OASIS_LOOKAHEAD_MS: int(1000, 50),
  /** How long a claimed fire stays with its claimer before another admin may take it. */
  OASIS_CLAIM_LEASE_MS: int(5000, 500),
  /** Lease of a running task, renewed by worker heartbeats; past it the task is LOST. */
  OASIS_TASK_LEASE_MS: int(30000, 1000),
  /** Heartbeat interval asked of workers. */
  OASIS_HEARTBEAT_MS: int(5000, 100),
  /** A worker silent for this long is offline: its queued tasks are re-routed. */
  OASIS_WORKER_TTL_MS: int(15000, 300),
  /** Default lateness beyond which a fire counts as misfired. */
  OASIS_MISFIRE_THRESHOLD_MS: int(10000, 0),
  /** FIRE_ALL catches up at most this many missed fires; more is refused (skipped, alarm). */
  OASIS_MISFIRE_CATCHUP_MAX: int(100, 1),
  /** How long an API bearer token lives. */
  OASIS_SESSION_TTL_MS: int(12 * 3600 * 1000, 60000),
  /** Sign-in attempts allowed per user (any address) within the window, and five times as many per client address; then 429. */
  OASIS_LOGIN_MAX_FAILURES: int(10, 1),
  /** Window of the sign-in limit; it starts at the first failure. */
  OASIS_LOGIN_WINDOW_MS: int(15 * 60 * 1000, 1000),
  /** Largest accepted job params, in bytes. */
  OASIS_MAX_PARAMS_BYTES: int(64 * 1024, 1),
  /** Log lines kept per task; past it one note line says the log was capped. */
  OASIS_MAX_LOG_LINES: int(5000, 10),
  /** Parallel loops writing final records to the database (each takes its own batches). */
  OASIS_WRITERS: z.coerce.number().int().min(1).max(16).default(2),
  /** Final records a dead admin's writer had read but not written are taken over after this idle time. */
  OASIS_WRITER_TAKEOVER_MS: int(30000, 100),
  /** Grace after a task's timeout before the admin's watchdog ends it TIMEOUT itself (the worker normally reports first). */
  OASIS_TIMEOUT_GRACE_MS: int(5000, 0),
  /** Most fires an overlap BUFFER_ALL job keeps waiting; more are DISCARDED. */
  OASIS_OVERLAP_BUFFER_MAX: int(1000, 1),
  /** Sweep interval of the maintenance leader (lease reaper, worker reaper). */
  OASIS_SWEEP_MS: int(1000, 50),
  /** A fire whose app has no live worker waits queued this long for one before it ends NO_WORKER; 0 = at once (XXL-JOB's behaviour). */
  OASIS_NO_WORKER_GRACE_MS: int(30000, 0),
  /** A pulled task its worker has not acknowledged within this time goes back to its queue (it never started). */
  OASIS_DELIVERY_ACK_MS: int(3000, 100),
  /** A worker whose connection closed and did not come back (to any admin) within this time is retired: its running tasks end LOST. */
  OASIS_WORKER_RECONNECT_GRACE_MS: int(5000, 0),
  /** Each admin renews a liveness key this often; fires claimed by an admin whose key lapsed (3 × this) are taken over at once. */
  OASIS_ADMIN_LIVENESS_MS: int(500, 50),
  /**
   * What this admin does: comma-separated roles of `scheduler` (claims and commits fires, the
   * maintenance sweeps), `dispatch` (the /worker channel: pulls, acks, results), `writer` (final
   * records to the database, alarms, child jobs) and `api` (REST, dashboard, /ui live channel),
   * or `all` (the default). `/healthz` is served by every admin.
   */
  OASIS_ROLES: z.string().regex(/^[a-z]+( *, *[a-z]+)*$/, 'comma-separated roles: scheduler, dispatch, writer, api, or all').default('all'),
  /** Requests one user may make to the heavy read endpoints (logs, a log's text, jobs list, reports) per window; past it 429 with Retry-After. */
  OASIS_API_HEAVY_LIMIT: int(50, 1),
  /** Window of OASIS_API_HEAVY_LIMIT. */
  OASIS_API_HEAVY_WINDOW_MS: int(1000, 100),
  /** Heavy reads one admin runs at once (the others wait their turn; 0 = no bound): how much of the event loop readers may take from firing. */
  OASIS_API_HEAVY_CONCURRENCY: int(4, 0),
  /** Statement timeout of the API's expensive database reads (list and count queries); past it 503. */
  OASIS_DB_READ_TIMEOUT_MS: int(5000, 100),
  /** A dashboard live-channel socket with more than this many bytes waiting to be written is disconnected (a slow consumer is shed, not buffered for). */
  OASIS_UI_MAX_BUFFER_BYTES: int(1024 * 1024, 1024),
  /** Each admin re-measures its offset to the Redis server's clock (the cluster's one clock) this often. */
  OASIS_CLOCK_SYNC_MS: int(2000, 100),
  /** A clock measurement whose best `TIME` round trip is longer is refused (the offset is right within half the round trip). */
  OASIS_CLOCK_MAX_RTT_MS: int(100, 1),
  /** An admin without an accepted clock measurement for this long stops claiming fires and sweeping until it has one. */
  OASIS_CLOCK_STALE_MS: int(30000, 1000),
  /** A measured clock offset that changes by more than this is logged (a wall-clock step, drift). */
  OASIS_CLOCK_LOG_MS: int(25, 1),
  /** Most time a database query of the final writers, health checks and reconciliation may take before it is abandoned. */
  OASIS_DB_QUERY_TIMEOUT_MS: int(10000, 100),
  /** Alarm emails go through this SMTP server, `smtp://user:pass@host:587` or `smtps://…`; unset: no emails. */
  OASIS_SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\/[^\s]+$/, 'must be smtp://… or smtps://…')
    .optional(),
  /** Sender of alarm emails, e.g. `Oasis <oasis@example.com>`; required with OASIS_SMTP_URL. */
  OASIS_SMTP_FROM: z.string().min(3).max(254).optional(),
  /** Time limit of one alarm webhook POST. */
  OASIS_ALARM_WEBHOOK_TIMEOUT_MS: int(5000, 100),
  /** Tries of one alarm delivery (webhook POST or email) before it is given up and logged. */
  OASIS_ALARM_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(3),
  /** Wait before the second try of an alarm delivery; doubles at each further try. */
  OASIS_ALARM_RETRY_MS: int(1000, 1),
  /**
   * Webhook destinations allowed although they resolve to a loopback, link-local, private or
   * unique-local address (denied by default): comma-separated host names and CIDRs/addresses,
   * e.g. `hooks.internal,10.20.0.0/16,::1`.
   */
  OASIS_WEBHOOK_ALLOW: z.string().max(4096).optional(),
  /**
   * Express `trust proxy`: `false` (default: the peer is the client), `true` (trust every hop),
   * a number of hops, or comma-separated addresses/CIDRs/`loopback`/`linklocal`/`uniquelocal`
   * of the proxies to trust. Decides `req.ip` (rate limits, audit) and `req.secure` (cookies).
   */
  OASIS_TRUST_PROXY: z
    .string()
    .regex(/^(true|false|[0-9]{1,2}|[A-Za-z0-9.:/, _-]{1,1024})$/, 'true, false, a hop count or a list of addresses/CIDRs')
    .default('false'),
  /** `Secure` flag of the session cookie: `auto` (when the request came over HTTPS, see OASIS_TRUST_PROXY), `true` or `false`. */
  OASIS_COOKIE_SECURE: z.enum(['auto', 'true', 'false']).default('auto'),
});

/** A `host:port` of a Redis node or sentinel. */
export interface HostPort {
  host: string;
  port: number;
}

/** Where the admin's Redis is (OASIS_REDIS_URL / _CLUSTER_NODES / _SENTINELS). */
export type RedisTopology =
  | { kind: 'single'; url: string | undefined }
  | { kind: 'cluster'; nodes: readonly HostPort[]; password: string | undefined }
  | { kind: 'sentinel'; sentinels: readonly HostPort[]; name: string; password: string | undefined };

/** What an admin does (OASIS_ROLES). */
export const ADMIN_ROLES = ['scheduler', 'dispatch', 'writer', 'api'] as const;
export type AdminRole = (typeof ADMIN_ROLES)[number];

export type OasisConfig = Readonly<{
  port: number;
  host: string;
  redisUrl: string | undefined;
  /** Where Redis is: one server (redisUrl, or the embedded default), a cluster or a Sentinel-managed primary. */
  redis: RedisTopology;
  redisPrefix: string;
  databaseUrl: string;
  /** Read replicas of a MySQL databaseUrl (OASIS_DATABASE_REPLICA_URLS); empty = none. */
  databaseReplicaUrls: readonly string[];
  adminPassword: string | undefined;
  logLevel: z.infer<typeof configSchema>['OASIS_LOG_LEVEL'];
  lookaheadMs: number;
  claimLeaseMs: number;
  taskLeaseMs: number;
  heartbeatMs: number;
  workerTtlMs: number;
  misfireThresholdMs: number;
  misfireCatchupMax: number;
  sessionTtlMs: number;
  loginMaxFailures: number;
  loginWindowMs: number;
  maxParamsBytes: number;
  maxLogLines: number;
  sweepMs: number;
  noWorkerGraceMs: number;
  deliveryAckMs: number;
  workerReconnectGraceMs: number;
  adminLivenessMs: number;
  dbQueryTimeoutMs: number;
  /** The roles of OASIS_ROLES, each once (`all` expanded). */
  roles: readonly AdminRole[];
  apiHeavyLimit: number;
  apiHeavyWindowMs: number;
  apiHeavyConcurrency: number;
  dbReadTimeoutMs: number;
  uiMaxBufferBytes: number;
  clockSyncMs: number;
  clockMaxRttMs: number;
  clockStaleMs: number;
  clockLogMs: number;
  timeoutGraceMs: number;
  overlapBufferMax: number;
  writerTakeoverMs: number;
  writers: number;
  smtpUrl: string | undefined;
  smtpFrom: string | undefined;
  alarmWebhookTimeoutMs: number;
  alarmAttempts: number;
  alarmRetryMs: number;
  /** Hosts and CIDRs webhooks may reach although private (see OASIS_WEBHOOK_ALLOW); empty: none. */
  webhookAllow: readonly string[];
  /** Express `trust proxy` setting. */
  trustProxy: boolean | number | readonly string[];
  cookieSecure: 'auto' | 'true' | 'false';
}>;
