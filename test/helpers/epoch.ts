/**
 * The scheduler's epoch in tests: a fresh key prefix has no epoch, so claim-due.lua and
 * commit-fire.lua refuse (EPOCH_CHANGED) until the app is reconciled. Tests that call the scripts
 * directly seal it first, as a reconcile with nothing to move would; tests that run a
 * {@link Scheduler} give it a {@link FireReconciler} over an empty fire history of their own.
 */
import { silentLogger } from '../../server/src/domain/logger.js';
import { FireReconciler } from '../../server/src/scheduler/reconcile.js';
import { FireHistoryRepo, openDatabase, type Database } from '../../server/src/store/db/index.js';
import type { HotStore } from '../../server/src/store/redis/hot-store.js';

/** Writes the app's epoch (the server's run_id): its schedule counts as reconciled. */
export async function sealEpoch(hot: HotStore, app: string): Promise<void> {
  const r = await hot.schedule.reconcileFires(app, await hot.schedule.serverRunId(app), [], true);
  if (r.epochChanged) throw new Error('the Redis server restarted while the epoch was sealed');
}

/**
 * A {@link FireReconciler} for `hot` whose fire history is a fresh in-memory SQLite database (no
 * fire recorded yet: the tests of the loop alone have no MySQL); `close()` closes it.
 */
export async function reconcilerOn(hot: HotStore): Promise<{ reconciler: FireReconciler; db: Database; close(): Promise<void> }> {
  const db = await openDatabase('sqlite::memory:');
  await db.sync();
  const reconciler = new FireReconciler({ store: hot.schedule, history: new FireHistoryRepo(db.models), logger: silentLogger });
  return { reconciler, db, close: () => db.close() };
}

/** A claimer for tests that call claim-due.lua directly: its liveness outlasts any test. */
export const CLAIMER = { adminId: 'test-admin', livenessMs: 3_600_000 } as const;
