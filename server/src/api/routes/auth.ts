import { Router, type Response } from 'express';
import { z } from 'zod';
import { AppError } from '../../domain/errors.js';
import type { AuthService, RateLimitDetails } from '../../services/auth-service.js';
import { authOf, cookieSecure, requireAuth, sessionCookie } from '../auth.js';
import { validate } from '../validate.js';

const loginBody = z.strictObject({
  username: z.string().min(1).max(64),
  password: z.string().min(1).max(256),
});

/** Rethrows `err`; a refused (rate-limited) sign-in first gets its `Retry-After` (whole seconds, rounded up). */
function withRetryAfter(res: Response): (err: unknown) => never {
  return (err) => {
    if (err instanceof AppError && err.code === 'OASIS_ERR_RATE_LIMITED') {
      const ms = (err.details as Partial<RateLimitDetails> | undefined)?.retryAfterMs;
      if (typeof ms === 'number' && ms > 0) res.set('Retry-After', String(Math.ceil(ms / 1000)));
    }
    throw err;
  };
}

/**
 * `POST /auth/login` (open; answers the bearer token and sets the dashboard's session cookie),
 * `POST /auth/logout` and `GET /auth/me` (authenticated).
 */
export function authRoutes(auth: AuthService, config: { sessionTtlMs: number; cookieSecure: 'auto' | 'true' | 'false' }): Router {
  const r = Router();
  r.post('/auth/login', async (req, res) => {
    const { username, password } = validate.body(req, loginBody);
    const result = await auth.login(username, password, req.ip ?? '').catch(withRetryAfter(res));
    res.set('Set-Cookie', sessionCookie(result.token, config.sessionTtlMs, cookieSecure(req, config.cookieSecure)));
    res.set('Cache-Control', 'no-store');
    res.json(result);
  });
  r.post('/auth/logout', requireAuth(auth), async (req, res) => {
    await auth.logout(authOf(res).token, { user: authOf(res).user, client: req.ip ?? '' });
    res.set('Set-Cookie', sessionCookie('', 0, cookieSecure(req, config.cookieSecure)));
    res.status(204).end();
  });
  r.get('/auth/me', requireAuth(auth), (_req, res) => {
    res.json(authOf(res).user);
  });
  return r;
}
