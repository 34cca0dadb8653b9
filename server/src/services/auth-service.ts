import { createHash, randomBytes } from 'node:crypto';
import bcrypt from 'bcryptjs';
import type { OasisConfig } from '../config/schema.js';
import { AppError } from '../domain/errors.js';
import { isRole, type Principal } from '../domain/roles.js';
import type { UserRow, UsersRepo } from '../store/db/users-repo.js';
import type { CounterStore } from './counter-store.js';
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
  /** Counts failed sign-ins; without it there is no rate limit. */
  counters?: CounterStore;
  config: Pick<OasisConfig, 'sessionTtlMs'> & Partial<Pick<OasisConfig, 'loginMaxFailures' | 'loginWindowMs'>>;
  /** bcrypt cost; default 10. */
  bcryptRounds?: number;
}

/** What a session stores: the user id and a fingerprint of the password hash it was opened with. */
interface StoredSession {
  uid: number;
  fp: string;
}

/** The built-in administrator's username. */
export const ADMIN_USERNAME = 'admin';
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;
const sha256Hex = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');
/** Changes when the password does, so a new password ends every older session. */
const fingerprint = (passwordHash: string): string => sha256Hex(passwordHash).slice(0, 16);

/** A user row as a {@link Principal} (an unknown role reads as VIEWER, the least power). */
export function principalOf(row: UserRow): Principal {
  return { id: row.id, username: row.username, role: isRole(row.role) ? row.role : 'VIEWER', apps: row.apps };
}

/**
 * Users' passwords (bcrypt), sessions (only the token's SHA-256 is stored, in Redis) and the
 * sign-in rate limit. A session names its user: role and apps are read from the database on
 * every request, so a change applies at once, and a deleted user or a new password ends it.
 */
export class AuthService {
  private readonly rounds: number;
  /** Hash checked when the user does not exist, so both failures take the same time. */
  private dummyHash: Promise<string> | null = null;

  constructor(private readonly deps: AuthServiceDeps) {
    this.rounds = deps.bcryptRounds ?? 10;
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
   * Checks a username and password and opens a session. Failed attempts are counted per
   * username and `client` (the caller's address); past `loginMaxFailures` within
   * `loginWindowMs` every attempt is refused until the window ends, right password or not.
   * @throws {AppError} `OASIS_ERR_BAD_CREDENTIALS`, the same for an unknown user and a wrong
   *   password; `OASIS_ERR_RATE_LIMITED` (429) when limited.
   */
  async login(username: string, password: string, client = ''): Promise<LoginResult> {
    const { counters, config } = this.deps;
    const limitKey = `login:${sha256Hex(`${username.toLowerCase()}\n${client}`)}`;
    const max = config.loginMaxFailures ?? 10;
    if (counters && (await counters.get(limitKey)) >= max) {
      throw new AppError('OASIS_ERR_RATE_LIMITED', 'Too many failed sign-ins; wait a few minutes and try again');
    }
    const user = await this.deps.users.findByUsername(username);
    const hash = user?.passwordHash ?? (await this.dummy());
    const ok = await bcrypt.compare(password, hash);
    if (!user || !ok) {
      await counters?.hit(limitKey, config.loginWindowMs ?? 15 * 60_000);
      throw new AppError('OASIS_ERR_BAD_CREDENTIALS');
    }
    await counters?.reset(limitKey);
    return this.openSession(user);
  }

  /** Opens a session for a user already checked (login, or after a password change). */
  async openSession(user: UserRow): Promise<LoginResult> {
    const token = randomBytes(32).toString('base64url');
    const ttl = this.deps.config.sessionTtlMs;
    const stored: StoredSession = { uid: user.id, fp: fingerprint(user.passwordHash) };
    await this.deps.sessions.set(sha256Hex(token), JSON.stringify(stored), ttl);
    return { token, expiresAt: Date.now() + ttl, user: principalOf(user) };
  }

  /** The user of a session token, or null when the token is unknown, expired, malformed or its user changed password or is gone. */
  async authenticate(token: string): Promise<SessionUser | null> {
    if (!TOKEN_SHAPE.test(token)) return null;
    const raw = await this.deps.sessions.get(sha256Hex(token));
    if (!raw) return null;
    let stored: Partial<StoredSession>;
    try {
      stored = JSON.parse(raw) as Partial<StoredSession>;
    } catch {
      return null;
    }
    if (typeof stored.uid !== 'number' || typeof stored.fp !== 'string') return null;
    const user = await this.deps.users.findById(stored.uid);
    if (!user || fingerprint(user.passwordHash) !== stored.fp) return null;
    return principalOf(user);
  }

  /** Ends a session (harmless when it is already gone). */
  async logout(token: string): Promise<void> {
    if (TOKEN_SHAPE.test(token)) await this.deps.sessions.delete(sha256Hex(token));
  }

  private dummy(): Promise<string> {
    this.dummyHash ??= bcrypt.hash(randomBytes(16).toString('hex'), this.rounds);
    return this.dummyHash;
  }
}
