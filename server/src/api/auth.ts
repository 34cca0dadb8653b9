import type { Request, RequestHandler, Response } from 'express';
import { AppError } from '../domain/errors.js';
import type { AuthService, SessionUser } from '../services/auth-service.js';

/** Locals the auth middleware leaves for the routes. */
export interface AuthLocals {
  user: SessionUser;
  token: string;
  /** How the session came: a bearer token (API) or the dashboard's cookie. */
  via: 'bearer' | 'cookie';
}

/** Name of the dashboard's session cookie (httpOnly, SameSite=Strict, Path=/). */
export const SESSION_COOKIE = 'oasis_session';
/**
 * Header every cookie-authenticated change (any method but GET/HEAD/OPTIONS) must carry, with
 * any non-empty value. A cross-site page cannot set a custom header without a CORS preflight,
 * which the admin never grants: together with SameSite=Strict this stops request forgery.
 */
export const CSRF_HEADER = 'X-Oasis-CSRF';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The bearer token of a request, or null. */
export function bearerToken(header: string | undefined): string | null {
  const m = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return m?.[1] ?? null;
}

/** The value of cookie `name` in a `Cookie` header, or null. */
export function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) {
      const raw = part.slice(eq + 1).trim();
      try {
        return decodeURIComponent(raw);
      } catch {
        return null;
      }
    }
  }
  return null;
}

/** `Set-Cookie` value of the session cookie; `maxAgeMs` 0 clears it. */
export function sessionCookie(token: string, maxAgeMs: number, secure: boolean): string {
  const parts = [`${SESSION_COOKIE}=${encodeURIComponent(token)}`, 'Path=/', 'HttpOnly', 'SameSite=Strict', `Max-Age=${Math.floor(maxAgeMs / 1000)}`];
  if (secure) parts.push('Secure');
  return parts.join('; ');
}

/**
 * Whether the session cookie gets `Secure`: always (`true`), never (`false`), or when the request
 * came over HTTPS (`auto`; behind a TLS proxy that needs `OASIS_TRUST_PROXY`, which makes
 * `req.secure` follow `X-Forwarded-Proto`).
 */
export function cookieSecure(req: Request, setting: 'auto' | 'true' | 'false'): boolean {
  return setting === 'true' || (setting === 'auto' && req.secure);
}

/** The session token a request carries: the bearer token first, else the session cookie. */
export function requestToken(req: Request): { token: string; via: AuthLocals['via'] } | null {
  const bearer = bearerToken(req.get('authorization'));
  if (bearer) return { token: bearer, via: 'bearer' };
  const cookie = readCookie(req.get('cookie'), SESSION_COOKIE);
  return cookie ? { token: cookie, via: 'cookie' } : null;
}

/**
 * Refuses (401 `OASIS_ERR_UNAUTHORIZED`) any request without a live session (bearer token or
 * session cookie), and (403 `OASIS_ERR_FORBIDDEN`) a cookie-authenticated change without the
 * {@link CSRF_HEADER}.
 */
export function requireAuth(auth: AuthService): RequestHandler {
  return async (req, res, next) => {
    const found = requestToken(req);
    const user = found ? await auth.authenticate(found.token) : null;
    if (!found || !user) throw new AppError('OASIS_ERR_UNAUTHORIZED', 'A valid session (bearer token or sign-in) is required');
    if (found.via === 'cookie' && !SAFE_METHODS.has(req.method) && !req.get(CSRF_HEADER)) {
      throw new AppError('OASIS_ERR_FORBIDDEN', `Changes made with the session cookie need the ${CSRF_HEADER} header`);
    }
    const locals: AuthLocals = { user, token: found.token, via: found.via };
    Object.assign(res.locals, locals);
    next();
  };
}

/** The session of an authenticated request. */
export function authOf(res: Response): AuthLocals {
  return res.locals as AuthLocals;
}
