import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { AppError } from '../domain/errors.js';
import type { HotPort } from '../domain/ports.js';
import type { AppRecord } from '../domain/types.js';
import type { AppsRepo } from '../store/db/apps-repo.js';
import { parseOrThrow } from './validation.js';

/** App names: lowercase letter first, then lowercase letters, digits and dashes, 2-64 chars. */
export const appNameSchema = z
  .string()
  .regex(/^[a-z][a-z0-9-]{1,63}$/, 'must be 2-64 chars: a-z first, then a-z, 0-9 or -');

/** Body of an app creation. `title` defaults to the name. */
export const createAppSchema = z.strictObject({
  name: appNameSchema,
  title: z.string().trim().max(128).optional(),
});
export type CreateAppInput = z.input<typeof createAppSchema>;

/** Body of an app change: its title. */
export const updateAppSchema = z.strictObject({ title: z.string().trim().max(128) });
export type UpdateAppInput = z.input<typeof updateAppSchema>;

/** A new app and its worker token: the only time the token is ever shown. */
export interface CreatedApp {
  id: number;
  name: string;
  title: string;
  token: string;
}

const sha256Hex = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');
/** Compared against when the app is unknown, so both answers take the same time. */
const NO_HASH = sha256Hex('oasis: no such app');

/** Apps (executor groups) and their worker tokens. */
export class AppService {
  constructor(private readonly deps: { apps: AppsRepo; hot: HotPort }) {}

  /**
   * Creates an app with a fresh worker token (32 random bytes, base64url), stores only its
   * SHA-256 and registers the app on the hot side.
   * @throws {AppError} `OASIS_ERR_VALIDATION` for a bad name, `OASIS_ERR_CONFLICT` when it exists.
   */
  async create(input: CreateAppInput): Promise<CreatedApp> {
    const { name, title } = parseOrThrow(createAppSchema, input);
    const token = randomBytes(32).toString('base64url');
    const app = await this.deps.apps.create({ name, title: title || name, tokenHash: sha256Hex(token) });
    await this.deps.hot.registerApp(app.name);
    return { id: app.id, name: app.name, title: app.title, token };
  }

  /** Every app, by name (never the token). */
  list(): Promise<AppRecord[]> {
    return this.deps.apps.list();
  }

  /**
   * One app by name.
   * @throws {AppError} `OASIS_ERR_UNKNOWN_APP`.
   */
  async get(name: string): Promise<AppRecord> {
    const app = await this.deps.apps.findByName(name);
    if (!app) throw new AppError('OASIS_ERR_UNKNOWN_APP', `No app is named "${name}"`);
    return { id: app.id, name: app.name, title: app.title, createdAt: app.createdAt };
  }

  /**
   * Changes an app's title (empty: the name).
   * @throws {AppError} `OASIS_ERR_VALIDATION`, `OASIS_ERR_UNKNOWN_APP`.
   */
  async update(name: string, input: UpdateAppInput): Promise<AppRecord> {
    const { title } = parseOrThrow(updateAppSchema, input);
    const app = await this.deps.apps.setTitle(name, title || name);
    if (!app) throw new AppError('OASIS_ERR_UNKNOWN_APP', `No app is named "${name}"`);
    return app;
  }

  /**
   * Gives an app a fresh worker token (returned here only) and forgets the old one: workers
   * already connected stay connected, new connections need the new token.
   * @throws {AppError} `OASIS_ERR_UNKNOWN_APP`.
   */
  async rotateToken(name: string): Promise<CreatedApp> {
    const app = await this.get(name);
    const token = randomBytes(32).toString('base64url');
    if (!(await this.deps.apps.setTokenHash(name, sha256Hex(token)))) {
      throw new AppError('OASIS_ERR_UNKNOWN_APP', `No app is named "${name}"`);
    }
    return { id: app.id, name: app.name, title: app.title, token };
  }

  /** True when `token` is the worker token of `app` (constant-time; false for an unknown app). */
  async verifyWorkerToken(app: string, token: string): Promise<boolean> {
    const row = typeof app === 'string' && app.length <= 64 ? await this.deps.apps.findByName(app) : null;
    const expected = Buffer.from(row?.tokenHash ?? NO_HASH, 'utf8');
    const given = Buffer.from(sha256Hex(typeof token === 'string' ? token : ''), 'utf8');
    return timingSafeEqual(expected, given) && row !== null;
  }

  /** Registers every app on the hot side (after a Redis flush, or at start). */
  async registerAll(): Promise<void> {
    for (const app of await this.deps.apps.list()) await this.deps.hot.registerApp(app.name);
  }
}
