/** How one alarm webhook is delivered. */
export interface WebhookOptions {
  /** Time limit of one POST (ms). */
  timeoutMs: number;
  /** Tries in all (≥ 1). */
  attempts: number;
  /** Wait before the second try (ms); doubles at each further try. */
  retryMs: number;
  /** Sleeps between tries (tests may pass a quicker one). */
  sleep?: (ms: number) => Promise<void>;
}

/** Outcome of a delivery: `ok`, how many tries it took, and the last failure when not ok. */
export interface DeliveryResult {
  ok: boolean;
  tries: number;
  error?: string;
}

const sleepMs = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Statuses worth another try: the receiver may answer later (others would answer the same). */
const retryable = (status: number) => status >= 500 || status === 408 || status === 429;

/**
 * POSTs `body` as JSON to `url`, with a time limit per try and retries with exponential backoff
 * on network errors, time-outs, 5xx, 408 and 429. `deliveryId` goes out as `X-Oasis-Delivery`
 * on every try, so a receiver that got a try whose answer was lost can drop the repeat.
 * Never throws: the result tells.
 */
export async function postWebhook(url: string, body: unknown, deliveryId: string, opts: WebhookOptions): Promise<DeliveryResult> {
  const json = JSON.stringify(body);
  const sleep = opts.sleep ?? sleepMs;
  let error = '';
  for (let attempt = 1; attempt <= opts.attempts; attempt++) {
    if (attempt > 1) await sleep(opts.retryMs * 2 ** (attempt - 2));
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'oasis-scheduler-alarm',
          'x-oasis-delivery': deliveryId,
        },
        body: json,
        signal: AbortSignal.timeout(opts.timeoutMs),
        // An alarm must reach the configured URL, not wherever a redirect points.
        redirect: 'manual',
      });
      // Drain the body so the connection is released.
      await res.arrayBuffer().catch(() => undefined);
      if (res.status >= 200 && res.status < 300) return { ok: true, tries: attempt };
      error = `HTTP ${res.status}`;
      if (!retryable(res.status)) return { ok: false, tries: attempt, error };
    } catch (err) {
      error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    }
  }
  return { ok: false, tries: opts.attempts, error };
}
