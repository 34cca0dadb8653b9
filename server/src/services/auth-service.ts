import { createHash, randomBytes } from 'node:crypto';
import bcrypt from 'bcryptjs';
import ipaddr from 'ipaddr.js';
import type { OasisConfig } from '../config/schema.js';
import { AppError } from '../domain/errors.js';
import { AccessChangeReason, type AccessEvents } from '../domain/ports.js';
import { isRole, Role, type Principal } from '../domain/roles.js';
import { canonicalUsername } from '../domain/usernames.js';
import type { UserRow, UsersRepo } from '../store/db/users-repo.js';
import type { AttemptLimiter, AttemptLimiters } from './attempt-limiter.js';
import type { AuditInput } from './audit-service.js';
import type { SessionStore } from './session-store.js';

/** The user a session belongs to: id, username, role and permitted apps (read fresh per request). */
export type SessionUser = Principal;

/** What a successful login returns: the bearer token (shown once) and when it expires. */
export interface LoginResult {
  token: string;
  /** Epoch ms. */
  expiresAt: number;
  user: SessionUser;
}

/** Dependencies of {@link AuthService}. */
export interface AuthServiceDeps {
  users: UsersRepo;
  sessions: SessionStore;
  /** Makes the sign-in budgets (per user, per address); without it there is no rate limit. */
  limiters?: AttemptLimiters;
  /** Records sign-ins, failed and refused sign-ins and sign-outs; without it none is recorded. */
  audit?: { record(e: AuditInput): Promise<void> };
  config: Pick<OasisConfig, 'sessionTtlMs'> & Partial<Pick<OasisConfig, 'loginMaxFailures' | 'loginWindowMs'>>;
  /** bcrypt cost; default 10. */
  bcryptRounds?: number;
  /** Told when a session ends (sign-out), so live connections of it end too. */
  access?: AccessEvents;
}

/** What a session stores: the user id and a fingerprint of the password hash it was opened with. */
interface StoredSession {
  uid: number;
  fp: string;
}

/** What a refused (rate-limited) sign-in carries in {@link AppError.details}. */
export interface RateLimitDetails {
  /** How long until a sign-in may be tried again (the `Retry-After` of the answer). */
  retryAfterMs: number;
}

/** An address may fail this many times the per-user budget: enough for a shared NAT, not for a spray. */
export const ADDRESS_BUDGET_FACTOR = 5;

/** What the sign-in audit entries are called. */
export const AuthAudit = {
  LOGIN: 'auth.login',
  FAILED: 'auth.login-failed',
  LIMITED: 'auth.login-limited',
  LOGOUT: 'auth.logout',
} as const;
export type AuthAudit = (typeof AuthAudit)[keyof typeof AuthAudit];

/** The built-in administrator's username. */
export const ADMIN_USERNAME = 'admin';
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;
const sha256Hex = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');
/** The id of a token's session: the SHA-256 hex it is stored under (the token itself is never kept); null for a malformed token. */
export function sessionIdOf(token: string): string | null {
  return TOKEN_SHAPE.test(token) ? sha256Hex(token) : null;
}
const SESSION_ID_SHAPE = /^[0-9a-f]{64}$/;
/** Changes when the password does, so a new password ends every older session. */
const fingerprint = (passwordHash: string): string => sha256Hex(passwordHash).slice(0, 16);

/** A user row as a {@link Principal} (an unknown role reads as VIEWER, the least power; script grants count for an OPERATOR only). */
export function principalOf(row: UserRow): Principal {
  const role = isRole(row.role) ? row.role : Role.VIEWER;
  return { id: row.id, username: row.username, role, apps: row.apps, scriptApps: role === Role.OPERATOR ? row.scriptApps : [] };
}

/**
 * The bucket of a client address the address budget counts: the address itself for IPv4
 * (IPv4-mapped IPv6 included), its /64 for IPv6 (one host usually holds a whole /64).
 */
export function addressBucket(client: string): string {
  if (!ipaddr.isValid(client)) return client || '-';
  const addr = ipaddr.process(client);
  if (addr.kind() === 'ipv4') return addr.toString();
  return `${addr.toNormalizedString().split(':').slice(0, 4).join(':')}::/64`;
}

/** At most `max` characters (code points, so no surrogate pair is cut), for a column of that size. */
const cap = (text: string, max: number): string => (text.length <= max ? text : [...text].slice(0, max).join(''));

