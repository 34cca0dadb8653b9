/**
 * The dashboard's one door to the admin's REST API (`/api/v1`, same origin).
 *
 * It keeps the bearer token in `sessionStorage` (gone when the tab closes), adds it to every
 * request, and turns every failure into an {@link ApiError} whose message can be shown as is.
 * When the admin answers 401 to a request that carried a token, the token is dropped and
 * {@link SESSION_ENDED_EVENT} is dispatched on `window`, so the shell can go back to the login form.
 */

const TOKEN_KEY = 'oasis.token';
const API_BASE = '/api/v1';

/** Dispatched on `window` when the admin refuses the stored token (expired or revoked). */
export const SESSION_ENDED_EVENT = 'oasis-session-ended';

/** An app (executor group) as `GET /api/v1/apps` lists it. Times are epoch ms. */
export interface AppSummary {
  id: number;
  name: string;
  title: string;
  createdAt: number;
}

/** How a job is scheduled, as the API returns it. Unknown shapes are shown raw. */
export type JobSchedule =
  | { type: 'CRON'; cron: string; timezone?: string }
  | { type: 'FIXED_RATE'; everyMs: number }
  | { type: 'NONE' };

/** A job as `GET /api/v1/jobs` lists it. `nextFireAt` is epoch ms, null when it will not fire. */
export interface JobSummary {
  id: number;
  app: string;
  name: string;
  handler: string;
  schedule: JobSchedule;
  enabled: boolean;
  nextFireAt: number | null;
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

/** The stored bearer token, or null when nobody is logged in. */
export function getToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

/** Forgets the token. The admin's session simply runs out on its own. */
export function logout(): void {
  sessionStorage.removeItem(TOKEN_KEY);
}

/**
 * Logs in and stores the token.
 * @throws {ApiError} with code `OASIS_ERR_BAD_CREDENTIALS` on a wrong username or password.
 */
export async function login(username: string, password: string): Promise<void> {
  const body = await request('POST', '/auth/login', { username, password });
  const token = isRecord(body) && typeof body['token'] === 'string' ? body['token'] : '';
  if (!token) throw new ApiError(0, 'OASIS_DASHBOARD_BAD_REPLY', 'The server answered the login without a token');
  sessionStorage.setItem(TOKEN_KEY, token);
}

/** All apps. @throws {ApiError} */
export async function listApps(): Promise<AppSummary[]> {
  return expectArray<AppSummary>(await request('GET', '/apps'));
}

/** All jobs. @throws {ApiError} */
export async function listJobs(): Promise<JobSummary[]> {
  return expectArray<JobSummary>(await request('GET', '/jobs'));
}

/** Turns any thrown value into one line a person can read. */
export function errorText(err: unknown): string {
  if (err instanceof ApiError) return err.code ? `${err.message} (${err.code})` : err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}

async function request(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  const token = getToken();
  if (token) headers['Authorization'] = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';

  let res: Response;
  try {
    res = await fetch(API_BASE + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    // fetch only rejects when no answer came at all (server down, network gone).
    throw new ApiError(0, 'OASIS_DASHBOARD_NETWORK', 'Cannot reach the server');
  }

  const data = await readJson(res);
  if (res.ok) return data;

  if (res.status === 401 && token) {
    logout();
    window.dispatchEvent(new CustomEvent(SESSION_ENDED_EVENT));
  }
  // Error bodies are `{statusCode, code, error, message}`; a proxy in between may send HTML instead.
  if (isRecord(data) && typeof data['message'] === 'string') {
    const code = typeof data['code'] === 'string' ? data['code'] : '';
    throw new ApiError(res.status, code, data['message']);
  }
  throw new ApiError(res.status, '', `Request failed: HTTP ${res.status} ${res.statusText}`.trim());
}

async function readJson(res: Response): Promise<unknown> {
  const text = await res.text();
  if (!text) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

function expectArray<T>(data: unknown): T[] {
  if (!Array.isArray(data)) throw new ApiError(0, 'OASIS_DASHBOARD_BAD_REPLY', 'The server sent a list in an unexpected shape');
  return data as T[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
