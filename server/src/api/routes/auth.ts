import { Router } from 'express';
import { z } from 'zod';
import type { AuthService } from '../../services/auth-service.js';
import { authOf, requireAuth } from '../auth.js';
import { validate } from '../validate.js';

const loginBody = z.strictObject({
  username: z.string().min(1).max(64),
  password: z.string().min(1).max(256),
});

/** `POST /auth/login` (open), `POST /auth/logout` and `GET /auth/me` (authenticated). */
export function authRoutes(auth: AuthService): Router {
  const r = Router();
  r.post('/auth/login', async (req, res) => {
    const { username, password } = validate.body(req, loginBody);
    res.json(await auth.login(username, password));
  });
  r.post('/auth/logout', requireAuth(auth), async (_req, res) => {
    await auth.logout(authOf(res).token);
    res.status(204).end();
  });
  r.get('/auth/me', requireAuth(auth), (_req, res) => {
    res.json(authOf(res).user);
  });
  return r;
}
