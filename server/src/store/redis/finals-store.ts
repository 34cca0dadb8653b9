import type { RedisClient } from './connection.js';
import type { Keys } from '../keys.js';
import { FINALS_ENTRY, LEGACY_FIELDS, withLegacyNames, type FinalRecordFields } from './schema.js';

const GROUP = 'writers';

/**
 * A final record as the lifecycle of a task writes it (`lua/include/lifecycle.lua`, shape
 * `FINAL_FIELDS` of `schema.ts`): numbers arrive as strings, `hasLog` as a number. Records
 * written by the previous layout are read in the current names.
 */
export type FinalFields = FinalRecordFields;

/** One final record waiting in an app's finals STREAM. */
export interface FinalEntry {
  app: string;
  streamId: string;
  fields: FinalFields | null;
}

type StreamReply = [string, [string, string[]][]][] | null;

function toFields(flat: string[]): FinalFields | null {
  const i = flat.indexOf(FINALS_ENTRY.record);
  try {
    return i >= 0 ? withLegacyNames(JSON.parse(flat[i + 1] ?? '') as FinalFields, LEGACY_FIELDS.final) : null;
  } catch {
    return null;
  }
}

/**
 * The finals STREAMs: each accepted result or LOST task lands there atomically with the end of
 * the task; writers (one consumer group across admins) drain them into the database. An entry is
 * acknowledged and deleted only after the database took it, so a database outage loses nothing.
 */
export class FinalsStore {
  private readonly groups = new Set<string>();

  /** Entries pending on another consumer for longer than this are taken over (their admin died). */
  takeoverMs = 30_000;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  private async ensureGroup(app: string): Promise<void> {
    if (this.groups.has(app)) return;
    try {
      await this.redis.xgroup('CREATE', this.keys.app(app).finals, GROUP, '0', 'MKSTREAM');
    } catch (err) {
      if (!(err instanceof Error) || !err.message.includes('BUSYGROUP')) throw err;
    }
    this.groups.add(app);
  }

  /**
   * Up to `count` entries of one app for `consumer`. With `recover`, first its own
   * unacknowledged ones (a write that failed before) and entries abandoned by dead consumers;
   * then (or without `recover`) new ones.
   */
  async read(app: string, consumer: string, count: number, recover = false): Promise<FinalEntry[]> {
    await this.ensureGroup(app);
    const key = this.keys.app(app).finals;
    let entries: [string, string[]][] = [];
    if (recover) {
      const own = (await this.redis.xreadgroup('GROUP', GROUP, consumer, 'COUNT', count, 'STREAMS', key, '0')) as StreamReply;
      entries = own?.[0]?.[1] ?? [];
      if (entries.length === 0) {
        const claimed = (await this.redis.xautoclaim(key, GROUP, consumer, this.takeoverMs, '0-0', 'COUNT', count)) as [
          string,
          [string, string[]][],
        ];
        entries = claimed[1] ?? [];
      }
    }
    if (entries.length === 0) {
      const fresh = (await this.redis.xreadgroup('GROUP', GROUP, consumer, 'COUNT', count, 'STREAMS', key, '>')) as StreamReply;
      entries = fresh?.[0]?.[1] ?? [];
    }
    return entries.filter(([, f]) => Array.isArray(f)).map(([id, f]) => ({ app, streamId: id, fields: toFields(f) }));
  }

  /** The live log lines of finished tasks (to persist with their records). */
  async logs(app: string, taskIds: string[]): Promise<string[][]> {
    if (taskIds.length === 0) return [];
    const k = this.keys.app(app);
    const p = this.redis.pipeline();
    for (const id of taskIds) p.lrange(k.log(id), 0, -1);
    const res = (await p.exec()) ?? [];
    return res.map(([, v]) => (v as string[]) ?? []);
  }

  /** Acknowledges written entries and drops them with their log lists. */
  async ack(app: string, streamIds: string[], taskIds: string[]): Promise<void> {
    if (streamIds.length === 0) return;
    const k = this.keys.app(app);
    const p = this.redis.pipeline().xack(k.finals, GROUP, ...streamIds).xdel(k.finals, ...streamIds);
    if (taskIds.length) p.del(...taskIds.map((id) => k.log(id)));
    await p.exec();
  }

  /** Entries not yet written, across the given apps (for health and tests). */
  async backlog(apps: string[]): Promise<number> {
    if (apps.length === 0) return 0;
    // One read per app, not one pipeline: the apps may live on different cluster nodes.
    const res = await Promise.all(apps.map((a) => this.redis.xlen(this.keys.app(a).finals)));
    return res.reduce((s, v) => s + v, 0);
  }
}
