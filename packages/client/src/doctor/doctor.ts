import { decodeJwt } from 'jose';
import { McpOAuthProvider } from '../auth-provider.js';
import { isClientError, messageOf } from '../errors.js';
import { type OAuthClientOptionsInput, resolveClientOptions } from '../options.js';
import { createSafeFetch } from '../safe-fetch.js';
import { checkChallenge } from './challenge-check.js';
import {
  checkAuthorizationServer,
  checkProtectedResource,
  type DiscoveryFindings,
} from './discovery-checks.js';

/** The outcome of one doctor check. `warn` does not fail the run; `skip` means a prerequisite failed. */
export type CheckStatus = 'pass' | 'fail' | 'warn' | 'skip' | 'info';

/** One row of the doctor table. */
export interface DoctorCheck {
  /** Stable id, e.g. `prm-path-aware`. */
  readonly id: string;
  readonly title: string;
  readonly status: CheckStatus;
  /** What was seen, e.g. `200 application/json`. Never a token. */
  readonly detail: string;
  /** What to change when it failed. */
  readonly hint?: string | undefined;
  readonly url?: string | undefined;
}

const ICON: Record<CheckStatus, string> = { pass: '✔', fail: '✖', warn: '⚠', skip: '·', info: 'ℹ' };

/** `true` when no check failed. */
export function doctorPassed(checks: readonly DoctorCheck[]): boolean {
  return !checks.some((c) => c.status === 'fail');
}

/** The pass/fail table with a fix hint under each failing or warning row. */
export function formatDoctorTable(serverUrl: string, checks: readonly DoctorCheck[]): string {
  const width = Math.max(...checks.map((c) => c.title.length), 10);
  const lines = [`🩺 portcullis doctor ${serverUrl}`, ''];
  for (const check of checks) {
    lines.push(
      `${ICON[check.status]} ${check.status.toUpperCase().padEnd(4)} ${check.title.padEnd(width)}  ${check.detail}`,
    );
    if (check.url !== undefined && check.status !== 'pass') lines.push(`${' '.repeat(7)}at ${check.url}`);
    if (check.hint !== undefined && (check.status === 'fail' || check.status === 'warn')) {
      lines.push(`${' '.repeat(7)}→ ${check.hint}`);
    }
  }
  const failed = checks.filter((c) => c.status === 'fail').length;
  const warned = checks.filter((c) => c.status === 'warn').length;
  lines.push(
    '',
    failed === 0
      ? `All checks passed${warned ? ` (${warned} warning${warned > 1 ? 's' : ''})` : ''}.`
      : `${failed} check${failed > 1 ? 's' : ''} failed.`,
  );
  return lines.join('\n');
}

/** Options of {@link runDoctor}. */
export interface DoctorOptions {
  /** Log in (browser) to check the token's `aud` and that it survives a refresh. Default false. */
  readonly login?: boolean;
  /** Origin used for the CORS preflight checks. Default `http://localhost:6274` (the MCP Inspector). */
  readonly corsOrigin?: string;
}

function registrationCheck(
  options: ReturnType<typeof resolveClientOptions>,
  found: DiscoveryFindings,
): DoctorCheck {
  const m = found.metadata;
  const paths: string[] = [];
  if (options.preRegistered.some((p) => p.issuer === undefined || p.issuer === found.issuer))
    paths.push('pre-registered client (--client-id)');
  if (m?.client_id_metadata_document_supported === true)
    paths.push(
      `client ID metadata documents${options.clientMetadataUrl ? '' : ' (needs --client-metadata-url)'}`,
    );
  if (m?.registration_endpoint !== undefined)
    paths.push(`dynamic registration at ${m.registration_endpoint}`);
  const usable =
    paths.length > 0 &&
    !(paths.length === 1 && m?.client_id_metadata_document_supported === true && !options.clientMetadataUrl);
  return {
    id: 'registration',
    title: 'a way to register this client',
    status: usable ? 'pass' : 'fail',
    detail:
      paths.length > 0 ? paths.join('; ') : 'no registration_endpoint, no CIMD, no pre-registered client',
    url: found.issuer,
    hint: 'enable dynamic client registration or CIMD on the AS, or pre-register a client and pass --client-id',
  };
}

