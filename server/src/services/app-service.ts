import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { CreateApp, UpdateApp } from '@oasis/worker-client/contracts';
import { AppError } from '../domain/errors.js';
import type { HotPort } from '../domain/ports.js';
import type { AppRecord } from '../domain/types.js';
import type { AppsRepo } from '../store/db/apps-repo.js';
import type { Parsed } from './validation.js';

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
   * SHA-256 and registers the app on the hot side. `input` is `createAppSchema` parsed (the name
   * is valid).
   * @throws {AppError} `OASIS_ERR_CONFLICT` when it exists.
   */
  async create(input: Parsed<CreateApp>): Promise<CreatedApp> {
    const { name, title } = input;
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
   * @throws {AppError} `OASIS_ERR_UNKNOWN_APP`.
   */
  async update(name: string, input: Parsed<UpdateApp>): Promise<AppRecord> {
    const { title } = input;
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
