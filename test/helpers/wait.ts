/** The one way tests wait: for a condition (polled) or for a while. */

/** What a polled check may answer: a value once the condition holds, anything falsy before. */
type Polled<T> = T | null | undefined | false;

/**
 * Polls `check` (sync or async) every `everyMs` until it answers a truthy value, and resolves
 * with that value. A throw counts as "not yet"; the last one is named in the failure. Rejects
 * with `timed out waiting for <what>` once `timeoutMs` has passed. In-memory checks may poll
 * every few ms; checks that go over the network keep the default 100 ms.
 */
export async function waitFor<T>(check: () => Polled<T> | Promise<Polled<T>>, timeoutMs: number, what: string, everyMs = 100): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() >= end) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await sleep(everyMs);
  }
}

/** Resolves after `ms`. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
