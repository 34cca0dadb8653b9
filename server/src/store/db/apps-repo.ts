import type { AppRecord } from '../../domain/types.js';
import { mapConstraintErrors } from './errors.js';
import type { AppModel, Models } from './models.js';

/** An app row with the hash of its worker token (never leaves the services). */
export interface AppWithToken extends AppRecord {
  tokenHash: string;
}

function toRecord(row: AppModel): AppRecord {
  return { id: row.id, name: row.name, title: row.title, createdAt: row.createdAt.getTime() };
}

/** Reads and writes `oasis_app`. Apps are never renamed, so name ↔ id lookups are cached. */
export class AppsRepo {
  private readonly ids = new Map<string, number>();
  private readonly names = new Map<number, string>();

  constructor(private readonly models: Models) {}

  /**
   * Inserts an app.
   * @throws {AppError} `OASIS_ERR_CONFLICT` when the name is taken.
   */
  async create(input: { name: string; title: string; tokenHash: string }): Promise<AppRecord> {
    const row = await mapConstraintErrors(
      () => this.models.App.create(input),
      `An app named "${input.name}" already exists`,
    );
    this.remember(row.name, row.id);
    return toRecord(row);
  }

  /** Every app, by name. */
  async list(): Promise<AppRecord[]> {
    const rows = await this.models.App.findAll({ order: [['name', 'ASC']] });
    return rows.map(toRecord);
  }

  /** One app with its token hash, or null. */
  async findByName(name: string): Promise<AppWithToken | null> {
    const row = await this.models.App.findOne({ where: { name } });
    if (!row) return null;
    this.remember(row.name, row.id);
    return { ...toRecord(row), tokenHash: row.tokenHash };
  }

  /** Id of the app named `name`, or null (cached once found). */
  async idOf(name: string): Promise<number | null> {
    const cached = this.ids.get(name);
    if (cached !== undefined) return cached;
    const row = await this.models.App.findOne({ where: { name }, attributes: ['id', 'name'] });
    if (!row) return null;
    this.remember(row.name, row.id);
    return row.id;
  }

  /** Name of the app with id `id`, or null (cached once found). */
  async nameOf(id: number): Promise<string | null> {
    const cached = this.names.get(id);
    if (cached !== undefined) return cached;
    const row = await this.models.App.findByPk(id, { attributes: ['id', 'name'] });
    if (!row) return null;
    this.remember(row.name, row.id);
    return row.name;
  }

  /** Changes an app's title; the updated app, or null when there is none. */
  async setTitle(name: string, title: string): Promise<AppRecord | null> {
    const row = await this.models.App.findOne({ where: { name } });
    if (!row) return null;
    row.set({ title });
    await row.save();
    return toRecord(row);
  }

  /** Replaces an app's worker token hash; false when there is no such app. */
  async setTokenHash(name: string, tokenHash: string): Promise<boolean> {
    const [count] = await this.models.App.update({ tokenHash }, { where: { name } });
    return count > 0;
  }

  private remember(name: string, id: number): void {
    this.ids.set(name, id);
    this.names.set(id, name);
  }
}
