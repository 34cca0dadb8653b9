/**
 * Worker options: the public shape, the defaults (written once here), and one validation pass
 * that reports every problem at once and returns a frozen, fully resolved copy.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { WorkerOptionsError } from './errors.js';
import { completeLogger, consoleLogger, type WorkerLogger } from './logger.js';
import { ScriptEnvMode, scriptEnvProblem, type ScriptEnvOption } from './script-env.js';
import { WORKER_ID_PATTERN } from './contracts/names.js';

/** Options of `new OasisWorker(options)`. */
export interface WorkerOptions {
  /** Admin base URL, e.g. `http://127.0.0.1:8080` (origin only, no path). Give `url` or `urls`. */
  url?: string;
  /**
   * Several admin URLs for failover: the worker moves to the next one (round-robin, so the one it
   * left is tried last) when a connection fails, drops, or its admin stops answering.
   */
  urls?: readonly string[];
  /** App (executor group) name, 1..64 characters. Required. */
  app: string;
  /** The app's worker token. Required. */
  token: string;
  /** Most tasks run at once, 1..10000. Default 4. */
  concurrency?: number;
  /** Unique id of this worker within the app: 1..128 of `A-Z a-z 0-9 _ . : @ -`. Default `${hostname}-${pid}-${random}`. */
  workerId?: string;
  /** Heartbeat interval in ms (100..600000). Default: what the admin's `welcome` says. */
  heartbeatMs?: number;
  /** Safety poll: pull at least this often (ms, 50..60000) even without a `wake`. Default 1000. */
  pollMs?: number;
  /** How long to wait for an admin ack of results (ms, 50..120000). Default 10000. */
  ackTimeoutMs?: number;
  /**
   * How long the admin may take to answer a heartbeat or a pull (ms, 50..120000). Default 2000.
   * {@link MISSED_ANSWERS_LIMIT} misses in a row and the connection is given up: the worker
   * moves to the next admin URL (with one URL: a new socket to it), its tasks still running.
   */
  answerTimeoutMs?: number;
  /** How long one connection attempt may take, up to the admin's `welcome` (ms, 100..120000). Default 3000. */
  connectTimeoutMs?: number;
  /**
   * Heartbeat from a worker thread of its own (a second, heartbeat-only connection), so a handler
   * that blocks the event loop does not make this worker look dead to the admin. Default true;
   * opened only to admins whose `welcome` accepts the `liveness` role.
   */
  livenessThread?: boolean;
  /**
   * How long this worker remembers the fires it ran (ms, 0..3600000; 0 = off). Default 60000. A
   * fire handed out again under a new task within that time (the admin's Redis lost the second
   * its record was in) is not run again: its result is reported for the new task.
   */
  rememberFiresMs?: number;
  /** Most fires remembered (0..10000000); the oldest are forgotten first. Default 20000 (60 s of 333 fires/s; a busier worker remembers less long). */
  rememberFiresMax?: number;
  /** After aborting a task, how long its handler may take to settle before it is reported anyway (ms, 0..600000). Default 3000. */
  killGraceMs?: number;
  /** First reconnect delay (ms, 10..60000). Default 500; doubles per failure, with jitter. */
  reconnectMinMs?: number;
  /** Longest reconnect delay (ms, 10..600000). Default 15000. */
  reconnectMaxMs?: number;
  /** Where the SDK's own diagnostics go. Default: warnings and errors to the console. */
  logger?: Partial<WorkerLogger>;
  /**
   * Run script (GLUE) jobs: tasks that carry a shell / node / python script run it as a child
   * process of this worker. Default false: such tasks fail with a non-retryable error.
   */
  allowScripts?: boolean;
  /** After aborting a script task, how long its process gets between SIGTERM and SIGKILL (ms, 0..600000). Default 5000. */
  scriptKillGraceMs?: number;
  /**
   * The environment script jobs start with (the task variables `OASIS_PARAMS`, `OASIS_TASK_ID`, …
   * are always added). Default `'inherit-without-token'`: this process's environment without
   * `OASIS_TOKEN` and without any variable whose value contains `token`. `'inherit'`: the whole
   * environment, token included. A map: exactly those variables, nothing of this process's.
   */
  scriptEnv?: ScriptEnvOption;
}

/** Options after defaults and validation. Frozen. */
export interface ResolvedWorkerOptions {
  readonly urls: readonly string[];
  readonly app: string;
  readonly token: string;
  readonly concurrency: number;
  readonly workerId: string;
  readonly heartbeatMs: number | undefined;
  readonly pollMs: number;
  readonly ackTimeoutMs: number;
  readonly answerTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly livenessThread: boolean;
  readonly rememberFiresMs: number;
  readonly rememberFiresMax: number;
  readonly killGraceMs: number;
  readonly reconnectMinMs: number;
  readonly reconnectMaxMs: number;
  readonly logger: WorkerLogger;
  readonly allowScripts: boolean;
  readonly scriptKillGraceMs: number;
  readonly scriptEnv: ScriptEnvOption;
}

