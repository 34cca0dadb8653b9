/**
 * The dashboard's one door to the admin's REST API (`/api/v1`, same origin).
 *
 * The session is the admin's httpOnly cookie (set by `POST /auth/login`): the page never sees the
 * token. Every change sends the `X-Oasis-CSRF` header the admin requires with cookie sessions.
 * Failures become an {@link ApiError} whose message can be shown as is. When the admin answers
 * 401, {@link SESSION_ENDED_EVENT} is dispatched on `window` so the shell shows the login form.
 */

import type {
  AppJson,
  AuditJson,
  AuditPage,
  CreatedAppJson,
  CreateJobBody,
  CreateUserBody,
  DailyReportJson,
  JobJson,
  LoginAnswer,
  LogJson,
  LogPage,
  LogText as LogTextJson,
  MeJson,
  PreviewAnswer,
  ScheduleInput,
  TriggerAnswer,
  UpdateJobBody,
  UpdateUserBody,
  UserJson,
  WorkerJson,
} from '@oasis/worker-client/contracts';

const API_BASE = '/api/v1';

/** Dispatched on `window` when the admin refuses the session (expired or revoked). */
export const SESSION_ENDED_EVENT = 'oasis-session-ended';

// Every shape the dashboard sends or reads is the admin's own contract (types only: nothing of
// zod reaches the bundle). The names below are the dashboard's words for them.
export type { Role } from '@oasis/worker-client/contracts';
/** The signed-in user. */
export type Me = MeJson;
/** An app (never its token). */
export type AppSummary = AppJson;
export type JobSchedule = ScheduleInput;
export type Job = JobJson;
/** One task attempt, in flight or final. */
export type LogItem = LogJson;
/** A page of a task's execution log; `more`: another page is there already, ask again from `next`. */
export type LogText = LogTextJson;
export type WorkerInfo = WorkerJson;
export type User = UserJson;
export type AuditItem = AuditJson;
export type DailyReport = DailyReportJson;

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
  login: (username: string, password: string) => request<LoginAnswer>('POST', '/auth/login', { username, password }),
  logout: () => request<null>('POST', '/auth/logout'),
  me: () => request<Me>('GET', '/auth/me'),

  apps: () => request<AppSummary[]>('GET', '/apps'),
  createApp: (name: string, title: string) => request<CreatedAppJson>('POST', '/apps', { name, title }),
  updateApp: (name: string, title: string) => request<AppSummary>('PUT', `/apps/${encodeURIComponent(name)}`, { title }),
  rotateToken: (name: string) => request<CreatedAppJson>('POST', `/apps/${encodeURIComponent(name)}/token`, {}),

  workers: (app?: string) => request<WorkerInfo[]>('GET', `/workers${query({ app })}`),

  jobs: (app?: string) => request<Job[]>('GET', `/jobs${query({ app })}`),
  job: (id: number) => request<Job>('GET', `/jobs/${id}`),
  // The job form sends its fields as typed (strings for the closed sets): the admin's
  // `createJobSchema` / `updateJobSchema` judge them, so a body is either of those or loose.
  createJob: (body: CreateJobBody | Record<string, unknown>) => request<Job>('POST', '/jobs', body),
  updateJob: (id: number, body: UpdateJobBody | Record<string, unknown>) => request<Job>('PUT', `/jobs/${id}`, body),
  deleteJob: (id: number) => request<null>('DELETE', `/jobs/${id}`),
  jobAction: (id: number, action: 'start' | 'stop' | 'resume', body: Record<string, unknown> = {}) =>
    request<Job>('POST', `/jobs/${id}/${action}`, body),
  pauseJob: (id: number, note: string) => request<Job>('POST', `/jobs/${id}/pause`, note ? { note } : {}),
  triggerJob: (id: number, params?: string) => request<TriggerAnswer>('POST', `/jobs/${id}/trigger`, params === undefined ? {} : { params }),
  preview: (schedule: JobSchedule) => request<PreviewAnswer>('POST', '/schedule/preview', { schedule }),

  /** A page of logs; `cursor`: the `nextCursor` of the page before; `withTotal`: also count every match (costly). */
  logs: (q: { app?: string; jobId?: number; status?: string; limit?: number; cursor?: string; withTotal?: boolean }) =>
    request<LogPage>('GET', `/logs${query({ ...q, withTotal: q.withTotal ? 1 : undefined })}`),
  log: (id: string) => request<LogItem>('GET', `/logs/${encodeURIComponent(id)}`),
  logText: (id: string, from: number) => request<LogText>('GET', `/logs/${encodeURIComponent(id)}/text${query({ from })}`),
  killLog: (id: string) => request<LogItem>('POST', `/logs/${encodeURIComponent(id)}/kill`, {}),

  daily: (days: number, app?: string) => request<DailyReport>('GET', `/reports/daily${query({ days, app })}`),

  users: () => request<User[]>('GET', '/users'),
  createUser: (body: CreateUserBody) => request<User>('POST', '/users', body),
  updateUser: (id: number, body: UpdateUserBody) => request<User>('PUT', `/users/${id}`, body),
  deleteUser: (id: number) => request<null>('DELETE', `/users/${id}`),
  setPassword: (id: number, password: string, currentPassword?: string) =>
    request<null>('POST', `/users/${id}/password`, currentPassword ? { password, currentPassword } : { password }),

  audit: (q: { limit?: number; offset?: number; user?: string; target?: string }) =>
    request<AuditPage>('GET', `/audit${query(q)}`),
};
