import { pkceRow, readDiscovery } from './check-discovery.js';
import type { RealmCheck, RealmCheckReport } from './check-result.js';
import { buildReport, row } from './check-result.js';
import { tokenChecks } from './check-token.js';
import type { AuthorizationServerMetadata } from './oauth-flow.js';
import { type CheckRealmOptions, resolveCheckOptions } from './options.js';
import {
  deleteRegisteredClient,
  loopbackRedirectUri,
  type RegisteredClient,
  registerClient,
  registrationFailure,
} from './registration.js';

type Row = RealmCheck;

/**
 * Is this realm ready for MCP clients? Checks discovery at every URL form clients try (each document validated,
 * issuer equality), `registration_endpoint`, S256 in every served document, anonymous DCR of a loopback public
 * client, and (given a user) a login + consent + token whose `aud` carries the MCP resource. Without a user those
 * last checks are skipped and `result` is `incomplete`. Plain HTTP only; throwaway clients are deleted again.
 */
export async function checkRealm(issuer: string, options: CheckRealmOptions): Promise<RealmCheckReport> {
  const opts = resolveCheckOptions(options);
  const discovery = await readDiscovery(issuer, opts.timeoutMs);
  const checks: Row[] = discovery.map((result) => result.row);

  // The flow uses the document clients fall back on last (path append), else the RFC 8414 one.
  const byId = (id: string) => discovery.find((result) => result.id === id)?.document;
  const metadata = [byId('oidc-path-append'), byId('rfc8414-path-insertion')].find(
    (doc) => typeof doc?.authorization_endpoint === 'string' && typeof doc.token_endpoint === 'string',
  ) as AuthorizationServerMetadata | undefined;
  if (!metadata) {
    checks.push(
      row(
        'metadata',
        'Metadata usable',
        'fail',
        'no discovery document with authorization_endpoint and token_endpoint could be read',
        'Start Keycloak and import the realm.',
      ),
    );
    return buildReport(issuer, checks);
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

  checks.push(pkceRow(discovery));

  // `registered` is any client Keycloak created (deleted again below); `client` only a public one.
  let registered: RegisteredClient | undefined;
  let client: RegisteredClient | undefined;
  const redirectUri = loopbackRedirectUri();
  if (registration) {
    const outcome = await registerClient(
      registration,
      { redirect_uris: [redirectUri] },
      opts.timeoutMs,
    ).catch((error: Error) => ({ status: 0, body: { error: error.message } }));
    const body = outcome.body as Partial<RegisteredClient>;
    if (outcome.status === 201 && typeof body.client_id === 'string') registered = body as RegisteredClient;
    const title = 'Anonymous DCR of a loopback public client';
    if (registered && body.client_secret === undefined && body.token_endpoint_auth_method === 'none') {
      client = registered;
      checks.push(
        row(
          'anonymous-dcr',
          title,
          'pass',
          `201, token_endpoint_auth_method none, redirect ${new URL(redirectUri).host}`,
        ),
      );
    } else if (registered) {
      const secret = body.client_secret === undefined ? '' : ', a client_secret issued';
      checks.push(
        row(
          'anonymous-dcr',
          title,
          'fail',
          `201, but token_endpoint_auth_method ${String(body.token_endpoint_auth_method)}${secret}`,
          'MCP clients register as public clients (token_endpoint_auth_method none); check the anonymous client registration policies.',
        ),
      );
    } else {
      checks.push(
        row(
          'anonymous-dcr',
          title,
          'fail',
          registrationFailure(outcome.status, outcome.body),
          'Add localhost and 127.0.0.1 to the anonymous "Trusted Hosts" client registration policy (host-sending-registration-request-must-match: false).',
        ),
      );
    }
  }

  try {
    checks.push(...(await tokenChecks(issuer, metadata, client, redirectUri, opts)));
  } finally {
    if (registered) {
      const status = await deleteRegisteredClient(registered, opts.timeoutMs).catch(() => 0);
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
  return buildReport(issuer, checks);
}
