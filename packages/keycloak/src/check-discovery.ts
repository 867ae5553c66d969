// The discovery half of the realm check: every URL form MCP clients try, each document validated with
// @portcullis/metadata, and PKCE S256 required in every document that answered.
import {
  IssuerMismatchError,
  MetadataValidationError,
  supportsPkceS256,
  validateAuthorizationServerMetadata,
  validateOpenIdProviderMetadata,
} from '@portcullis/metadata';
import type { RealmCheck } from './check-result.js';
import { row } from './check-result.js';
import { requestJson } from './http-session.js';
import { discoveryUrls } from './oauth-flow.js';

/** One discovery URL the check reads, and what its absence means. */
interface DiscoveryTarget {
  readonly id: string;
  readonly title: string;
  readonly url: string;
  readonly kind: 'rfc8414' | 'oidc';
  readonly missing: 'fail' | 'warn';
  readonly hint: string;
}

/** What one discovery URL gave: its row, and the body when it answered 200 with a JSON object. */
export interface DiscoveryResult {
  readonly id: string;
  readonly path: string;
  readonly row: RealmCheck;
  readonly document: Record<string, unknown> | undefined;
}

function targets(issuer: string): DiscoveryTarget[] {
  const urls = discoveryUrls(issuer);
  return [
    {
      id: 'rfc8414-path-insertion',
      title: 'RFC 8414 metadata (path insertion)',
      url: urls.rfc8414Insertion,
      kind: 'rfc8414',
      missing: 'fail',
      hint: 'Keycloak serves it since 26.4; upgrade, or serve it from a proxy.',
    },
    {
      id: 'oidc-path-insertion',
      title: 'OIDC discovery (path insertion)',
      url: urls.oidcInsertion,
      kind: 'oidc',
      missing: 'warn',
      hint: 'Keycloak does not serve this form (issue #45271); clients fall through to the next URL, so this is expected.',
    },
    {
      id: 'oidc-path-append',
      title: 'OIDC discovery (path append)',
      url: urls.oidcAppend,
      kind: 'oidc',
      missing: 'fail',
      hint: 'Check the issuer URL: it must end with /realms/<realm>.',
    },
  ];
}

/** GET every discovery URL MCP clients try, in their order, and check each document that answered. */
export async function readDiscovery(issuer: string, timeoutMs: number): Promise<DiscoveryResult[]> {
  const results: DiscoveryResult[] = [];
  for (const target of targets(issuer)) {
    const response = await requestJson(target.url, { timeoutMs }).catch(() => undefined);
    const body = response?.body;
    const document =
      response?.status === 200 && typeof body === 'object' && body !== null && !Array.isArray(body)
        ? (body as Record<string, unknown>)
        : undefined;
    const path = new URL(target.url).pathname;
    results.push({
      id: target.id,
      path,
      document,
      row: discoveryRow(target, path, response, document, issuer),
    });
  }
  return results;
}

/**
 * One discovery URL: served (200), a valid RFC 8414 / OpenID Discovery document (validators of
 * `@portcullis/metadata`, loopback `http:` allowed), and its `issuer` identical to the configured one (§3.3).
 */
function discoveryRow(
  target: DiscoveryTarget,
  path: string,
  response: { status: number } | undefined,
  document: Record<string, unknown> | undefined,
  issuer: string,
): RealmCheck {
  const { id, title } = target;
  if (response?.status !== 200)
    return row(id, title, target.missing, `${path} answered ${response?.status ?? 'nothing'}`, target.hint);
  if (document === undefined)
    return row(id, title, 'fail', `${path} answered 200 without a JSON object`, target.hint);
  const check = { expectedIssuer: issuer, allowLoopbackHttp: true };
  try {
    if (target.kind === 'rfc8414') validateAuthorizationServerMetadata(document, check);
    else validateOpenIdProviderMetadata(document, check);
    return row(id, title, 'pass', `${path}: valid, issuer matches`);
  } catch (error) {
    if (error instanceof IssuerMismatchError) {
      return row(
        id,
        title,
        'fail',
        `${path}: issuer ${String(document.issuer)} ≠ ${issuer}`,
        'Pin the issuer with --hostname; clients reject a mismatch (RFC 8414 §3.3).',
      );
    }
    if (error instanceof MetadataValidationError) {
      const issues = error.issues.map((issue) =>
        issue.path ? `${issue.path}: ${issue.message}` : issue.message,
      );
      return row(
        id,
        title,
        'fail',
        `${path}: invalid metadata (${issues.join('; ')})`,
        'MCP clients refuse invalid metadata: serve the REQUIRED members, and https endpoints except on loopback.',
      );
    }
    throw error;
  }
}

/**
 * PKCE S256 in **every** discovery document that answered 200: MCP clients refuse to proceed when the document
 * they read has no `code_challenge_methods_supported` or lacks `S256` (MCP Security Considerations; AS-03).
 */
export function pkceRow(results: readonly DiscoveryResult[]): RealmCheck {
  const title = 'PKCE S256 advertised';
  const served = results.filter((result) => result.document !== undefined);
  const lacking = served.filter((result) => !supportsPkceS256(result.document ?? {}));
  if (served.length > 0 && lacking.length === 0) {
    const methods = served[0]?.document?.code_challenge_methods_supported;
    return row(
      'pkce-s256',
      title,
      'pass',
      `code_challenge_methods_supported ${JSON.stringify(methods)} in ${served.map((r) => r.path).join(', ')}`,
    );
  }
  const detail =
    served.length === 0
      ? 'no discovery document answered'
      : lacking
          .map((result) => {
            const methods = result.document?.code_challenge_methods_supported;
            return methods === undefined
              ? `${result.path} has no code_challenge_methods_supported`
              : `${result.path} lists ${JSON.stringify(methods)} without S256`;
          })
          .join('; ');
  return row(
    'pkce-s256',
    title,
    'fail',
    detail,
    'MCP clients refuse servers whose metadata omits S256. Keycloak advertises ["plain","S256"]; a proxy or static copy of a document must keep it.',
  );
}
