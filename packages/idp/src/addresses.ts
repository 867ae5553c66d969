import { isIP } from 'node:net';

// Address helpers of the SSRF guard, kept apart from loopback.ts so that the guarded fetch
// (`@portcullis/idp/guarded-fetch`) loads without oidc-provider.

/** Strip the brackets of an IPv6 URL host (`[::1]` → `::1`). */
export function bareHost(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}

/**
 * True for a resolved *address* in 127.0.0.0/8 or the IPv6 loopback `::1` (also IPv4-mapped). Unlike
 * `isLoopbackHost` it never accepts the name `localhost`: it judges what DNS returned, not what a URL says.
 */
export function isLoopbackAddress(address: string): boolean {
  const ip = bareHost(address).toLowerCase();
  if (isIP(ip) === 4) return ip.startsWith('127.');
  if (ip === '::1' || ip === '0:0:0:0:0:0:0:1') return true;
  return ip.startsWith('::ffff:127.');
}
