/**
 * The dashboard's one door to the admin's REST API (`/api/v1`, same origin).
 *
 * The session is the admin's httpOnly cookie (set by `POST /auth/login`): the page never sees the
 * token. Every change sends the `X-Oasis-CSRF` header the admin requires with cookie sessions.
 * Failures become an {@link ApiError} whose message can be shown as is. When the admin answers
 * 401, {@link SESSION_ENDED_EVENT} is dispatched on `window` so the shell shows the login form.
 */

const API_BASE = '/api/v1';

/** Dispatched on `window` when the admin refuses the session (expired or revoked). */
export const SESSION_ENDED_EVENT = 'oasis-session-ended';

export type Role = 'ADMIN' | 'OPERATOR' | 'VIEWER';
export interface Me {
  id: number;
  username: string;
  role: Role;
  apps: string[];
  /** Apps where this user may write script jobs (an OPERATOR's grant; empty for ADMIN, who may everywhere). */
  scriptApps: string[];
}
export interface AppSummary {
  id: number;
  name: string;
  title: string;
  createdAt: number;
}
export type JobSchedule =
  | { type: 'CRON'; cron: string; timezone?: string; startAt?: number; endAt?: number; maxRuns?: number }
  | { type: 'FIXED_RATE'; everyMs: number; startAt?: number; endAt?: number; maxRuns?: number }
  | { type: 'FIXED_DELAY'; delayMs: number; startAt?: number; endAt?: number; maxRuns?: number }
  | { type: 'ONCE'; at: number }
  | { type: 'NONE' };
export interface Job {
  id: number;
  app: string;
  name: string;
  handler: string;
  params: string;
  schedule: JobSchedule;
  enabled: boolean;
  paused?: boolean;
  pauseNote?: string | null;
  routing?: string;
  overlap?: string;
  timeoutMs?: number;
  misfire?: { policy: string; thresholdMs: number };
  retry?: { count?: number; backoff?: string; delayMs?: number; maxDelayMs?: number; jitter?: number };
  childJobIds?: number[];
  childOptions?: { onFailure?: boolean; passResult?: boolean };
  alarm?: { emails?: string[]; webhooks?: string[] };
  script?: { language: string; source: string } | null;
  nextFireAt: number | null;
  version?: number;
  createdAt?: number;
  updatedAt?: number;
}
export interface LogItem {
  id: string;
  jobId: number;
  app: string;
  handler: string;
  scheduledAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  status: string;
  triggerType: string;
  workerId: string | null;
  attempt: number;
  shardIndex: number;
  shardTotal: number;
  params: string;
  result: string | null;
  error: string | null;
  progress?: number | null;
}
export interface LogText {
  lines: string[];
  from: number;
  next: number;
  /** Another page is there already: ask again from `next`. */
  more: boolean;
  done: boolean;
}
export interface WorkerInfo {
  workerId: string;
  app: string;
  online: boolean;
  concurrency: number;
  running: number;
  free: number;
  handlers: string[];
  lastHeartbeat: number;
  connectedAt: number;
  host: string | null;
  pid: number | null;
}
export interface User {
  id: number;
  username: string;
  role: Role;
  apps: string[];
  /** Apps where the user, as OPERATOR, may write script jobs (a subset of `apps`). */
  scriptApps: string[];
  createdAt: number;
  updatedAt: number;
}
export interface AuditItem {
  id: number;
  at: number;
  username: string;
  action: string;
  targetType: string;
  targetId: string | null;
  app: string | null;
  before: unknown;
  after: unknown;
  ip: string | null;
}
export interface DailyReport {
  days: { day: string; counts: Record<string, number> }[];
}

/** A failed request. `code` is the admin's `OASIS_ERR_…` code, or a local one for network trouble. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Turns any thrown value into one line a person can read. */
export function errorText(err: unknown): string {
  if (err instanceof ApiError) return err.code ? `${err.message} (${err.code})` : err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}