/** Defaults, in one place. */
export const WORKER_DEFAULTS = Object.freeze({
  concurrency: 4,
  pollMs: 1000,
  ackTimeoutMs: 10_000,
  answerTimeoutMs: 2000,
  connectTimeoutMs: 3000,
  livenessThread: true,
  rememberFiresMs: 60_000,
  rememberFiresMax: 20_000,
  killGraceMs: 3000,
  reconnectMinMs: 500,
  reconnectMaxMs: 15_000,
  allowScripts: false,
  scriptKillGraceMs: 5000,
  scriptEnv: ScriptEnvMode.INHERIT_WITHOUT_TOKEN as ScriptEnvOption,
});

const KNOWN_KEYS: ReadonlySet<string> = new Set([
  'url', 'urls', 'app', 'token', 'concurrency', 'workerId', 'heartbeatMs', 'pollMs',
  'ackTimeoutMs', 'answerTimeoutMs', 'connectTimeoutMs', 'livenessThread', 'rememberFiresMs', 'rememberFiresMax', 'killGraceMs', 'reconnectMinMs', 'reconnectMaxMs', 'logger', 'allowScripts',
  'scriptKillGraceMs', 'scriptEnv',
]);

/**
 * Heartbeats and pulls in a row left unanswered for `answerTimeoutMs` after which a connection
 * is given up (one slow answer is not a dead admin; two are).
 */
export const MISSED_ANSWERS_LIMIT = 2;

const LOGGER_LEVELS = ['debug', 'info', 'warn', 'error'] as const;

