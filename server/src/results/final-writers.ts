import { Effect, type EffectsPublisher, type EffectsSubscriber } from '../events/effects-bus.js';
import { FinalWriter, type FinalWriterDeps } from './final-writer.js';

/** Dependencies of {@link FinalWriterPool}: those of each writer, but its consumer name. */
export interface FinalWriterPoolDeps extends Omit<FinalWriterDeps, 'consumer' | 'effects'> {
  /** How many writer loops (`OASIS_WRITERS`). */
  count: number;
  /** This admin's id: writer `i` reads as consumer `<adminId>#<i>` of the writers' group. */
  adminId: string;
  /** Writers publish what they wrote; the pool is nudged by {@link Effect.FINALS}. */
  effects: EffectsPublisher & EffectsSubscriber;
}

/**
 * This admin's final writers: several loops share the finals streams through the consumer group,
 * so batches go to the database in parallel. Started, nudged, drained and stopped together; a
 * {@link Effect.FINALS} effect (results accepted, tasks marked LOST) nudges every one of them.
 */
export class FinalWriterPool {
  private readonly writers: FinalWriter[];

  constructor(deps: FinalWriterPoolDeps) {
    const { count, adminId, ...each } = deps;
    this.writers = Array.from({ length: count }, (_, i) => new FinalWriter({ ...each, consumer: `${adminId}#${i}` }));
    deps.effects.on(Effect.FINALS, () => this.nudge());
  }

  start(): void {
    for (const w of this.writers) w.start();
  }

  /** Second records of fires this admin's writers kept apart since they started (each also logged once). */
  get duplicates(): number {
    return this.writers.reduce((n, w) => n + w.duplicates, 0);
  }

  /** Asks every writer for a flush soon. */
  nudge(): void {
    for (const w of this.writers) w.nudge();
  }

  /** One batch per app from every writer; true when some writer may have more waiting. */
  async drain(): Promise<boolean> {
    return (await Promise.all(this.writers.map((w) => w.drain()))).some(Boolean);
  }

  async stop(): Promise<void> {
    await Promise.all(this.writers.map((w) => w.stop()));
  }
}

/**
 * The database id of an app by name, remembered once found (apps are never deleted, so a name
 * keeps its id; a name not found yet is asked again next time).
 */
export function rememberedAppIds(idOf: (name: string) => Promise<number | null>): (name: string) => Promise<number | null> {
  const ids = new Map<string, number>();
  return async (name) => {
    let id = ids.get(name);
    if (id === undefined) {
      const found = await idOf(name);
      if (found === null) return null;
      id = found;
      ids.set(name, id);
    }
    return id;
  };
}
