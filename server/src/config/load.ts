import { WebhookDestinationPolicy } from '../results/alarms/webhook-destination.js';
import { ADMIN_ROLES, configSchema, type AdminRole, type HostPort, type OasisConfig, type RedisTopology } from './schema.js';

/** Thrown when the environment holds bad settings; lists every problem at once. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Reads the admin's settings from `env` (default: `process.env`), validates them all at once and
 * returns a frozen object. The only place in the admin that reads the environment.
 * @throws {ConfigError} listing every bad value.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): OasisConfig {
  const raw: Record<string, string> = {};
  for (const key of Object.keys(configSchema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const c = parsed.data;
  const problems: string[] = [];
  if (c.OASIS_CLAIM_LEASE_MS <= c.OASIS_LOOKAHEAD_MS) {
    problems.push('OASIS_CLAIM_LEASE_MS: must be greater than OASIS_LOOKAHEAD_MS');
  }
  if (c.OASIS_TASK_LEASE_MS <= c.OASIS_HEARTBEAT_MS) {
    problems.push('OASIS_TASK_LEASE_MS: must be greater than OASIS_HEARTBEAT_MS');
  }
  if (c.OASIS_SMTP_URL && !c.OASIS_SMTP_FROM) {
    problems.push('OASIS_SMTP_FROM: required when OASIS_SMTP_URL is set');
  }
  try {
    // Parsed here too, so a bad entry is reported with every other problem at start.
    new WebhookDestinationPolicy(list(c.OASIS_WEBHOOK_ALLOW));
  } catch (err) {
    problems.push((err as Error).message);
  }
  const roles = rolesOf(c.OASIS_ROLES, problems);
  const redis = redisOf(c, problems);
  if (c.OASIS_DATABASE_REPLICA_URLS && !/^(mysql|mariadb):/.test(c.OASIS_DATABASE_URL ?? '')) {
    problems.push('OASIS_DATABASE_REPLICA_URLS: needs a mysql:// OASIS_DATABASE_URL (its primary)');
  }
  if (problems.length) throw new ConfigError(problems);
  return Object.freeze({
    port: c.OASIS_PORT,
    host: c.OASIS_HOST,
    redisUrl: c.OASIS_REDIS_URL,
    redis,
    redisPrefix: c.OASIS_REDIS_PREFIX,
    databaseUrl: c.OASIS_DATABASE_URL ?? 'sqlite:data/oasis.sqlite',
    databaseReplicaUrls: Object.freeze(list(c.OASIS_DATABASE_REPLICA_URLS)),
    adminPassword: c.OASIS_ADMIN_PASSWORD,
    logLevel: c.OASIS_LOG_LEVEL,
    lookaheadMs: c.OASIS_LOOKAHEAD_MS,
    claimLeaseMs: c.OASIS_CLAIM_LEASE_MS,
    taskLeaseMs: c.OASIS_TASK_LEASE_MS,
    heartbeatMs: c.OASIS_HEARTBEAT_MS,
    workerTtlMs: c.OASIS_WORKER_TTL_MS,
    misfireThresholdMs: c.OASIS_MISFIRE_THRESHOLD_MS,
    misfireCatchupMax: c.OASIS_MISFIRE_CATCHUP_MAX,
    sessionTtlMs: c.OASIS_SESSION_TTL_MS,
    loginMaxFailures: c.OASIS_LOGIN_MAX_FAILURES,
    loginWindowMs: c.OASIS_LOGIN_WINDOW_MS,
    maxParamsBytes: c.OASIS_MAX_PARAMS_BYTES,
    maxLogLines: c.OASIS_MAX_LOG_LINES,
    sweepMs: c.OASIS_SWEEP_MS,
    noWorkerGraceMs: c.OASIS_NO_WORKER_GRACE_MS,
    deliveryAckMs: c.OASIS_DELIVERY_ACK_MS,
    workerReconnectGraceMs: c.OASIS_WORKER_RECONNECT_GRACE_MS,
    adminLivenessMs: c.OASIS_ADMIN_LIVENESS_MS,
    dbQueryTimeoutMs: c.OASIS_DB_QUERY_TIMEOUT_MS,
    roles,
    apiHeavyLimit: c.OASIS_API_HEAVY_LIMIT,
    apiHeavyWindowMs: c.OASIS_API_HEAVY_WINDOW_MS,
    apiHeavyConcurrency: c.OASIS_API_HEAVY_CONCURRENCY,
    dbReadTimeoutMs: c.OASIS_DB_READ_TIMEOUT_MS,
    uiMaxBufferBytes: c.OASIS_UI_MAX_BUFFER_BYTES,
    clockSyncMs: c.OASIS_CLOCK_SYNC_MS,
    clockMaxRttMs: c.OASIS_CLOCK_MAX_RTT_MS,
    clockStaleMs: c.OASIS_CLOCK_STALE_MS,
    clockLogMs: c.OASIS_CLOCK_LOG_MS,
    timeoutGraceMs: c.OASIS_TIMEOUT_GRACE_MS,
    overlapBufferMax: c.OASIS_OVERLAP_BUFFER_MAX,
    writerTakeoverMs: c.OASIS_WRITER_TAKEOVER_MS,
    writers: c.OASIS_WRITERS,
    smtpUrl: c.OASIS_SMTP_URL,
    smtpFrom: c.OASIS_SMTP_FROM,
    alarmWebhookTimeoutMs: c.OASIS_ALARM_WEBHOOK_TIMEOUT_MS,
    alarmAttempts: c.OASIS_ALARM_ATTEMPTS,
    alarmRetryMs: c.OASIS_ALARM_RETRY_MS,
    webhookAllow: Object.freeze(list(c.OASIS_WEBHOOK_ALLOW)),
    trustProxy: trustProxyOf(c.OASIS_TRUST_PROXY),
    cookieSecure: c.OASIS_COOKIE_SECURE,
  });
}

/** OASIS_ROLES as a list of known roles, each once; an unknown one is a problem. */
function rolesOf(value: string, problems: string[]): readonly AdminRole[] {
  const names = list(value);
  if (names.length === 1 && names[0] === 'all') return Object.freeze([...ADMIN_ROLES]);
  const unknown = names.filter((n) => !(ADMIN_ROLES as readonly string[]).includes(n));
  if (unknown.length) problems.push(`OASIS_ROLES: unknown role ${unknown.join(', ')} (use ${ADMIN_ROLES.join(', ')}, or all)`);
  return Object.freeze(ADMIN_ROLES.filter((r) => names.includes(r)));
}

