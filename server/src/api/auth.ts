import type { RequestHandler, Response } from 'express';
import { AppError } from '../domain/errors.js';
import type { AuthService, SessionUser } from '../services/auth-service.js';

/** Locals the auth middleware leaves for the routes. */
export interface AuthLocals {
  user: SessionUser;
  token: string;
}

/** The bearer token of a request, or null. */
export function bearerToken(header: string | undefined): string | null {
  const m = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return m?.[1] ?? null;
}

/** Refuses (401 `OASIS_ERR_UNAUTHORIZED`) any request without a live session token. */
export function requireAuth(auth: AuthService): RequestHandler {
  return async (req, res, next) => {
    const token = bearerToken(req.get('authorization'));
    const user = token ? await auth.authenticate(token) : null;
    if (!token || !user) throw new AppError('OASIS_ERR_UNAUTHORIZED', 'A valid bearer token is required');
    const locals: AuthLocals = { user, token };
    Object.assign(res.locals, locals);
    next();
  };
}

/** The session of an authenticated request. */
export function authOf(res: Response): AuthLocals {
  return res.locals as AuthLocals;
}
