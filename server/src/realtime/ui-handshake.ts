/**
 * How a `/ui` handshake proves who it is: a session token in `auth.token`, or the dashboard's
 * session cookie, which only counts from the admin's own pages (no cross-site WebSocket hijacking).
 * Pure functions over the handshake, so every malformed header is a refusal, never an exception.
 */

/** The dashboard's session cookie (same as the REST API's). */
export const SESSION_COOKIE = 'oasis_session';

/** What a handshake carries that matters here. */
export interface UiHandshake {
  auth: unknown;
  headers: { cookie?: string | undefined; origin?: string | undefined; host?: string | undefined };
}

/** The token of a handshake, or why it is refused (a code of the error catalogue). */
export type HandshakeToken = { ok: true; token: string } | { ok: false; code: 'OASIS_ERR_UNAUTHORIZED' | 'OASIS_ERR_FORBIDDEN' };

/** The value of cookie `name` in a `Cookie` header, or null (also for a malformed percent-encoding). */
export function cookieValue(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return null;
      }
    }
  }
  return null;
}

/**
 * True when `origin` (an `Origin` header) is an http(s) origin naming `host` (the `Host` header).
 * A malformed origin (`::::`, `http://[`, `null`) is simply not the same origin.
 */
export function sameOrigin(origin: string, host: string): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  return (url.protocol === 'http:' || url.protocol === 'https:') && url.host === host.toLowerCase();
}

/**
 * The session token of a handshake: `auth.token` when it is a string, else the session cookie,
 * refused (`OASIS_ERR_FORBIDDEN`) when an `Origin` other than the admin's own came with it.
 * Whether the token is a live session is for the auth service to say.
 */
export function handshakeToken(h: UiHandshake): HandshakeToken {
  const auth = h.auth && typeof h.auth === 'object' ? (h.auth as Record<string, unknown>) : {};
  const given = Object.hasOwn(auth, 'token') ? auth['token'] : undefined;
  if (typeof given === 'string' && given !== '') return { ok: true, token: given };
  const cookie = cookieValue(h.headers.cookie, SESSION_COOKIE);
  if (!cookie) return { ok: false, code: 'OASIS_ERR_UNAUTHORIZED' };
  const { origin, host } = h.headers;
  // No Origin: not a browser (browsers always send one on a WebSocket), so not a forged request.
  if (origin !== undefined && !(host && sameOrigin(origin, host))) return { ok: false, code: 'OASIS_ERR_FORBIDDEN' };
  return { ok: true, token: cookie };
}
