import type { AuditEntry, AuditRepo } from '../store/db/audit-repo.js';

/** Keys whose values never reach the audit trail. */
const SECRET_KEYS = new Set(['token', 'password', 'currentPassword', 'passwordHash', 'tokenHash']);

/** A copy of `value` with secrets replaced by `"[redacted]"` (deep, JSON-like values). */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 20 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEYS.has(k) ? '[redacted]' : redact(v, depth + 1);
  return out;
}

/** One change to record. */
export interface AuditInput {
  /** Who did it; `id` null for the admin itself (e.g. a refusal no user stands behind). */
  by: { id: number | null; username: string };
  /** `<target type>.<verb>`, e.g. `job.start`, `user.create`. */
  action: string;
  targetType: string;
  targetId?: string | number | null;
  /** App the target belongs to, when it has one. */
  app?: string | null;
  before?: unknown;
  after?: unknown;
  ip?: string | null;
}

/** An audit entry as the API shows it (`GET /audit` holds it to the contract's `AuditJson`), before/after parsed back to JSON values. */
export interface AuditView extends Omit<AuditEntry, 'before' | 'after'> {
  before: unknown;
  after: unknown;
}

const parse = (text: string | null): unknown => {
  if (text === null) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
};

/** The audit trail: who changed what, when, from where, with the state before and after. */
export class AuditService {
  constructor(private readonly deps: { audit: AuditRepo; now?: () => number }) {}

  /** Appends an entry (secrets redacted). */
  async record(e: AuditInput): Promise<void> {
    const json = (v: unknown) => (v === undefined || v === null ? null : JSON.stringify(redact(v)));
    await this.deps.audit.append({
      at: (this.deps.now ?? Date.now)(),
      userId: e.by.id,
      username: e.by.username,
      action: e.action.slice(0, 64),
      targetType: e.targetType.slice(0, 32),
      targetId: e.targetId === undefined || e.targetId === null ? null : String(e.targetId).slice(0, 128),
      app: e.app ?? null,
      before: json(e.before),
      after: json(e.after),
      ip: e.ip ? e.ip.slice(0, 64) : null,
    });
  }

  /** Entries newest first. */
  async list(q: { user?: string; target?: string; action?: string; limit: number; offset: number }): Promise<{ items: AuditView[]; total: number }> {
    const [targetType, ...rest] = q.target === undefined ? [] : q.target.split(':');
    const targetId = rest.length ? rest.join(':') : undefined;
    const page = await this.deps.audit.list({
      limit: q.limit,
      offset: q.offset,
      ...(q.user !== undefined && { username: q.user }),
      ...(targetType !== undefined && { targetType }),
      ...(targetId !== undefined && { targetId }),
      ...(q.action !== undefined && { action: q.action }),
    });
    return { items: page.items.map((i) => ({ ...i, before: parse(i.before), after: parse(i.after) })), total: page.total };
  }
}
