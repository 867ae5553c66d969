import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { isLoopbackHost } from '@portcullis/metadata';
import { bareHost, isLoopbackAddress } from './addresses.js';
import { IdpError } from './errors.js';

/** One resolved address of a host name. */
export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to every address it has (like `dns.lookup(host, { all: true })`). */
export type HostResolver = (hostname: string) => Promise<ResolvedAddress[]>;

/** Settings of the SSRF guard; see `cimd` in the options. */
export interface SsrfGuardOptions {
  /** Dev only: allow http and loopback targets for loopback hosts. */
  allowHttpLoopback: boolean;
  /** Host names exempt from the private-address refusal. */
  allowedHosts: readonly string[];
  /** Resolver; default `dns.lookup` with `all: true`. */
  resolver?: HostResolver | undefined;
}

/** Where a guarded request may connect: the validated address and whether to speak plain http. */
export interface GuardedTarget {
  url: URL;
  address: string;
  family: 4 | 6;
  plainHttp: boolean;
}

// Special-purpose ranges that must never be fetched (IANA special-purpose registries, RFC 6890).
const BLOCKED = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], // "this network", unspecified
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // CGNAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, cloud metadata
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.88.99.0', 24], // 6to4 relay
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  BLOCKED.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 96], // unspecified, loopback, IPv4-compatible (deprecated; ::7f00:1 is 127.0.0.1)
  ['::ffff:0:0:0', 96], // IPv4-translated (SIIT)
  ['64:ff9b::', 96], // NAT64 (embeds IPv4)
  ['64:ff9b:1::', 48], // local NAT64
  ['100::', 64], // discard
  ['2001::', 23], // IETF protocol assignments (Teredo, ORCHID, …)
  ['2001:db8::', 32], // documentation
  ['2002::', 16], // 6to4 (embeds IPv4)
  ['3fff::', 20], // documentation
  ['5f00::', 16], // SRv6 SIDs
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
] as const) {
  BLOCKED.addSubnet(net, prefix, 'ipv6');
}

/**
 * True when `address` is a globally routable unicast address: not private, loopback, link-local, CGNAT,
 * multicast, unspecified, documentation, or IPv6 ULA/link-local. IPv4-mapped IPv6 (`::ffff:0:0/96`) is judged
 * as IPv4; the other IPv6 ranges that embed an IPv4 address (IPv4-compatible `::/96`, IPv4-translated
 * `::ffff:0:0:0/96`, NAT64 `64:ff9b::/96` and `64:ff9b:1::/48`, 6to4 `2002::/16`, Teredo `2001::/32`) are
 * refused whole, whatever they embed.
 * @see RFC 6890; RFC 4291 §2.5.5; RFC 6052; RFC 6145; RFC 3056; CIMD draft §6.5 (SSRF)
 */
export function isPublicAddress(address: string): boolean {
  const ip = bareHost(address).toLowerCase();
  const family = isIP(ip);
  if (family === 0) return false;
  // BlockList judges IPv4-mapped IPv6 (::ffff:a.b.c.d, ::ffff:7f00:1) by the IPv4 rules.
  if (family === 6) return !BLOCKED.check(ip, 'ipv6');
  return !BLOCKED.check(ip, 'ipv4');
}

const defaultResolver: HostResolver = async (hostname) => {
  const found = await lookup(hostname, { all: true, verbatim: true });
  return found.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

/**
 * Decide whether the server may fetch `rawUrl`, before any connection is made. The host is resolved once and
 * every address must be public (unless allowed by the dev options); the caller must connect to the returned
 * address so a second DNS answer cannot redirect the request (DNS rebinding).
 * @throws IdpError `ERR_PORTCULLIS_IDP_SSRF_SCHEME`, `…_SSRF_BLOCKED` or `…_SSRF_UNRESOLVED`.
 * @see MCP Security Best Practices §Server-Side Request Forgery
 */
export async function resolveGuardedTarget(
  rawUrl: string | URL,
  options: SsrfGuardOptions,
): Promise<GuardedTarget> {
  const url = new URL(rawUrl);
  const host = bareHost(url.hostname).toLowerCase();
  const devLoopback = options.allowHttpLoopback && isLoopbackHost(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && devLoopback)) {
    throw new IdpError(
      'ERR_PORTCULLIS_IDP_SSRF_SCHEME',
      `refusing to fetch ${url.origin}: only https URLs are fetched`,
    );
  }
  if (url.username || url.password) {
    throw new IdpError(
      'ERR_PORTCULLIS_IDP_SSRF_SCHEME',
      `refusing to fetch ${url.origin}: URL has user information`,
    );
  }
  const family = isIP(host);
  let addresses: ResolvedAddress[];
  if (family !== 0) {
    addresses = [{ address: host, family: family === 6 ? 6 : 4 }];
  } else {
    try {
      addresses = await (options.resolver ?? defaultResolver)(host);
    } catch (cause) {
      throw new IdpError('ERR_PORTCULLIS_IDP_SSRF_UNRESOLVED', `cannot resolve ${host}`, { cause });
    }
  }
  const first = addresses[0];
  if (!first) throw new IdpError('ERR_PORTCULLIS_IDP_SSRF_UNRESOLVED', `${host} has no address`);
  const hostAllowed = options.allowedHosts.includes(host);
  for (const { address } of addresses) {
    const allowed = isPublicAddress(address) || hostAllowed || (devLoopback && isLoopbackAddress(address));
    if (!allowed) {
      throw new IdpError(
        'ERR_PORTCULLIS_IDP_SSRF_BLOCKED',
        `refusing to fetch ${url.origin}: ${host} resolves to the non-public address ${address}`,
      );
    }
  }
  return { url, address: first.address, family: first.family, plainHttp: devLoopback };
}