/**
 * Users' passwords (bcrypt), sessions (only the token's SHA-256 is stored, in Redis) and the
 * sign-in rate limit. A session names its user: role and apps are read from the database on
 * every request, so a change applies at once, and a deleted user or a new password ends it.
 */
export class AuthService {
  private readonly rounds: number;
  /** Hash checked when the user does not exist, so both failures take the same time. */
  private dummyHash: Promise<string> | null = null;
  /** Failed sign-ins per user (all addresses) and per client address (all users); null: no limit. */
  private readonly limits: { user: AttemptLimiter; address: AttemptLimiter } | null;

  constructor(private readonly deps: AuthServiceDeps) {
    this.rounds = deps.bcryptRounds ?? 10;
    const points = deps.config.loginMaxFailures ?? 10;
    const windowMs = deps.config.loginWindowMs ?? 15 * 60_000;
    this.limits = deps.limiters
      ? {
          user: deps.limiters('login-user', { points, windowMs }),
          address: deps.limiters('login-address', { points: points * ADDRESS_BUDGET_FACTOR, windowMs }),
        }
      : null;
  }

  /** The bcrypt hash of a password, at this service's cost. */
  hashPassword(password: string): Promise<string> {
    return bcrypt.hash(password, this.rounds);
  }

  /** True when `password` matches `hash`. */
  checkPassword(password: string, hash: string): Promise<boolean> {
    return bcrypt.compare(password, hash);
  }

  /**
   * Makes sure the user `admin` exists. When it does not, creates it with `password` or, if none
   * is given, with a random one that is returned so the caller can print it once.
   */
  async ensureAdmin(password?: string): Promise<{ created: boolean; generatedPassword: string | null }> {
    if (await this.deps.users.findByUsername(ADMIN_USERNAME)) return { created: false, generatedPassword: null };
    const generated = password ? null : randomBytes(18).toString('base64url');
    const passwordHash = await this.hashPassword(password ?? generated ?? '');
    try {
      await this.deps.users.create({ username: ADMIN_USERNAME, passwordHash, role: 'ADMIN' });
    } catch (err) {
      // Another admin instance created it at the same moment: theirs stands.
      if (err instanceof AppError && err.code === 'OASIS_ERR_CONFLICT') return { created: false, generatedPassword: null };
      throw err;
    }
    return { created: true, generatedPassword: generated };
  }

  /**
   * Checks a username and password and opens a session. The typed name is canonicalised
   * (trimmed, NFKC, lower case), so every spelling of a user is that user. Each attempt counts
   * against two budgets before the password is checked (atomically, so parallel guesses cannot
   * overtake the count): the user's (`loginMaxFailures` per `loginWindowMs`, from any address;
   * an unknown name has its own, so the limit does not tell who exists) and the client address's
   * ({@link ADDRESS_BUDGET_FACTOR} times that, over all names, against spraying). A success
   * clears the user's count and gives the address its attempt back. Over either budget every
   * attempt is refused until the window ends, right password or not. Successes, failures and
   * refusals are audited (`auth.login`, `auth.login-failed`, `auth.login-limited`) with the
   * address and the username, never the password.
   * @throws {AppError} `OASIS_ERR_BAD_CREDENTIALS`, the same for an unknown user and a wrong
   *   password; `OASIS_ERR_RATE_LIMITED` (429, details {@link RateLimitDetails}) when limited.
   */
  async login(username: string, password: string, client = ''): Promise<LoginResult> {
    const name = cap(canonicalUsername(username), 64);
    const addressKey = addressBucket(client);
    const address = this.limits ? await this.limits.address.consume(addressKey) : 0;
    if (address) return this.refuse({ id: null, username: name }, client, address);

    const user = await this.deps.users.findByUsername(name);
    const who = { id: user?.id ?? null, username: user?.username ?? name };
    const userKey = user ? `user:${user.id}` : `name:${sha256Hex(name)}`;
    const wait = this.limits ? await this.limits.user.consume(userKey) : 0;
    if (wait) return this.refuse(who, client, wait);

    const hash = user?.passwordHash ?? (await this.dummy());
    const ok = await bcrypt.compare(password, hash);
    if (!user || !ok) {
      await this.record(AuthAudit.FAILED, who, client);
      throw new AppError('OASIS_ERR_BAD_CREDENTIALS');
    }
    await Promise.all([this.limits?.user.reset(userKey), this.limits?.address.refund(addressKey)]);
    await this.record(AuthAudit.LOGIN, who, client);
    return this.openSession(user);
  }

