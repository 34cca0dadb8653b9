import ipaddr from 'ipaddr.js';
import { isIP } from 'node:net';

type IP = ipaddr.IPv4 | ipaddr.IPv6;

/**
 * Why an address is no webhook destination by default. Each names a kind of address that reaches
 * this machine, its private networks or a special-purpose range rather than a public receiver.
 */
export const DeniedRange = {
  LOOPBACK: 'loopback',
  PRIVATE: 'private',
  CARRIER_GRADE_NAT: 'carrier-grade NAT',
  LINK_LOCAL: 'link-local',
  UNIQUE_LOCAL: 'unique-local',
  UNSPECIFIED: 'unspecified',
  MULTICAST: 'multicast',
  BROADCAST: 'broadcast',
  /** Documentation, benchmarking, future-use, site-local, tunnelling and other special ranges. */
  RESERVED: 'reserved',
  /** Not an IP address at all (a resolver answered nonsense). */
  INVALID: 'invalid',
} as const;
export type DeniedRange = (typeof DeniedRange)[keyof typeof DeniedRange];

/** The policy's answer for one address. */
export type AddressVerdict = { allowed: true } | { allowed: false; range: DeniedRange };

/** ipaddr.js range names → ours; every other non-`unicast` range is {@link DeniedRange.RESERVED}. */
const RANGE_OF: Readonly<Record<string, DeniedRange>> = {
  loopback: DeniedRange.LOOPBACK,
  private: DeniedRange.PRIVATE,
  carrierGradeNat: DeniedRange.CARRIER_GRADE_NAT,
  linkLocal: DeniedRange.LINK_LOCAL,
  uniqueLocal: DeniedRange.UNIQUE_LOCAL,
  unspecified: DeniedRange.UNSPECIFIED,
  multicast: DeniedRange.MULTICAST,
  broadcast: DeniedRange.BROADCAST,
};

/**
 * A webhook delivery refused by the destination policy. Not worth another try: the same URL
 * gets the same answer until the job or `OASIS_WEBHOOK_ALLOW` changes.
 */
export class WebhookRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookRefusedError';
  }
}

/**
 * Where alarm webhooks may go (SSRF defence). By default only public unicast addresses: loopback,
 * private (RFC 1918), carrier-grade NAT, link-local (cloud metadata), unique-local, unspecified,
 * multicast, broadcast and reserved ranges are denied, and IPv6 forms that carry an IPv4 address
 * (IPv4-mapped, IPv4-compatible, RFC 6145, NAT64 `64:ff9b::/96`, 6to4) are judged by that IPv4
 * address. `allow` (`OASIS_WEBHOOK_ALLOW`) opens more: a CIDR or address opens the addresses inside
 * it; a host name opens that host whatever it resolves to.
 *
 * The policy judges addresses; the sender applies it to the address each connection actually
 * uses (`webhook-connect.ts`).
 */
export class WebhookDestinationPolicy {
  private readonly hosts = new Set<string>();
  private readonly cidrs: [IP, number][] = [];

  /** @throws {Error} naming every entry of `allow` that is neither a CIDR, an address nor a host name. */
  constructor(allow: readonly string[]) {
    const bad: string[] = [];
    for (const entry of allow) {
      const rule = parseEntry(entry.trim());
      if (rule === null) bad.push(JSON.stringify(entry));
      else if (typeof rule === 'string') this.hosts.add(rule);
      else this.cidrs.push(rule);
    }
    if (bad.length) {
      throw new Error(`OASIS_WEBHOOK_ALLOW: not a host name, an IP address or a CIDR: ${bad.join(', ')}`);
    }
  }

  /** Whether `hostname` (as a URL spells it: lower case, punycode) is opened by name. */
  allowsHost(hostname: string): boolean {
    return this.hosts.has(canonicalName(hostname));
  }

  /** Judges one address (as a resolver or `net.isIP` gives it, with or without an IPv6 zone). */
  judge(address: string): AddressVerdict {
    if (isIP(address) === 0) return { allowed: false, range: DeniedRange.INVALID };
    const ip = ipaddr.parse(address);
    const carried = carriedIPv4(ip);
    if (this.cidrs.some(([net, bits]) => inside(ip, net, bits) || (carried !== null && inside(carried, net, bits)))) {
      return { allowed: true };
    }
    const range = deniedRange(carried ?? ip);
    return range === null ? { allowed: true } : { allowed: false, range };
  }

