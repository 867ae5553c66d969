import {
  type AuthorizationServerMetadata,
  authorizationServerMetadataUrls,
  type ProtectedResourceMetadata,
  parseAuthorizationServerMetadata,
  parseProtectedResourceMetadata,
  protectedResourceMetadataUrls,
  resourceFromProtectedResourceMetadataUrl,
  supportsPkceS256,
} from '@portcullis/metadata';
import { messageOf } from '../errors.js';
import type { OAuthClientOptions } from '../options.js';
import type { DoctorCheck } from './doctor.js';

/** What the discovery checks learned, for the checks that follow. */
export interface DiscoveryFindings {
  prm?: ProtectedResourceMetadata;
  issuer?: string;
  metadata?: AuthorizationServerMetadata;
}

interface Fetched {
  readonly status: number | 'error';
  readonly body?: unknown;
  readonly error?: string;
}

async function getJson(fetchFn: typeof fetch, url: string): Promise<Fetched> {
  try {
    const response = await fetchFn(url, { headers: { accept: 'application/json' } });
    if (response.status !== 200) {
      await response.body?.cancel();
      return { status: response.status };
    }
    try {
      return { status: 200, body: await response.json() };
    } catch {
      return { status: 200, error: 'the body is not JSON' };
    }
  } catch (error) {
    return { status: 'error', error: messageOf(error) };
  }
}

/** The PRM at the challenge URL, the path-aware and the root well-known URL; then its `resource`. */
export async function checkProtectedResource(
  fetchFn: typeof fetch,
  options: OAuthClientOptions,
  challengeUrl: string | undefined,
  out: DoctorCheck[],
  found: DiscoveryFindings,
): Promise<void> {
  const forms: [string, string, string][] = [];
  if (challengeUrl !== undefined) forms.push(['prm-challenge', 'PRM at resource_metadata URL', challengeUrl]);
  const [pathAware, root] = protectedResourceMetadataUrls(options.serverUrl);
  if (root !== undefined && pathAware !== undefined)
    forms.push(['prm-path-aware', 'PRM at path-aware URL', pathAware]);
  forms.push(['prm-root', 'PRM at root URL', root ?? pathAware ?? '']);
  let chosen: { url: string; prm: ProtectedResourceMetadata; header: boolean } | undefined;
  const rows: DoctorCheck[] = [];
  for (const [id, title, url] of forms) {
    const got = await getJson(fetchFn, url);
    if (got.status === 200 && got.error === undefined) {
      try {
        const prm = parseProtectedResourceMetadata(got.body, {
          allowLoopbackHttp: options.allowLoopbackHttp,
        });
        chosen ??= { url, prm, header: id === 'prm-challenge' };
        rows.push({ id, title, status: 'pass', detail: '200, valid RFC 9728 document', url });
      } catch (error) {
        rows.push({
          id,
          title,
          status: 'fail',
          detail: messageOf(error),
          url,
          hint: 'fix the document (RFC 9728 §2)',
        });
      }
    } else {
      rows.push({
        id,
        title,
        status: 'info',
        detail: `${got.status}${got.error ? ` (${got.error})` : ''}`,
        url,
      });
    }
  }
  if (chosen === undefined) {
    for (const row of rows)
      if (row.status === 'info')
        out.push({
          ...row,
          status: 'fail',
          hint: 'serve the protected resource metadata here (MCP clients try these URLs in this order)',
        });
    out.push(...rows.filter((r) => r.status !== 'info'));
    return;
  }
  out.push(
    ...rows.map((r) =>
      r.status === 'info' ? { ...r, detail: `${r.detail} (fine: another form works)` } : r,
    ),
  );
  const accepted = chosen.header
    ? [options.serverUrl]
    : [options.serverUrl, resourceFromProtectedResourceMetadataUrl(chosen.url)];
  const resource = chosen.prm.resource;
  const slash = accepted.some(
    (a) => a === resource.replace(/\/$/, '') || `${a}/` === resource || a === `${resource}/`,
  );
  out.push({
    id: 'prm-resource',
    title: 'PRM resource equals server URL',
    status: accepted.includes(resource) ? 'pass' : 'fail',
    detail: `"resource": ${JSON.stringify(resource)}`,
    url: chosen.url,
    hint: slash
      ? `only a trailing slash differs: publish exactly ${JSON.stringify(options.serverUrl)} (clients compare byte for byte)`
      : `publish "resource": ${JSON.stringify(options.serverUrl)}; clients refuse metadata for another resource (RFC 9728 §3.3)`,
  });
  if (!accepted.includes(resource)) return;
  const servers = chosen.prm.authorization_servers ?? [];
  out.push({
    id: 'prm-authorization-servers',
    title: 'PRM names an authorization server',
    status: servers.length > 0 ? 'pass' : 'fail',
    detail: servers.length > 0 ? servers.join(', ') : 'authorization_servers is missing',
    url: chosen.url,
    hint: 'list the issuer of your authorization server in "authorization_servers"',
  });
  found.prm = chosen.prm;
  found.issuer = servers[0];
}

