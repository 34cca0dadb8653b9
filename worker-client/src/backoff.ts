/**
 * Reconnect delay after `failures` consecutive failures: exponential from `minMs`, capped at
 * `maxMs`, with "equal jitter" (between half and all of it) so a fleet of workers does not
 * reconnect in lock-step after an admin restart.
 */
export function backoffDelay(failures: number, minMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, minMs * 2 ** Math.min(failures, 30));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