  /** The error of a refused destination: what it was, why, and the setting that opens it. */
  refusal(destination: string, range: DeniedRange): WebhookRefusedError {
    return new WebhookRefusedError(`webhook destination ${destination} is not allowed (${range} address); see OASIS_WEBHOOK_ALLOW`);
  }
}

/** Policies by allow list, so the config's list is compiled once and not at every delivery. */
const compiled = new WeakMap<readonly string[], WebhookDestinationPolicy>();

/**
 * The policy of `allow`; compiled once per frozen list (the config's is frozen), since a list
 * that can still change could not be cached. @throws {Error} like the constructor.
 */
export function destinationPolicy(allow: readonly string[]): WebhookDestinationPolicy {
  let policy = compiled.get(allow);
  if (!policy) {
    policy = new WebhookDestinationPolicy(allow);
    if (Object.isFrozen(allow)) compiled.set(allow, policy);
  }
  return policy;
}

/** An allow-list entry as a host name or a CIDR; null when it is neither. */
function parseEntry(entry: string): string | [IP, number] | null {
  if (entry.includes('/')) return ipaddr.isValidCIDR(entry) ? ipaddr.parseCIDR(entry) : null;
  const unbracketed = entry.startsWith('[') && entry.endsWith(']') ? entry.slice(1, -1) : entry;
  if (unbracketed.includes(':')) return ipaddr.IPv6.isValid(unbracketed) ? [ipaddr.IPv6.parse(unbracketed), 128] : null;
  // Read the entry as a URL's host, so it is canonical the way the URLs it is compared with are
  // (lower case, punycode, `0x7f.1` → `127.0.0.1`), and anything a URL host cannot be is refused.
  let host: string;
  try {
    const url = new URL(`http://${entry}/`);
    if (url.host !== url.hostname || url.username || url.password || url.pathname !== '/' || url.search || url.hash) return null;
    host = url.hostname;
  } catch {
    return null;
  }
  // Wildcards would be read as a literal label that never matches: refuse them instead.
  if (host === '' || host.includes('*')) return null;
  if (isIP(host) === 4) return [ipaddr.IPv4.parse(host), 32];
  return canonicalName(host);
}

function canonicalName(hostname: string): string {
  const lower = hostname.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

function inside(ip: IP, net: IP, bits: number): boolean {
  return ip.kind() === net.kind() && ip.match(net, bits);
}

/** The IPv4 address an IPv6 address carries and leads to (mapped, compatible, translated, NAT64, 6to4); null when none. */
function carriedIPv4(ip: IP): ipaddr.IPv4 | null {
  if (ip.kind() !== 'ipv6') return null;
  const v6 = ip as ipaddr.IPv6;
  const p = v6.parts;
  const last32 = () => new ipaddr.IPv4([p[6]! >> 8, p[6]! & 0xff, p[7]! >> 8, p[7]! & 0xff]);
  switch (v6.range()) {
    case 'ipv4Mapped':
    case 'rfc6145':
      return last32();
    case 'rfc6052':
      // Only the well-known 64:ff9b::/96 carries the address in its last 32 bits; 64:ff9b:1::/48 is local use.
      return p[2] === 0 && p[3] === 0 && p[4] === 0 && p[5] === 0 ? last32() : null;
    case '6to4':
      return new ipaddr.IPv4([p[1]! >> 8, p[1]! & 0xff, p[2]! >> 8, p[2]! & 0xff]);
    case 'unicast':
      // IPv4-compatible ::a.b.c.d (deprecated, but a stack may still route it); :: and ::1 have ranges of their own.
      return p.slice(0, 6).every((x) => x === 0) ? last32() : null;
    default:
      return null;
  }
}

function deniedRange(ip: IP): DeniedRange | null {
  const range = ip.range();
  if (range === 'unicast') return null;
  return RANGE_OF[range] ?? DeniedRange.RESERVED;
}
