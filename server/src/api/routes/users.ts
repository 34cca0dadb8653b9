import { Router } from 'express';
import {
  createUserSchema,
  setPasswordSchema,
  updateUserSchema,
  userIdParams,
  type UserJson,
} from '@oasis/worker-client/contracts';
import { AppError } from '../../domain/errors.js';
import { isAdmin } from '../../domain/roles.js';
import type { UserService } from '../../services/user-service.js';
import type { Guard } from '../authorize.js';
import { principal } from '../authorize.js';
import { setAuditTarget } from '../audit-trail.js';
import { validate } from '../validate.js';

/** Users and roles (ADMIN), and `POST /users/:id/password` (ADMIN, or anyone for themselves). */
export function userRoutes(users: UserService, guard: Guard): Router {
  const r = Router();
  r.get('/users', guard.admin, async (_req, res) => {
    res.json((await users.list()) satisfies UserJson[]);
  });
  r.post('/users', guard.admin, async (req, res) => {
    res.status(201).json((await users.create(validate.body(req, createUserSchema))) satisfies UserJson);
  });
  r.get('/users/:id', guard.admin, async (req, res) => {
    const { id } = validate.params(req, userIdParams);
    res.json((await users.get(id)) satisfies UserJson);
  });
  r.put('/users/:id', guard.admin, async (req, res) => {
    const { id } = validate.params(req, userIdParams);
    const body = validate.body(req, updateUserSchema);
    setAuditTarget(res, { before: await users.get(id) });
    res.json((await users.update(id, body)) satisfies UserJson);
  });
  r.delete('/users/:id', guard.admin, async (req, res) => {
    const { id } = validate.params(req, userIdParams);
    setAuditTarget(res, { before: await users.delete(id, principal(res)) });
    res.status(204).end();
  });
  r.post('/users/:id/password', async (req, res) => {
    const { id } = validate.params(req, userIdParams);
    const me = principal(res);
    if (!isAdmin(me) && me.id !== id) throw new AppError('OASIS_ERR_FORBIDDEN', 'You may only change your own password');
    await users.setPassword(id, validate.body(req, setPasswordSchema), me);
    res.status(204).end();
  });
  return r;
}
