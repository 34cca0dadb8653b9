/**
 * The one backoff formula of the project, for the SDK and the admin alike (the admin imports it as
 * `@oasis/worker-client/backoff`); each caller passes its own bounds.
 */

/**
 * Delay before the next try after `failures` consecutive failures (0 for the first retry):
 * `minMs` doubled at each failure, capped at `maxMs` (`Infinity`: no cap). No jitter: see
 * {@link backoffDelay} for a fleet that must not retry in lock-step.
 */
export function exponentialDelay(failures: number, minMs: number, maxMs: number): number {
  // The exponent's own cap only keeps 2 ** n finite; `maxMs` is reached long before.
  return Math.min(maxMs, minMs * 2 ** Math.min(failures, 30));
}

/**
 * Reconnect delay after `failures` consecutive failures: {@link exponentialDelay} with "equal
 * jitter" (between half and all of it) so a fleet of workers does not reconnect in lock-step
 * after an admin restart.
 */
export function backoffDelay(failures: number, minMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = exponentialDelay(failures, minMs, maxMs);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