  /** Audits a refused sign-in and throws the 429 that tells when to come back. */
  private async refuse(who: { id: number | null; username: string }, client: string, retryAfterMs: number): Promise<never> {
    await this.record(AuthAudit.LIMITED, who, client, { retryAfterMs });
    const details: RateLimitDetails = { retryAfterMs };
    throw new AppError('OASIS_ERR_RATE_LIMITED', 'Too many failed sign-ins; wait a few minutes and try again', details);
  }

  /** One sign-in audit entry (targeted at the user, when the name is one). */
  private async record(action: AuthAudit, who: { id: number | null; username: string }, client: string, after?: unknown): Promise<void> {
    await this.deps.audit?.record({
      by: who,
      action,
      targetType: 'auth',
      targetId: who.id,
      ...(after !== undefined && { after }),
      ip: client || null,
    });
  }

  /** Opens a session for a user already checked (login, or after a password change). */
  async openSession(user: UserRow): Promise<LoginResult> {
    const token = randomBytes(32).toString('base64url');
    const ttl = this.deps.config.sessionTtlMs;
    const stored: StoredSession = { uid: user.id, fp: fingerprint(user.passwordHash) };
    await this.deps.sessions.set(sha256Hex(token), JSON.stringify(stored), ttl);
    return { token, expiresAt: Date.now() + ttl, user: principalOf(user) };
  }

  /**
   * The user of a session token (a REST request), or null when the token is unknown, expired,
   * malformed or its user changed password or is gone. The session is read on every call (a
   * sign-out counts at once). The user's row may be one read before, under the same users counter
   * (`UsersRepo.findRecent`, read beside the session): every change of a user bumps the counter
   * ({@link usersChanged}), so a change made on any admin counts from the next request on. Every request asks this,
   * and a burst of one user's requests then reads its row once.
   */
  async authenticate(token: string): Promise<SessionUser | null> {
    const sessionId = sessionIdOf(token);
    return sessionId ? this.sessionUser(sessionId, true) : null;
  }

  /** A user's role, apps, grants or password changed, or the user is gone: no admin reuses a row read before. */
  usersChanged(): Promise<void> {
    return this.deps.sessions.bumpUsersVersion();
  }

  /**
   * Like {@link authenticate}, by the session's id ({@link sessionIdOf}), with the user's row
   * read now: lets a long-lived connection check its session again without keeping the token
   * (a live socket loses its rights at once on every admin).
   */
  authenticateSession(sessionId: string): Promise<SessionUser | null> {
    return this.sessionUser(sessionId, false);
  }

  private async sessionUser(sessionId: string, recent: boolean): Promise<SessionUser | null> {
    if (!SESSION_ID_SHAPE.test(sessionId)) return null;
    // The counter is read beside the session (one round trip): a row read under it is reused.
    const [raw, version] = await Promise.all([this.deps.sessions.get(sessionId), recent ? this.deps.sessions.usersVersion() : null]);
    if (!raw) return null;
    let stored: Partial<StoredSession>;
    try {
      stored = JSON.parse(raw) as Partial<StoredSession>;
    } catch {
      return null;
    }
    if (typeof stored.uid !== 'number' || typeof stored.fp !== 'string') return null;
    const user = version !== null ? await this.deps.users.findRecent(stored.uid, version) : await this.deps.users.findById(stored.uid);
    if (!user || fingerprint(user.passwordHash) !== stored.fp) return null;
    return principalOf(user);
  }

  /** Ends a session (harmless when it is already gone); audited as `auth.logout` when `by` says whose. */
  async logout(token: string, by?: { user: Pick<Principal, 'id' | 'username'>; client?: string }): Promise<void> {
    const sessionId = sessionIdOf(token);
    if (sessionId) {
      await this.deps.sessions.delete(sessionId);
      this.deps.access?.accessChanged({ reason: AccessChangeReason.SIGNED_OUT, sessionId });
    }
    if (by) await this.record(AuthAudit.LOGOUT, by.user, by.client ?? '');
  }

  private dummy(): Promise<string> {
    this.dummyHash ??= bcrypt.hash(randomBytes(16).toString('hex'), this.rounds);
    return this.dummyHash;
  }
}
