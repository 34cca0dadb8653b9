import { Router } from 'express';
import { loginSchema, type LoginAnswer, type MeJson } from '@oasis/worker-client/contracts';
import type { AuthService } from '../../services/auth-service.js';
import { authOf, cookieSecure, requireAuth, sessionCookie } from '../auth.js';
import { validate } from '../validate.js';

/**
 * `POST /auth/login` (open; answers the bearer token and sets the dashboard's session cookie),
 * `POST /auth/logout` and `GET /auth/me` (authenticated).
 */
export function authRoutes(auth: AuthService, config: { sessionTtlMs: number; cookieSecure: 'auto' | 'true' | 'false' }): Router {
  const r = Router();
  r.post('/auth/login', async (req, res) => {
    const { username, password } = validate.body(req, loginSchema);
    // A refused (rate-limited) sign-in gets its `Retry-After` from the error middleware.
    const result = await auth.login(username, password, req.ip ?? '');
    res.set('Set-Cookie', sessionCookie(result.token, config.sessionTtlMs, cookieSecure(req, config.cookieSecure)));
    res.set('Cache-Control', 'no-store');
    res.json(result satisfies LoginAnswer);
  });
  r.post('/auth/logout', requireAuth(auth), async (req, res) => {
    await auth.logout(authOf(res).token, { user: authOf(res).user, client: req.ip ?? '' });
    res.set('Set-Cookie', sessionCookie('', 0, cookieSecure(req, config.cookieSecure)));
    res.status(204).end();
  });
  r.get('/auth/me', requireAuth(auth), (_req, res) => {
    res.json(authOf(res).user satisfies MeJson);
  });
  return r;
}
