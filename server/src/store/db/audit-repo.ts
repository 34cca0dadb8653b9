import { capUtf8 } from '@oasis/worker-client/encode';
import { Op, type WhereOptions } from 'sequelize';
import type { AuditModel } from './access-models.js';
import { EXPENSIVE_READ } from './guard.js';
import { LAG_TOLERANT_READ } from './replicas.js';
import type { Models } from './models.js';

/** One audit entry. `before` / `after` are the JSON texts as stored (null when none). */
export interface AuditEntry {
  id: number;
  /** Epoch ms. */
  at: number;
  userId: number | null;
  username: string;
  action: string;
  targetType: string;
  targetId: string | null;
  app: string | null;
  before: string | null;
  after: string | null;
  ip: string | null;
}

/** Filter and page of {@link AuditRepo.list}. */
export interface AuditQuery {
  username?: string;
  targetType?: string;
  targetId?: string;
  action?: string;
  limit: number;
  offset: number;
}

/** Cap of each before/after JSON text (half a MEDIUMTEXT). */
const JSON_BYTES = 8 * 1024 * 1024;

function toEntry(row: AuditModel): AuditEntry {
  return {
    id: Number(row.id),
    at: Number(row.at),
    userId: row.userId,
    username: row.username,
    action: row.action,
    targetType: row.targetType,
    targetId: row.targetId,
    app: row.app,
    before: row.beforeJson,
    after: row.afterJson,
    ip: row.ip,
  };
}

/** Appends to and reads `oasis_audit`. */
export class AuditRepo {
  constructor(private readonly models: Models) {}

  async append(e: Omit<AuditEntry, 'id'>): Promise<void> {
    await this.models.Audit.create({
      at: e.at,
      userId: e.userId,
      username: e.username,
      action: e.action,
      targetType: e.targetType,
      targetId: e.targetId,
      app: e.app,
      beforeJson: e.before === null ? null : capUtf8(e.before, JSON_BYTES, ''),
      afterJson: e.after === null ? null : capUtf8(e.after, JSON_BYTES, ''),
      ip: e.ip,
    });
  }

  /**
   * Entries newest first, and how many match in all; an expensive read (past
   * `OASIS_DB_READ_TIMEOUT_MS`: `OASIS_ERR_UNAVAILABLE`), lag-tolerant (may be read from a
   * replica: an entry just appended may show a moment later).
   */
  async list(q: AuditQuery): Promise<{ items: AuditEntry[]; total: number }> {
    const where: WhereOptions = {};
    if (q.username !== undefined) Object.assign(where, { username: q.username });
    if (q.targetType !== undefined) Object.assign(where, { targetType: q.targetType });
    if (q.targetId !== undefined) Object.assign(where, { targetId: q.targetId });
    if (q.action !== undefined) Object.assign(where, { action: { [Op.like]: `${q.action.replace(/[%_\\]/g, '\\$&')}%` } });
    const { rows, count } = await this.models.Audit.findAndCountAll({
      where,
      order: [
        ['at', 'DESC'],
        ['id', 'DESC'],
      ],
      limit: q.limit,
      offset: q.offset,
      ...EXPENSIVE_READ,
      ...LAG_TOLERANT_READ,
    });
    return { items: rows.map(toEntry), total: count };
  }
}
