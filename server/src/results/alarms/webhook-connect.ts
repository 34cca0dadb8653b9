import type { LookupAddress } from 'node:dns';
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP, type LookupFunction } from 'node:net';
import { WebhookRefusedError, type WebhookDestinationPolicy } from './webhook-destination.js';

/** Resolves a host name to every address it has (like `dns.lookup` with `all: true`). */
export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

/** The system resolver (`/etc/hosts`, then DNS), as Node's own connections use it. */
export const systemResolver: Resolver = (hostname) => dnsLookup(hostname, { all: true });

/** A webhook URL ready to be requested: the parsed URL and the `lookup` its connections must use. */
export interface WebhookTarget {
  url: URL;
  /** Undefined for an IP-literal host: Node connects to it without a lookup, so it was checked here. */
  lookup: LookupFunction | undefined;
}

/**
 * Parses a webhook URL and applies the destination policy to it: an IP-literal host is judged now
 * (Node skips `lookup` for literals); a host name gets a `lookup` that judges every address it
 * resolves to when each connection is made, so a name that changes its answer between a check and
 * the connect (DNS rebinding) cannot slip through. A host name opened by name is not judged.
 * @throws {WebhookRefusedError} for a URL that is not http(s) or an IP-literal host that is denied.
 */
export function webhookTarget(raw: string, policy: WebhookDestinationPolicy, resolve: Resolver): WebhookTarget {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    // The URL itself is not repeated: a webhook URL may carry a secret.
    throw new WebhookRefusedError('webhook URL is not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new WebhookRefusedError(`webhook URL must be http: or https:, not ${url.protocol}`);
  }
  // The WHATWG parser has already made `0x7f.1`, `2130706433` and `127.1` into `127.0.0.1`.
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  if (isIP(host) !== 0) {
    const verdict = policy.judge(host);
    if (!verdict.allowed) throw policy.refusal(host, verdict.range);
    return { url, lookup: undefined };
  }
  return { url, lookup: guardedLookup(policy, resolve, !policy.allowsHost(host)) };
}

/** A connection's `lookup`: resolves with `resolve` and, when `check`, refuses any denied address. */
function guardedLookup(policy: WebhookDestinationPolicy, resolve: Resolver, check: boolean): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname).then(
      (all) => {
        const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family;
        const addresses = family === 4 || family === 6 ? all.filter((a) => a.family === family) : all;
        const first = addresses[0];
        if (!first) {
          callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname }), '', 0);
          return;
        }
        // One denied address refuses the name: with several, the connection may try any of them.
        for (const { address } of check ? addresses : []) {
          const verdict = policy.judge(address);
          if (!verdict.allowed) {
            callback(policy.refusal(`${hostname} (${address})`, verdict.range), '', 0);
            return;
          }
        }
        if (options.all) callback(null, addresses);
        else callback(null, first.address, first.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, '', 0),
    );
  };
}
