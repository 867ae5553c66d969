import {
  type AuthorizationServerMetadata,
  authorizationServerMetadataUrls,
  IssuerMismatchError,
  type ProtectedResourceMetadata,
  parseProtectedResourceMetadata,
  protectedResourceMetadataUrls,
  ResourceMismatchError,
  resourceFromProtectedResourceMetadataUrl,
  validateAuthorizationServerMetadata,
} from '@portcullis/metadata';
import { ClientError, messageOf } from './errors.js';

// Written by hand on top of @portcullis/metadata: the SDK's discovery accepts a PRM `resource` that is only a
// path prefix of the server URL and tolerates a trailing slash on `issuer`; MCP and RFC 9728 §3.3 / RFC 8414
// §3.3 want simple string equality, so we fetch in the spec's order and compare exactly.

/** What protected resource discovery found. */
export interface ResourceDiscovery {
  /** The PRM `resource`, verbatim: the RFC 8707 `resource` parameter we send. */
  readonly resource: string;
  readonly prmUrl: string;
  readonly prm: ProtectedResourceMetadata;
}

/** What authorization server discovery found. */
export interface ServerDiscovery {
  readonly issuer: string;
  readonly metadataUrl: string;
  readonly metadata: AuthorizationServerMetadata;
}

/** One URL tried during discovery, for `doctor` and error messages. */
export interface DiscoveryAttempt {
  readonly url: string;
  readonly status: number | 'error';
}

async function getJson(fetchFn: typeof fetch, url: string): Promise<{ status: number; body?: unknown }> {
  const response = await fetchFn(url, { headers: { accept: 'application/json' } });
  if (response.status !== 200) {
    await response.body?.cancel();
    return { status: response.status };
  }
  try {
    return { status: 200, body: await response.json() };
  } catch (error) {
    throw new ClientError(
      'ERR_PORTCULLIS_CLIENT_NETWORK',
      `${url} did not return JSON: ${messageOf(error)}`,
      {
        url,
        hint: 'the metadata endpoint must answer application/json; check the server configuration',
      },
    );
  }
}

/** 4xx and 502 mean "not here, try the next URL"; any other non-200 status is an error. */
function tryNext(status: number): boolean {
  return (status >= 400 && status < 500) || status === 502;
}

function checkPrm(body: unknown, url: string, accepted: readonly string[], loopback: boolean) {
  let prm: ProtectedResourceMetadata;
  try {
    prm = parseProtectedResourceMetadata(body, { allowLoopbackHttp: loopback });
  } catch (error) {
    throw new ClientError(
      'ERR_PORTCULLIS_CLIENT_PRM_NOT_FOUND',
      `invalid protected resource metadata at ${url}: ${messageOf(error)}`,
      {
        url,
        hint: 'fix the protected resource metadata document (RFC 9728 §2) on the MCP server',
        cause: error,
      },
    );
  }
  if (!accepted.includes(prm.resource)) {
    const cause = new ResourceMismatchError('resource mismatch', accepted[0] ?? '', prm.resource);
    throw new ClientError(
      'ERR_PORTCULLIS_CLIENT_RESOURCE_MISMATCH',
      `protected resource metadata at ${url} names the resource ${JSON.stringify(prm.resource)}, not ${accepted.map((a) => JSON.stringify(a)).join(' or ')}; refusing to use it (RFC 9728 §3.3)`,
      {
        url,
        hint: 'the server must publish its own exact URL as "resource"; report this to its operator',
        cause,
      },
    );
  }
  return prm;
}

/**
 * Find and check the protected resource metadata of `serverUrl`: the challenge's `resource_metadata` URL when
 * given (its `resource` must equal `serverUrl`), else the path-aware well-known URL, then the root one (whose
 * `resource` may also be the origin the suffix was inserted into).
 * @throws {ClientError} `ERR_PORTCULLIS_CLIENT_PRM_NOT_FOUND` or `ERR_PORTCULLIS_CLIENT_RESOURCE_MISMATCH`.
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-3
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/authorization/authorization-server-discovery
 */
export async function discoverProtectedResource(
  fetchFn: typeof fetch,
  serverUrl: string,
  challengeUrl: string | undefined,
  loopback: boolean,
  attempts: DiscoveryAttempt[] = [],
): Promise<ResourceDiscovery> {
  const candidates = challengeUrl === undefined ? protectedResourceMetadataUrls(serverUrl) : [challengeUrl];
  for (const url of candidates) {
    const { status, body } = await getJson(fetchFn, url);
    attempts.push({ url, status });
    if (status === 200) {
      const accepted = [serverUrl];
      if (challengeUrl === undefined) accepted.push(resourceFromProtectedResourceMetadataUrl(url));
      const prm = checkPrm(body, url, accepted, loopback);
      return { resource: prm.resource, prmUrl: url, prm };
    }
    if (!tryNext(status)) break;
  }
  throw new ClientError(
    'ERR_PORTCULLIS_CLIENT_PRM_NOT_FOUND',
    `no protected resource metadata for ${serverUrl} (tried ${attempts.map((a) => `${a.url} → ${a.status}`).join(', ')})`,
    {
      url: candidates[0],
      hint: 'the MCP server must serve RFC 9728 metadata at /.well-known/oauth-protected-resource<path>; run `portcullis doctor` for details',
    },
  );
}

/**
 * Fetch authorization server metadata for `issuer` in the order MCP requires (RFC 8414 path insertion, OIDC
 * path insertion, OIDC path appending) and check that `issuer` is identical to the one the URL was built from.
 * @throws {ClientError} `ERR_PORTCULLIS_CLIENT_AS_METADATA_NOT_FOUND` or `ERR_PORTCULLIS_CLIENT_ISSUER_MISMATCH`.
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3
 */
export async function discoverAuthorizationServer(
  fetchFn: typeof fetch,
  issuer: string,
  loopback: boolean,
  attempts: DiscoveryAttempt[] = [],
): Promise<ServerDiscovery> {
  for (const url of authorizationServerMetadataUrls(issuer)) {
    const { status, body } = await getJson(fetchFn, url);
    attempts.push({ url, status });
    if (status === 200) {
      try {
        const metadata = validateAuthorizationServerMetadata(body, {
          expectedIssuer: issuer,
          allowLoopbackHttp: loopback,
        });
        return { issuer, metadataUrl: url, metadata };
      } catch (error) {
        const mismatch = error instanceof IssuerMismatchError;
        throw new ClientError(
          mismatch ? 'ERR_PORTCULLIS_CLIENT_ISSUER_MISMATCH' : 'ERR_PORTCULLIS_CLIENT_AS_METADATA_NOT_FOUND',
          `unusable authorization server metadata at ${url}: ${messageOf(error)}`,
          {
            url,
            hint: mismatch
              ? 'the "issuer" in the metadata must equal the issuer listed in the protected resource metadata, byte for byte (watch the trailing slash)'
              : 'fix the authorization server metadata (RFC 8414 §2)',
            cause: error,
          },
        );
      }
    }
    if (!tryNext(status)) break;
  }
  throw new ClientError(
    'ERR_PORTCULLIS_CLIENT_AS_METADATA_NOT_FOUND',
    `no authorization server metadata for ${issuer} (tried ${attempts.map((a) => `${a.url} → ${a.status}`).join(', ')})`,
    {
      url: issuer,
      hint: 'check "authorization_servers" in the protected resource metadata; run `portcullis doctor` for details',
    },
  );
}
