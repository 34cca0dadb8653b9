/**
 * Roles and what they may do: the one place the permission rules live. The REST API
 * (`api/authorize.ts`) and the dashboard's live channel (`realtime/ui-gateway.ts`) both ask here.
 *
 * - `ADMIN`: everything, every app (users, apps, audit included), script (GLUE) jobs included.
 * - `OPERATOR`: reads its permitted apps (apps, workers, jobs, logs) and changes their jobs and
 *   tasks (create, edit, start, stop, trigger, kill, …). Creating or editing a script job is
 *   code execution on the app's workers: only in the apps of its explicit script grant
 *   (`scriptApps`, a subset of its apps; see {@link canWriteScripts}).
 * - `VIEWER`: reads its permitted apps only.
 */
import { Role } from '@oasis/worker-client/contracts';

export { Role } from '@oasis/worker-client/contracts';
export const ROLES = Object.values(Role) as [Role, ...Role[]];

/** What a request wants to do with an app's things. */
export const Access = { READ: 'read', OPERATE: 'operate' } as const;
export type Access = (typeof Access)[keyof typeof Access];

/** A signed-in user as every permission check sees it. */
export interface Principal {
  id: number;
  username: string;
  role: Role;
  /** Apps the user may see (and, as OPERATOR, change); ignored for ADMIN (all apps). */
  apps: readonly string[];
  /** Apps where an OPERATOR may create and edit script (GLUE) jobs; empty for ADMIN and VIEWER. */
  scriptApps: readonly string[];
}

/** True for a known role name. */
export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export function isAdmin(p: Principal): boolean {
  return p.role === Role.ADMIN;
}

/** True when `p` may `access` the things of `app`. */
export function canAccessApp(p: Principal, app: string, access: Access): boolean {
  if (p.role === Role.ADMIN) return true;
  if (!p.apps.includes(app)) return false;
  return access === Access.READ || p.role === Role.OPERATOR;
}

/**
 * True when `p` may create or edit a script (GLUE) job of `app`: an ADMIN anywhere, an OPERATOR
 * where it may operate and holds a script grant, a VIEWER never.
 */
export function canWriteScripts(p: Principal, app: string): boolean {
  if (p.role === Role.ADMIN) return true;
  return p.role === Role.OPERATOR && p.apps.includes(app) && p.scriptApps.includes(app);
}

/** Apps `p` may read: null means all of them (ADMIN). */
export function readableApps(p: Principal): ReadonlySet<string> | null {
  return p.role === Role.ADMIN ? null : new Set(p.apps);
}
