import { createHash, randomBytes } from 'node:crypto';
import bcrypt from 'bcryptjs';
import type { OasisConfig } from '../config/schema.js';
import { AppError } from '../domain/errors.js';
import type { UsersRepo } from '../store/db/users-repo.js';
import type { SessionStore } from './session-store.js';

/** The user a session belongs to. */
export interface SessionUser {
  id: number;
  username: string;
  role: string;
}

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
  config: Pick<OasisConfig, 'sessionTtlMs'>;
  /** bcrypt cost; default 10. */
  bcryptRounds?: number;
}

/** The built-in administrator's username. */
export const ADMIN_USERNAME = 'admin';
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;
const sha256Hex = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');

/** Users, passwords (bcrypt) and bearer-token sessions (only the token's SHA-256 is stored). */
export class AuthService {
  private readonly rounds: number;
  /** Hash checked when the user does not exist, so both failures take the same time. */
  private dummyHash: Promise<string> | null = null;

  constructor(private readonly deps: AuthServiceDeps) {
    this.rounds = deps.bcryptRounds ?? 10;
  }

  /**
   * Makes sure the user `admin` exists. When it does not, creates it with `password` or, if none
   * is given, with a random one that is returned so the caller can print it once.
   */
  async ensureAdmin(password?: string): Promise<{ created: boolean; generatedPassword: string | null }> {
    if (await this.deps.users.findByUsername(ADMIN_USERNAME)) return { created: false, generatedPassword: null };
    const generated = password ? null : randomBytes(18).toString('base64url');
    const passwordHash = await bcrypt.hash(password ?? generated ?? '', this.rounds);
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
   * Checks a username and password and opens a session.
   * @throws {AppError} `OASIS_ERR_BAD_CREDENTIALS`, the same for an unknown user and a wrong password.
   */
  async login(username: string, password: string): Promise<LoginResult> {
    const user = await this.deps.users.findByUsername(username);
    const hash = user?.passwordHash ?? (await this.dummy());
    const ok = await bcrypt.compare(password, hash);
    if (!user || !ok) throw new AppError('OASIS_ERR_BAD_CREDENTIALS');
    const token = randomBytes(32).toString('base64url');
    const session: SessionUser = { id: user.id, username: user.username, role: user.role };
    const ttl = this.deps.config.sessionTtlMs;
    await this.deps.sessions.set(sha256Hex(token), JSON.stringify(session), ttl);
    return { token, expiresAt: Date.now() + ttl, user: session };
  }

  /** The user of a bearer token, or null when the token is unknown, expired or malformed. */
  async authenticate(token: string): Promise<SessionUser | null> {
    if (!TOKEN_SHAPE.test(token)) return null;
    const raw = await this.deps.sessions.get(sha256Hex(token));
    if (!raw) return null;
    try {
      const user = JSON.parse(raw) as SessionUser;
      return typeof user.id === 'number' && typeof user.username === 'string' ? user : null;
    } catch {
      return null;
    }
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
