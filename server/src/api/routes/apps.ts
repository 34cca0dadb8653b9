import { Router } from 'express';
import {
  appParams,
  createAppSchema,
  emptyBody,
  updateAppSchema,
  type AppJson,
  type CreatedAppJson,
} from '@oasis/worker-client/contracts';
import type { AppService } from '../../services/app-service.js';
import { visible, type Guard } from '../authorize.js';
import { validate } from '../validate.js';

/**
 * `POST /apps` (ADMIN; the worker token is in this answer only), `GET /apps` (the apps the user
 * may see), `GET /apps/:name`, `PUT /apps/:name {title}` (ADMIN), `POST /apps/:name/token`
 * (ADMIN: a fresh worker token, shown once; the old one stops working for new connections).
 */
export function appRoutes(apps: AppService, guard: Guard): Router {
  const r = Router();
  r.post('/apps', guard.admin, async (req, res) => {
    res.status(201).json((await apps.create(validate.body(req, createAppSchema))) satisfies CreatedAppJson);
  });
  r.get('/apps', guard.any, async (_req, res) => {
    res.json(visible(res, (await apps.list()).map((a) => ({ ...a, app: a.name }))).map(({ app: _a, ...a }) => a) satisfies AppJson[]);
  });
  r.get('/apps/:name', guard.app('read'), async (req, res) => {
    const { name } = validate.params(req, appParams);
    res.json((await apps.get(name)) satisfies AppJson);
  });
  r.put('/apps/:name', guard.admin, guard.app('operate'), async (req, res) => {
    const { name } = validate.params(req, appParams);
    res.json((await apps.update(name, validate.body(req, updateAppSchema))) satisfies AppJson);
  });
  r.post('/apps/:name/token', guard.admin, guard.app('operate'), async (req, res) => {
    const { name } = validate.params(req, appParams);
    validate.body(req, emptyBody);
    res.json((await apps.rotateToken(name)) satisfies CreatedAppJson);
  });
  return r;
}