/** AS metadata at each well-known form, the issuer match and PKCE S256. */
export async function checkAuthorizationServer(
  fetchFn: typeof fetch,
  options: OAuthClientOptions,
  issuer: string,
  out: DoctorCheck[],
  found: DiscoveryFindings,
): Promise<void> {
  let urls: string[];
  try {
    urls = authorizationServerMetadataUrls(issuer);
  } catch (error) {
    out.push({
      id: 'as-issuer-url',
      title: 'issuer is a valid URL',
      status: 'fail',
      detail: messageOf(error),
      url: issuer,
      hint: 'the issuer must be an https URL without query or fragment',
    });
    return;
  }
  const names = ['RFC 8414 (path inserted)', 'OIDC (path inserted)', 'OIDC (path appended)'];
  let body: unknown;
  let at: string | undefined;
  for (const [i, url] of urls.entries()) {
    const got = await getJson(fetchFn, url);
    const ok = got.status === 200 && got.error === undefined;
    if (ok && at === undefined) {
      body = got.body;
      at = url;
    }
    out.push({
      id: `as-metadata-${i + 1}`,
      title: `AS metadata, ${names[i] ?? url}`,
      status: ok ? 'pass' : 'info',
      detail: ok ? (at === url ? '200 (used)' : '200') : `${got.status}${got.error ? ` (${got.error})` : ''}`,
      url,
    });
  }
  if (at === undefined) {
    out.push({
      id: 'as-metadata',
      title: 'AS metadata found',
      status: 'fail',
      detail: `none of ${urls.length} URLs answered 200 JSON`,
      url: issuer,
      hint: 'check the issuer in the PRM; MCP clients try exactly these URLs, in this order',
    });
    return;
  }
  const actual = (body as { issuer?: unknown } | undefined)?.issuer;
  const slash = typeof actual === 'string' && (actual === `${issuer}/` || `${actual}/` === issuer);
  out.push({
    id: 'as-issuer',
    title: 'AS issuer equals the PRM entry',
    status: actual === issuer ? 'pass' : 'fail',
    detail: `"issuer": ${JSON.stringify(actual)}`,
    url: at,
    hint: slash
      ? `only a trailing slash differs: list ${JSON.stringify(actual)} in the PRM "authorization_servers" (Keycloak issuers have no trailing slash)`
      : `the PRM lists ${JSON.stringify(issuer)}; the metadata must carry exactly that issuer (RFC 8414 §3.3)`,
  });
  if (actual !== issuer) return;
  let metadata: AuthorizationServerMetadata;
  try {
    metadata = parseAuthorizationServerMetadata(body, { allowLoopbackHttp: options.allowLoopbackHttp });
  } catch (error) {
    out.push({
      id: 'as-document',
      title: 'AS metadata is valid',
      status: 'fail',
      detail: messageOf(error),
      url: at,
      hint: 'fix the metadata (RFC 8414 §2)',
    });
    return;
  }
  found.metadata = metadata;
  out.push({
    id: 'as-pkce',
    title: 'PKCE S256 advertised',
    status: supportsPkceS256(metadata) ? 'pass' : 'fail',
    detail: `code_challenge_methods_supported: ${JSON.stringify(metadata.code_challenge_methods_supported ?? 'missing')}`,
    url: at,
    hint: 'add "code_challenge_methods_supported": ["S256"]; MCP clients refuse to log in without it',
  });
  out.push({
    id: 'as-iss-parameter',
    title: 'RFC 9207 iss in responses',
    status: metadata.authorization_response_iss_parameter_supported === true ? 'pass' : 'warn',
    detail: `authorization_response_iss_parameter_supported: ${JSON.stringify(metadata.authorization_response_iss_parameter_supported ?? 'missing')}`,
    url: at,
    hint: 'send iss in authorization responses and advertise it (mix-up defence, MCP 2026-07-28)',
  });
}
