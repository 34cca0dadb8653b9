import { Router } from 'express';
import type { AppService } from '../../services/app-service.js';
import { createAppSchema } from '../../services/app-service.js';
import { validate } from '../validate.js';

/** `POST /apps` (the worker token is in this answer only) and `GET /apps`. */
export function appRoutes(apps: AppService): Router {
  const r = Router();
  r.post('/apps', async (req, res) => {
    res.status(201).json(await apps.create(validate.body(req, createAppSchema)));
  });
  r.get('/apps', async (_req, res) => {
    res.json(await apps.list());
  });
  return r;
}
