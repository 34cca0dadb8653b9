import { Router } from 'express';
import { auditListQuery, type AuditPage } from '@oasis/worker-client/contracts';
import type { AuditService } from '../../services/audit-service.js';
import type { Guard } from '../authorize.js';
import { validate } from '../validate.js';

/** `GET /audit?limit=&offset=&user=&target=type[:id]&action=` (ADMIN): `{items, total}`, newest first. */
export function auditRoutes(audit: AuditService, guard: Guard): Router {
  const r = Router();
  r.get('/audit', guard.admin, async (req, res) => {
    const q = validate.query(req, auditListQuery);
    const page = await audit.list({
      limit: q.limit,
      offset: q.offset,
      ...(q.user !== undefined && { user: q.user }),
      ...(q.target !== undefined && { target: q.target }),
      ...(q.action !== undefined && { action: q.action }),
    });
    res.json(page satisfies AuditPage);
  });
  return r;
}
