/**
 * One chaos test file: `describe` with the private stores started once before its scenarios and
 * stopped (by PID, temp dir removed) after them, and every scenario's processes stopped after it,
 * pass or fail.
 */
import { startChaosStores, Scenario, type ChaosStores } from './world.js';

/** What a scenario file's body gets: a way to make the test's scenario. */
export interface ChaosContext {
  /** A scenario on this file's private stores, cleaned up after the test. `env`: extra admin settings. */
  scenario(name: string, env?: Record<string, string>): Scenario;
}

/** Declares a chaos test file titled `title`. */
export function chaosSuite(title: string, body: (ctx: ChaosContext) => void): void {
  describe(title, function () {
    this.timeout(600_000);
    let stores: ChaosStores | null = null;
    let current: Scenario | null = null;
    before(async function () {
      this.timeout(180_000);
      stores = await startChaosStores();
    });
    afterEach(async function () {
      this.timeout(60_000);
      await current?.cleanup();
      current = null;
    });
    after(async function () {
      this.timeout(60_000);
      await stores?.stop();
    });
    body({
      scenario(name, env) {
        if (!stores) throw new Error('the chaos stores did not start');
        current = new Scenario(stores, name, env);
        return current;
      },
    });
  });
}