type Parsed = ReturnType<typeof configSchema.parse>;

/** `host:port` → its parts (an IPv6 host in brackets loses them). */
function hostPort(s: string): HostPort {
  const i = s.lastIndexOf(':');
  return { host: s.slice(0, i).replace(/^\[(.*)\]$/, '$1'), port: Number(s.slice(i + 1)) };
}

/** Which Redis: at most one of OASIS_REDIS_URL, _CLUSTER_NODES and _SENTINELS (+ _SENTINEL_NAME). */
function redisOf(c: Parsed, problems: string[]): RedisTopology {
  const set = [c.OASIS_REDIS_URL && 'OASIS_REDIS_URL', c.OASIS_REDIS_CLUSTER_NODES && 'OASIS_REDIS_CLUSTER_NODES', c.OASIS_REDIS_SENTINELS && 'OASIS_REDIS_SENTINELS'].filter(Boolean);
  if (set.length > 1) problems.push(`${set.join(', ')}: set only one of them`);
  if (c.OASIS_REDIS_SENTINELS && !c.OASIS_REDIS_SENTINEL_NAME) problems.push('OASIS_REDIS_SENTINEL_NAME: required with OASIS_REDIS_SENTINELS');
  if (c.OASIS_REDIS_PASSWORD && c.OASIS_REDIS_URL) problems.push('OASIS_REDIS_PASSWORD: put the password in OASIS_REDIS_URL instead');
  for (const [name, v] of [['OASIS_REDIS_CLUSTER_NODES', c.OASIS_REDIS_CLUSTER_NODES], ['OASIS_REDIS_SENTINELS', c.OASIS_REDIS_SENTINELS]] as const) {
    for (const hp of list(v).map(hostPort)) if (hp.port < 1 || hp.port > 65535) problems.push(`${name}: port ${hp.port} out of range`);
  }
  if (c.OASIS_REDIS_CLUSTER_NODES) return { kind: 'cluster', nodes: Object.freeze(list(c.OASIS_REDIS_CLUSTER_NODES).map(hostPort)), password: c.OASIS_REDIS_PASSWORD };
  if (c.OASIS_REDIS_SENTINELS) {
    return { kind: 'sentinel', sentinels: Object.freeze(list(c.OASIS_REDIS_SENTINELS).map(hostPort)), name: c.OASIS_REDIS_SENTINEL_NAME ?? '', password: c.OASIS_REDIS_PASSWORD };
  }
  return { kind: 'single', url: c.OASIS_REDIS_URL };
}

/** A comma-separated list, trimmed, empty items dropped. */
function list(value: string | undefined): string[] {
  return (value ?? '').split(',').map((v) => v.trim()).filter(Boolean);
}

/** `OASIS_TRUST_PROXY` as Express takes it: a boolean, a hop count or a list of addresses. */
function trustProxyOf(value: string): boolean | number | readonly string[] {
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (/^[0-9]{1,2}$/.test(value)) return Number(value);
  return Object.freeze(list(value));
}