/** Default worker id: `${hostname}-${pid}-${6 hex chars}`, the host name cut to fit {@link WORKER_ID_PATTERN}. */
export function defaultWorkerId(): string {
  const host = hostname().replace(/[^A-Za-z0-9_.:@-]/g, '-').slice(0, 100) || 'worker';
  return `${host}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

/**
 * Validates `input`, applies defaults and freezes the result.
 * @throws {WorkerOptionsError} listing every problem found.
 */
export function resolveOptions(input: unknown): ResolvedWorkerOptions {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new WorkerOptionsError(['options: must be an object like { url, app, token }']);
  }
  const o = input as Record<string, unknown>;
  const problems: string[] = [];

  for (const key of Object.keys(o)) {
    if (!KNOWN_KEYS.has(key)) problems.push(`${key}: unknown option`);
  }

  const urls = resolveUrls(o.url, o.urls, problems);
  const app = requireString('app', o.app, 64, problems);
  const token = requireString('token', o.token, 256, problems);
  const concurrency = intInRange('concurrency', o.concurrency, 1, 10_000, problems) ?? WORKER_DEFAULTS.concurrency;
  const heartbeatMs = intInRange('heartbeatMs', o.heartbeatMs, 100, 600_000, problems);
  const pollMs = intInRange('pollMs', o.pollMs, 50, 60_000, problems) ?? WORKER_DEFAULTS.pollMs;
  const ackTimeoutMs = intInRange('ackTimeoutMs', o.ackTimeoutMs, 50, 120_000, problems) ?? WORKER_DEFAULTS.ackTimeoutMs;
  const answerTimeoutMs = intInRange('answerTimeoutMs', o.answerTimeoutMs, 50, 120_000, problems) ?? WORKER_DEFAULTS.answerTimeoutMs;
  const connectTimeoutMs = intInRange('connectTimeoutMs', o.connectTimeoutMs, 100, 120_000, problems) ?? WORKER_DEFAULTS.connectTimeoutMs;
  const livenessThread = booleanOption('livenessThread', o.livenessThread, WORKER_DEFAULTS.livenessThread, problems);
  const rememberFiresMs = intInRange('rememberFiresMs', o.rememberFiresMs, 0, 3_600_000, problems) ?? WORKER_DEFAULTS.rememberFiresMs;
  const rememberFiresMax = intInRange('rememberFiresMax', o.rememberFiresMax, 0, 10_000_000, problems) ?? WORKER_DEFAULTS.rememberFiresMax;
  const killGraceMs = intInRange('killGraceMs', o.killGraceMs, 0, 600_000, problems) ?? WORKER_DEFAULTS.killGraceMs;
  const reconnectMinMs =
    intInRange('reconnectMinMs', o.reconnectMinMs, 10, 60_000, problems) ?? WORKER_DEFAULTS.reconnectMinMs;
  const reconnectMaxMs =
    intInRange('reconnectMaxMs', o.reconnectMaxMs, 10, 600_000, problems) ?? WORKER_DEFAULTS.reconnectMaxMs;
  if (reconnectMaxMs < reconnectMinMs) problems.push('reconnectMaxMs: must be >= reconnectMinMs');
  const scriptKillGraceMs =
    intInRange('scriptKillGraceMs', o.scriptKillGraceMs, 0, 600_000, problems) ?? WORKER_DEFAULTS.scriptKillGraceMs;
  const allowScripts = booleanOption('allowScripts', o.allowScripts, WORKER_DEFAULTS.allowScripts, problems);

  let scriptEnv: ScriptEnvOption = WORKER_DEFAULTS.scriptEnv;
  if (o.scriptEnv !== undefined) {
    const problem = scriptEnvProblem(o.scriptEnv);
    if (problem !== undefined) problems.push(`scriptEnv: ${problem}`);
    // A frozen copy: a later change to the caller's object must not change what scripts get.
    else scriptEnv = typeof o.scriptEnv === 'string' ? (o.scriptEnv as ScriptEnvOption) : Object.freeze({ ...(o.scriptEnv as Record<string, string>) });
  }

  let workerId = defaultWorkerId();
  if (o.workerId !== undefined) {
    if (typeof o.workerId !== 'string' || !WORKER_ID_PATTERN.test(o.workerId)) {
      problems.push('workerId: must be 1..128 characters among letters, digits and _ . : @ -');
    } else {
      workerId = o.workerId;
    }
  }

  let logger = consoleLogger;
  if (o.logger !== undefined) {
    const l = o.logger as Record<string, unknown> | null;
    if (typeof l !== 'object' || l === null || LOGGER_LEVELS.some((lvl) => l[lvl] !== undefined && typeof l[lvl] !== 'function')) {
      problems.push('logger: must be an object with optional debug/info/warn/error functions');
    } else {
      logger = completeLogger(o.logger as Partial<WorkerLogger>);
    }
  }

  if (problems.length > 0) throw new WorkerOptionsError(problems);
  return Object.freeze({
    urls: Object.freeze(urls),
    app,
    token,
    concurrency,
    workerId,
    heartbeatMs,
    pollMs,
    ackTimeoutMs,
    answerTimeoutMs,
    connectTimeoutMs,
    livenessThread,
    rememberFiresMs,
    rememberFiresMax,
    killGraceMs,
    reconnectMinMs,
    reconnectMaxMs,
    logger,
    allowScripts,
    scriptKillGraceMs,
    scriptEnv,
  });
}

function resolveUrls(url: unknown, urls: unknown, problems: string[]): string[] {
  if (url !== undefined && urls !== undefined) {
    problems.push('url/urls: give one of them, not both');
    return [];
  }
  if (url === undefined && urls === undefined) {
    problems.push('url: required (the admin base URL, e.g. http://127.0.0.1:8080), or urls: [...] for failover');
    return [];
  }
  if (url !== undefined) {
    const one = checkUrl('url', url, problems);
    return one === undefined ? [] : [one];
  }
  if (!Array.isArray(urls) || urls.length === 0) {
    problems.push('urls: must be a non-empty array of URL strings');
    return [];
  }
  const out: string[] = [];
  urls.forEach((u: unknown, i) => {
    const checked = checkUrl(`urls[${i}]`, u, problems);
    if (checked !== undefined) out.push(checked);
  });
  return out;
}

/** Returns the URL's origin (no trailing slash) or records a problem. */
function checkUrl(name: string, value: unknown, problems: string[]): string | undefined {
  if (typeof value !== 'string' || value.length === 0) {
    problems.push(`${name}: must be a non-empty URL string`);
    return undefined;
  }
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    problems.push(`${name}: "${value}" is not a valid URL`);
    return undefined;
  }
  if (!['http:', 'https:', 'ws:', 'wss:'].includes(parsed.protocol)) {
    problems.push(`${name}: protocol must be http, https, ws or wss (got ${parsed.protocol})`);
    return undefined;
  }
  if (parsed.pathname !== '/' || parsed.search !== '' || parsed.hash !== '') {
    problems.push(`${name}: give the admin origin only, without a path or query (got "${value}")`);
    return undefined;
  }
  return parsed.origin === 'null' ? value.replace(/\/+$/, '') : parsed.origin;
}

function requireString(name: string, value: unknown, maxLength: number, problems: string[]): string {
  if (typeof value !== 'string' || value.trim().length === 0) {
    problems.push(`${name}: required, a non-empty string`);
    return '';
  }
  if (value.length > maxLength) {
    problems.push(`${name}: at most ${maxLength} characters`);
    return '';
  }
  return value;
}

function booleanOption(name: string, value: unknown, fallback: boolean, problems: string[]): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') {
    problems.push(`${name}: must be true or false (got ${String(value)})`);
    return fallback;
  }
  return value;
}

function intInRange(name: string, value: unknown, min: number, max: number, problems: string[]): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    problems.push(`${name}: must be an integer from ${min} to ${max} (got ${String(value)})`);
    return undefined;
  }
  return value;
}
