import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { assertSecureUrl, isLoopbackHost } from '@portcullis/metadata';
import { ClientError, messageOf } from './errors.js';

// Written by hand: neither the MCP SDK nor oauth4webapi guard OAuth fetches against SSRF (CL-29). Every
// discovery, registration and token request goes through here: scheme check, private/link-local/metadata
// address check (after DNS resolution), and manual redirects with the same check on every hop.

/** How {@link createSafeFetch} judges URLs. */
export interface SafeFetchPolicy {
  readonly allowLoopbackHttp: boolean;
  readonly allowPrivateNetwork: boolean;
  readonly timeoutMs: number;
  /** Redirect hops to follow for GET requests (POSTs never follow). Default 3. */
  readonly maxRedirects?: number;
}

const BLOCKED = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['127.0.0.0', 8],
  ['100.64.0.0', 10],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  BLOCKED.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['::', 128],
  ['::1', 128],
] as const) {
  BLOCKED.addSubnet(net, prefix, 'ipv6');
}

/** `true` for private, loopback, link-local (cloud metadata), CGNAT, multicast and unspecified addresses. */
export function isBlockedAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  if (family === 6 && address.toLowerCase().startsWith('::ffff:')) return isBlockedAddress(address.slice(7));
  return BLOCKED.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

function unsafe(url: string, why: string, hint: string): ClientError {
  return new ClientError('ERR_PORTCULLIS_CLIENT_UNSAFE_URL', `refusing to call ${url}: ${why}`, {
    url,
    hint,
  });
}

/**
 * Check that `url` may be called under `policy`: https (or loopback http when allowed), and not resolving to
 * a private or link-local address unless allowed. Loopback addresses count as allowed only with
 * `allowLoopbackHttp`.
 * @throws {ClientError} `ERR_PORTCULLIS_CLIENT_UNSAFE_URL`.
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/authorization/security-considerations
 */
export async function assertCallableUrl(url: string, policy: SafeFetchPolicy, field = 'URL'): Promise<URL> {
  let parsed: URL;
  try {
    parsed = assertSecureUrl(url, { allowLoopbackHttp: policy.allowLoopbackHttp, field });
  } catch (error) {
    throw unsafe(url, messageOf(error), 'the server published an unsafe URL; report it to its operator');
  }
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (isLoopbackHost(parsed.hostname)) {
    if (policy.allowLoopbackHttp) return parsed;
    throw unsafe(url, 'it is a loopback address', 'pass --allow-http-loopback for a server on this machine');
  }
  if (policy.allowPrivateNetwork) return parsed;
  const addresses = isIP(host) ? [host] : await resolve(host, url);
  const blocked = addresses.find(isBlockedAddress);
  if (blocked !== undefined) {
    throw unsafe(
      url,
      `${parsed.hostname} resolves to the private or link-local address ${blocked}`,
      'pass --allow-private-network if this server really is on your private network',
    );
  }
  return parsed;
}

async function resolve(host: string, url: string): Promise<string[]> {
  try {
    return (await lookup(host, { all: true })).map((a) => a.address);
  } catch (error) {
    throw new ClientError('ERR_PORTCULLIS_CLIENT_NETWORK', `cannot resolve ${host} for ${url}`, {
      url,
      hint: 'check the host name and your network connection',
      cause: error,
    });
  }
}

/**
 * A `fetch` that applies {@link assertCallableUrl} to the URL and to every redirect hop, with a timeout.
 * Network failures become `ERR_PORTCULLIS_CLIENT_NETWORK` naming the URL.
 */
export function createSafeFetch(policy: SafeFetchPolicy): typeof fetch {
  const maxRedirects = policy.maxRedirects ?? 3;
  return async (input, init) => {
    let url = input instanceof Request ? input.url : String(input);
    for (let hop = 0; ; hop++) {
      await assertCallableUrl(url, policy);
      let response: Response;
      try {
        response = await fetch(url, {
          ...init,
          redirect: 'manual',
          signal: init?.signal ?? AbortSignal.timeout(policy.timeoutMs),
        });
      } catch (error) {
        throw new ClientError(
          'ERR_PORTCULLIS_CLIENT_NETWORK',
          `request to ${url} failed: ${messageOf(error)}`,
          {
            url,
            hint: 'check that the server is running and reachable from this machine',
            cause: error,
          },
        );
      }
      const location = response.headers.get('location');
      const method = (init?.method ?? 'GET').toUpperCase();
      if (response.status < 300 || response.status >= 400 || location === null || method !== 'GET') {
        return response;
      }
      if (hop >= maxRedirects) return response;
      url = new URL(location, url).href;
    }
  };
}
