import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { exponentialDelay } from '@oasis/worker-client/backoff';
import { systemResolver, webhookTarget, type Resolver, type WebhookTarget } from './webhook-connect.js';
import { destinationPolicy, WebhookRefusedError } from './webhook-destination.js';

/** How one alarm webhook is delivered. */
export interface WebhookOptions {
  /** Time limit of one POST (ms), from the connect to the end of the answer. */
  timeoutMs: number;
  /** Tries in all (≥ 1). */
  attempts: number;
  /** Wait before the second try (ms); doubles at each further try. */
  retryMs: number;
  /** Sleeps between tries (tests may pass a quicker one). */
  sleep?: (ms: number) => Promise<void>;
  /**
   * Host names and CIDRs/addresses a webhook may reach although they are loopback, private,
   * link-local, unique-local or otherwise denied (`OASIS_WEBHOOK_ALLOW`); default none.
   * See `WebhookDestinationPolicy`.
   */
  allow?: readonly string[];
  /** Resolves host names at connect time (default: the system resolver); tests pass their own. */
  resolve?: Resolver;
}

/**
 * Outcome of a delivery: `ok`, how many tries it took, and the last failure when not ok;
 * `refused` when the destination policy refused the URL (never retried).
 */
export interface DeliveryResult {
  ok: boolean;
  tries: number;
  error?: string;
  refused?: true;
}

const sleepMs = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Statuses worth another try: the receiver may answer later (others would answer the same). */
const retryable = (status: number) => status >= 500 || status === 408 || status === 429;

const NO_ALLOW: readonly string[] = Object.freeze([]);

/**
 * POSTs `body` as JSON to `url`, with a time limit per try and retries with exponential backoff
 * on network errors, time-outs, 5xx, 408 and 429. `deliveryId` goes out as `X-Oasis-Delivery`
 * on every try, so a receiver that got a try whose answer was lost can drop the repeat.
 * Redirects are not followed. The destination must pass `opts.allow`'s policy at each connect
 * (see `webhook-connect.ts`); a refused one ends the delivery at once with `refused`.
 * Never throws: the result tells.
 */
export async function postWebhook(url: string, body: unknown, deliveryId: string, opts: WebhookOptions): Promise<DeliveryResult> {
  let target: WebhookTarget;
  try {
    target = webhookTarget(url, destinationPolicy(opts.allow ?? NO_ALLOW), opts.resolve ?? systemResolver);
  } catch (err) {
    return { ok: false, tries: 1, error: err instanceof Error ? err.message : String(err), refused: true };
  }
  const json = JSON.stringify(body);
  const sleep = opts.sleep ?? sleepMs;
  let error = '';
  for (let attempt = 1; attempt <= opts.attempts; attempt++) {
    if (attempt > 1) await sleep(exponentialDelay(attempt - 2, opts.retryMs, Infinity));
    try {
      const status = await postOnce(target, json, deliveryId, opts.timeoutMs);
      if (status >= 200 && status < 300) return { ok: true, tries: attempt };
      // An alarm must reach the configured URL, not wherever a redirect points.
      error = status >= 300 && status < 400 ? `HTTP ${status} (redirects are not followed)` : `HTTP ${status}`;
      if (!retryable(status)) return { ok: false, tries: attempt, error };
    } catch (err) {
      // The name may have been fine at the first try and point elsewhere now: refused at any try.
      if (err instanceof WebhookRefusedError) return { ok: false, tries: attempt, error: err.message, refused: true };
      error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    }
  }
  return { ok: false, tries: opts.attempts, error };
}

/** One POST; resolves with the answer's status once its body is drained (or cut off). */
function postOnce(target: WebhookTarget, json: string, deliveryId: string, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const signal = AbortSignal.timeout(timeoutMs);
    const send = target.url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(
      target.url,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(json),
          'user-agent': 'oasis-scheduler-alarm',
          'x-oasis-delivery': deliveryId,
        },
        lookup: target.lookup,
        // A new connection per try, so every try's address goes through the policy's lookup
        // (a pooled socket would carry an earlier check, possibly under another allow list).
        agent: false,
        signal,
      },
      (res) => {
        const status = res.statusCode ?? 0;
        // The body does not matter, nor whether it arrives whole (the time limit may cut it):
        // read it so the receiver is not left writing into a stalled connection.
        res.on('error', () => undefined);
        res.once('close', () => resolve(status));
        res.resume();
      },
    );
    // `on`, not `once`: an aborted request may report more than one error, and an unheard one would crash the admin.
    req.on('error', (err) => {
      if (signal.aborted) {
        const timeout = new Error(`no answer within ${timeoutMs} ms`);
        timeout.name = 'TimeoutError';
        reject(timeout);
      } else reject(err);
    });
    req.end(json);
  });
}
