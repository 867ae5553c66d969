import type { RealmCheck, RealmCheckReport } from './check-result.js';
import { discoveryRow, row } from './check-result.js';
import { tokenChecks } from './check-token.js';
import { requestJson } from './http-session.js';
import { type AuthorizationServerMetadata, discoveryUrls } from './oauth-flow.js';
import { type CheckRealmOptions, resolveCheckOptions } from './options.js';
import {
  deleteRegisteredClient,
  loopbackRedirectUri,
  type RegisteredClient,
  registerClient,
} from './registration.js';

type Row = RealmCheck;

/**
 * Is this realm ready for MCP clients? Checks discovery at every URL form clients try, issuer equality,
 * `registration_endpoint`, S256, anonymous DCR of a loopback public client, and (given a user) a login + consent
 * + token whose `aud` carries the MCP resource. Plain HTTP only; throwaway clients are deleted again.
 */
export async function checkRealm(issuer: string, options: CheckRealmOptions): Promise<RealmCheckReport> {
  const opts = resolveCheckOptions(options);
  const checks: Row[] = [];
  const urls = discoveryUrls(issuer);
  const get = (url: string) => requestJson(url, { timeoutMs: opts.timeoutMs }).catch(() => undefined);

  const rfc8414 = await get(urls.rfc8414Insertion);
  checks.push(
    discoveryRow(
      'rfc8414-path-insertion',
      'RFC 8414 metadata (path insertion)',
      urls.rfc8414Insertion,
      rfc8414,
      issuer,
      'fail',
      'Keycloak serves it since 26.4; upgrade, or serve it from a proxy.',
    ),
  );
  const oidcInsertion = await get(urls.oidcInsertion);
  checks.push(
    discoveryRow(
      'oidc-path-insertion',
      'OIDC discovery (path insertion)',
      urls.oidcInsertion,
      oidcInsertion,
      issuer,
      'warn',
      'Keycloak does not serve this form (issue #45271); clients fall through to the next URL, so this is expected.',
    ),
  );
  const oidc = await get(urls.oidcAppend);
  checks.push(
    discoveryRow(
      'oidc-path-append',
      'OIDC discovery (path append)',
      urls.oidcAppend,
      oidc,
      issuer,
      'fail',
      'Check the issuer URL: it must end with /realms/<realm>.',
    ),
  );

  const metadata = (oidc?.status === 200 ? oidc.body : rfc8414?.body) as
    | AuthorizationServerMetadata
    | undefined;
  if (!metadata?.authorization_endpoint) {
    checks.push(
      row(
        'metadata',
        'Metadata usable',
        'fail',
        'no discovery document could be read',
        'Start Keycloak and import the realm.',
      ),
    );
    return { issuer, ok: false, checks };
  }

  const registration = metadata.registration_endpoint;
  checks.push(
    registration
      ? row('registration-endpoint', 'registration_endpoint advertised', 'pass', registration)
      : row(
          'registration-endpoint',
          'registration_endpoint advertised',
          'fail',
          'missing',
          'Keycloak always advertises it; check the realm and the URL.',
        ),
  );

  const methods = [rfc8414?.body, oidc?.body].map(
    (doc) => (doc as AuthorizationServerMetadata | undefined)?.code_challenge_methods_supported,
  );
  const s256 =
    methods.every((list) => list === undefined || list.includes('S256')) &&
    methods.some((list) => list?.includes('S256'));
  checks.push(
    s256
      ? row(
          'pkce-s256',
          'PKCE S256 advertised',
          'pass',
          `code_challenge_methods_supported: ${JSON.stringify(methods.find(Boolean))}`,
        )
      : row(
          'pkce-s256',
          'PKCE S256 advertised',
          'fail',
          'S256 missing from code_challenge_methods_supported',
          'MCP clients refuse servers without S256.',
        ),
  );

  let client: RegisteredClient | undefined;
  const redirectUri = loopbackRedirectUri();
  if (registration) {
    const outcome = await registerClient(
      registration,
      { redirect_uris: [redirectUri] },
      opts.timeoutMs,
    ).catch((error: Error) => ({ status: 0, body: { error: error.message } }));
    const body = outcome.body as Partial<RegisteredClient> & { error_description?: string };
    if (
      outcome.status === 201 &&
      typeof body.client_id === 'string' &&
      body.client_secret === undefined &&
      body.token_endpoint_auth_method === 'none'
    ) {
      client = body as RegisteredClient;
      checks.push(
        row(
          'anonymous-dcr',
          'Anonymous DCR of a loopback public client',
          'pass',
          `201, token_endpoint_auth_method none, redirect ${new URL(redirectUri).host}`,
        ),
      );
    } else {
      checks.push(
        row(
          'anonymous-dcr',
          'Anonymous DCR of a loopback public client',
          'fail',
          `HTTP ${outcome.status}: ${body.error_description ?? body.error ?? 'unexpected body'}`,
          'Add localhost and 127.0.0.1 to the anonymous "Trusted Hosts" client registration policy (host-sending-registration-request-must-match: false).',
        ),
      );
    }
  }

  try {
    checks.push(...(await tokenChecks(issuer, metadata, client, redirectUri, opts)));
  } finally {
    if (client) {
      const status = await deleteRegisteredClient(client, opts.timeoutMs).catch(() => 0);
      checks.push(
        status === 204
          ? row('dcr-cleanup', 'Throwaway client deleted (RFC 7592)', 'pass', '204')
          : row(
              'dcr-cleanup',
              'Throwaway client deleted (RFC 7592)',
              'warn',
              `HTTP ${status}`,
              'Delete the client by hand in the admin console.',
            ),
      );
    }
  }
  return { issuer, ok: checks.every((check) => check.status !== 'fail'), checks };
}