async function corsCheck(
  fetchFn: typeof fetch,
  id: string,
  title: string,
  url: string | undefined,
  origin: string,
): Promise<DoctorCheck> {
  if (url === undefined) return { id, title, status: 'skip', detail: 'no endpoint advertised' };
  try {
    const response = await fetchFn(url, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    await response.body?.cancel();
    const allow = response.headers.get('access-control-allow-origin');
    const ok = allow === '*' || allow === origin;
    return {
      id,
      title,
      status: ok ? 'pass' : 'warn',
      detail: `preflight ${response.status}, Access-Control-Allow-Origin: ${allow ?? 'missing'}`,
      url,
      hint: 'browser-based MCP clients (Inspector, web apps) need CORS here; CLI and desktop clients do not',
    };
  } catch (error) {
    return {
      id,
      title,
      status: 'warn',
      detail: messageOf(error),
      url,
      hint: 'the preflight failed; browser clients cannot reach this endpoint',
    };
  }
}

function audCheck(
  id: string,
  title: string,
  token: string | undefined,
  serverUrl: string,
  resource: string,
): DoctorCheck {
  if (token === undefined)
    return { id, title, status: 'fail', detail: 'no access token', hint: 'log in again' };
  let aud: unknown;
  try {
    aud = decodeJwt(token).aud;
  } catch {
    return {
      id,
      title,
      status: 'warn',
      detail: 'the access token is opaque; its audience cannot be read',
      hint: 'use JWT access tokens (RFC 9068) or check aud with introspection',
    };
  }
  const list = Array.isArray(aud) ? aud : [aud];
  const ok = list.includes(resource) || list.includes(serverUrl);
  return {
    id,
    title,
    status: ok ? 'pass' : 'fail',
    detail: `aud: ${JSON.stringify(aud)}`,
    hint: `the AS must put the RFC 8707 resource ${JSON.stringify(resource)} into aud (Keycloak: an audience mapper, or resource indicators support)`,
  };
}

/**
 * Every discovery step as a row: 401 challenge, PRM at each URL form and its `resource`, AS metadata at each
 * form, issuer match, PKCE S256, `iss` support, registration paths, CORS on the registration and token
 * endpoints, and with `login`: the token's `aud` and whether it survives a refresh.
 */
export async function runDoctor(
  input: OAuthClientOptionsInput,
  doctor: DoctorOptions = {},
): Promise<DoctorCheck[]> {
  const out: DoctorCheck[] = [];
  let options: ReturnType<typeof resolveClientOptions>;
  try {
    options = resolveClientOptions(input);
  } catch (error) {
    return [
      {
        id: 'server-url',
        title: 'server URL',
        status: 'fail',
        detail: messageOf(error),
        hint: isClientError(error) ? error.hint : undefined,
      },
    ];
  }
  const fetchFn = createSafeFetch({ ...options, timeoutMs: options.httpTimeoutMs });
  const challengeUrl = await checkChallenge(fetchFn, options.serverUrl, out);
  const found: DiscoveryFindings = {};
  await checkProtectedResource(fetchFn, options, challengeUrl, out, found);
  if (found.issuer === undefined) return out;
  await checkAuthorizationServer(fetchFn, options, found.issuer, out, found);
  if (found.metadata === undefined) return out;
  out.push(registrationCheck(options, found));
  const origin = doctor.corsOrigin ?? 'http://localhost:6274';
  out.push(
    await corsCheck(
      fetchFn,
      'cors-registration',
      'CORS on registration endpoint',
      found.metadata.registration_endpoint,
      origin,
    ),
  );
  out.push(
    await corsCheck(fetchFn, 'cors-token', 'CORS on token endpoint', found.metadata.token_endpoint, origin),
  );
  if (doctor.login !== true) {
    out.push({
      id: 'token-aud',
      title: 'token aud is the server',
      status: 'skip',
      detail: 'pass --login to log in and check',
    });
    return out;
  }
  const provider = new McpOAuthProvider(options);
  try {
    const target = await provider.discover(challengeUrl);
    await provider.authorizeNow(target);
    out.push(
      audCheck(
        'token-aud',
        'token aud is the server',
        await provider.token(),
        options.serverUrl,
        target.resource,
      ),
    );
    if (!provider.canRefresh()) {
      out.push({
        id: 'refresh-aud',
        title: 'aud survives a refresh',
        status: 'warn',
        detail: 'no refresh token was issued',
        hint: 'register with the refresh_token grant (or offline_access) if long sessions matter',
      });
      return out;
    }
    await provider.refreshNow();
    out.push(
      audCheck(
        'refresh-aud',
        'aud survives a refresh',
        await provider.token(),
        options.serverUrl,
        target.resource,
      ),
    );
  } catch (error) {
    out.push({
      id: 'login',
      title: 'log in and refresh',
      status: 'fail',
      detail: messageOf(error),
      url: isClientError(error) ? error.url : undefined,
      hint: isClientError(error) ? error.hint : undefined,
    });
  }
  return out;
}
