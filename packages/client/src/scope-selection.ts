import {
  type AuthorizationServerMetadata,
  type BearerChallengeParams,
  parseBearerChallenge,
  parseScope,
  unionScopes,
} from '@portcullis/metadata';

/** What a 401 or 403 `WWW-Authenticate: Bearer …` challenge said. */
export interface ScopeChallenge {
  readonly scope?: string | undefined;
  readonly resourceMetadataUrl?: string | undefined;
}

/** The Bearer parameters of a `WWW-Authenticate` value; `{}` when absent or malformed. */
export function challengeOf(header: string | null): BearerChallengeParams {
  if (header === null) return {};
  try {
    return parseBearerChallenge(header) ?? {};
  } catch {
    return {};
  }
}

/**
 * The scopes of a first authorization request (CL-11, CL-12, CL-26): the challenge's `scope` (authoritative,
 * even when not in `scopes_supported`) → every PRM `scopes_supported` → none. With `offlineAccess`,
 * `offline_access` is added, and only when the authorization server lists it in its own `scopes_supported`;
 * it is never requested otherwise.
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/authorization#scope-selection-strategy
 */
export function selectScopes(
  challengeScope: string | undefined,
  prmScopesSupported: readonly string[] | undefined,
  metadata: Pick<AuthorizationServerMetadata, 'scopes_supported'>,
  offlineAccess = false,
): string[] {
  const base =
    challengeScope !== undefined && challengeScope.trim() !== ''
      ? parseScope(challengeScope)
      : [...(prmScopesSupported ?? [])];
  return withOfflineAccess(base, metadata, offlineAccess);
}

/**
 * The scopes of a step-up request (CL-13): the union of what was requested before, what the current token
 * was granted and what the 403 challenge asks for.
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/authorization#step-up-authorization-flow
 */
export function stepUpScopes(
  previous: readonly string[],
  granted: string | undefined,
  challengeScope: string | undefined,
  metadata: Pick<AuthorizationServerMetadata, 'scopes_supported'>,
  offlineAccess = false,
): string[] {
  return withOfflineAccess(
    unionScopes(previous, parseScope(granted ?? ''), parseScope(challengeScope ?? '')),
    metadata,
    offlineAccess,
  );
}

function withOfflineAccess(
  scopes: readonly string[],
  metadata: Pick<AuthorizationServerMetadata, 'scopes_supported'>,
  offlineAccess: boolean,
): string[] {
  const listed = offlineAccess && metadata.scopes_supported?.includes('offline_access') === true;
  const without = scopes.filter((s) => s !== 'offline_access');
  return listed && without.length > 0 ? [...without, 'offline_access'] : without;
}