/** `?a=1&b=x` from the defined values. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** One request; resolves with the parsed JSON (null for an empty answer). @throws {ApiError} */
export async function request<T = unknown>(method: Method, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (method !== 'GET') headers['X-Oasis-CSRF'] = '1';
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(API_BASE + path, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'OASIS_DASHBOARD_NETWORK', 'Cannot reach the server');
  }
  const text = await res.text();
  let data: unknown;
  try {
    data = text ? (JSON.parse(text) as unknown) : null;
  } catch {
    data = null;
  }
  if (res.ok) return data as T;
  if (res.status === 401 && path !== '/auth/login') window.dispatchEvent(new CustomEvent(SESSION_ENDED_EVENT));
  if (typeof data === 'object' && data !== null && typeof (data as { message?: unknown }).message === 'string') {
    const d = data as { message: string; code?: unknown };
    throw new ApiError(res.status, typeof d.code === 'string' ? d.code : '', d.message);
  }
  throw new ApiError(res.status, '', `Request failed: HTTP ${res.status} ${res.statusText}`.trim());
}

export const api = {
  login: (username: string, password: string) => request<{ user: Me }>('POST', '/auth/login', { username, password }),
  logout: () => request<null>('POST', '/auth/logout'),
  me: () => request<Me>('GET', '/auth/me'),

  apps: () => request<AppSummary[]>('GET', '/apps'),
  createApp: (name: string, title: string) => request<AppSummary & { token: string }>('POST', '/apps', { name, title }),
  updateApp: (name: string, title: string) => request<AppSummary>('PUT', `/apps/${encodeURIComponent(name)}`, { title }),
  rotateToken: (name: string) => request<AppSummary & { token: string }>('POST', `/apps/${encodeURIComponent(name)}/token`, {}),

  workers: (app?: string) => request<WorkerInfo[]>('GET', `/workers${query({ app })}`),

  jobs: (app?: string) => request<Job[]>('GET', `/jobs${query({ app })}`),
  job: (id: number) => request<Job>('GET', `/jobs/${id}`),
  createJob: (body: Record<string, unknown>) => request<Job>('POST', '/jobs', body),
  updateJob: (id: number, body: Record<string, unknown>) => request<Job>('PUT', `/jobs/${id}`, body),
  deleteJob: (id: number) => request<null>('DELETE', `/jobs/${id}`),
  jobAction: (id: number, action: 'start' | 'stop' | 'resume', body: Record<string, unknown> = {}) =>
    request<Job>('POST', `/jobs/${id}/${action}`, body),
  pauseJob: (id: number, note: string) => request<Job>('POST', `/jobs/${id}/pause`, note ? { note } : {}),
  triggerJob: (id: number, params?: string) => request<{ taskId: string }>('POST', `/jobs/${id}/trigger`, params === undefined ? {} : { params }),
  preview: (schedule: JobSchedule) => request<{ fires: number[] }>('POST', '/schedule/preview', { schedule }),

  logs: (q: { app?: string; jobId?: number; status?: string; limit?: number; offset?: number }) =>
    request<{ items: LogItem[]; total: number }>('GET', `/logs${query(q)}`),
  log: (id: string) => request<LogItem>('GET', `/logs/${encodeURIComponent(id)}`),
  logText: (id: string, from: number) => request<LogText>('GET', `/logs/${encodeURIComponent(id)}/text${query({ from })}`),
  killLog: (id: string) => request<unknown>('POST', `/logs/${encodeURIComponent(id)}/kill`, {}),

  daily: (days: number, app?: string) => request<DailyReport>('GET', `/reports/daily${query({ days, app })}`),

  users: () => request<User[]>('GET', '/users'),
  createUser: (body: { username: string; password: string; role: Role; apps: string[]; scriptApps: string[] }) => request<User>('POST', '/users', body),
  updateUser: (id: number, body: { role?: Role; apps?: string[]; scriptApps?: string[] }) => request<User>('PUT', `/users/${id}`, body),
  deleteUser: (id: number) => request<null>('DELETE', `/users/${id}`),
  setPassword: (id: number, password: string, currentPassword?: string) =>
    request<null>('POST', `/users/${id}/password`, currentPassword ? { password, currentPassword } : { password }),

  audit: (q: { limit?: number; offset?: number; user?: string; target?: string }) =>
    request<{ items: AuditItem[]; total: number }>('GET', `/audit${query(q)}`),
};
