// A stand-in authorization server on 127.0.0.1 for unit tests of the realm checker (the checker is what is under
// test): discovery documents the test controls, an anonymous registration endpoint and RFC 7592 delete.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the fake answers; documents are built from the issuer, `undefined` means 404. */
export interface FakeDiscoveryConfig {
  rfc8414?: ((issuer: string) => Record<string, unknown>) | undefined;
  oidcInsertion?: ((issuer: string) => Record<string, unknown>) | undefined;
  oidcAppend?: ((issuer: string) => Record<string, unknown>) | undefined;
  /** Status and body of a registration; default 201 with a public client. */
  register?: ((issuer: string) => { status: number; body: Record<string, unknown> }) | undefined;
}

/** A running fake: its issuer (`/realms/mcp` path), what it was asked, and `close()`. */
export interface FakeDiscovery {
  readonly issuer: string;
  readonly deleted: string[];
  config: FakeDiscoveryConfig;
  close(): Promise<void>;
}

/** A complete OIDC discovery document for `issuer`, as Keycloak shapes it, with S256. */
export function oidcDocument(issuer: string): Record<string, unknown> {
  return {
    issuer,
    authorization_endpoint: `${issuer}/protocol/openid-connect/auth`,
    token_endpoint: `${issuer}/protocol/openid-connect/token`,
    jwks_uri: `${issuer}/protocol/openid-connect/certs`,
    registration_endpoint: `${issuer}/clients-registrations/openid-connect`,
    response_types_supported: ['code'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    code_challenge_methods_supported: ['plain', 'S256'],
  };
}

/** Start the fake on a free port of 127.0.0.1. */
export async function startFakeDiscovery(config: FakeDiscoveryConfig): Promise<FakeDiscovery> {
  const deleted: string[] = [];
  let issuer = '';
  const fake = { config };
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const send = (status: number, body?: Record<string, unknown>) => {
      res.writeHead(status, body ? { 'content-type': 'application/json' } : {});
      res.end(body ? JSON.stringify(body) : undefined);
    };
    const documents: Record<string, FakeDiscoveryConfig['rfc8414']> = {
      '/.well-known/oauth-authorization-server/realms/mcp': fake.config.rfc8414,
      '/.well-known/openid-configuration/realms/mcp': fake.config.oidcInsertion,
      '/realms/mcp/.well-known/openid-configuration': fake.config.oidcAppend,
    };
    const document = documents[path];
    if (req.method === 'GET' && document) return send(200, document(issuer));
    if (req.method === 'POST' && path === '/realms/mcp/clients-registrations/openid-connect') {
      const outcome = fake.config.register?.(issuer) ?? { status: 201, body: publicClient(issuer) };
      req.resume();
      return send(outcome.status, outcome.body);
    }
    if (req.method === 'DELETE' && path.startsWith('/realms/mcp/clients-registrations/openid-connect/')) {
      deleted.push(path.split('/').at(-1) ?? '');
      return send(204);
    }
    return send(404, { error: 'not_found' });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}/realms/mcp`;
  return {
    issuer,
    deleted,
    get config() {
      return fake.config;
    },
    set config(next) {
      fake.config = next;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Secrets the fake hands out; no check output may ever contain them. */
export const FAKE_SECRETS = {
  registrationAccessToken: 'rat-SECRET-0123456789',
  clientSecret: 'client-SECRET-abcdef',
} as const;

/** A 201 registration response for a public client, with a registration access token. */
export function publicClient(issuer: string): Record<string, unknown> {
  return {
    client_id: 'fake-client',
    token_endpoint_auth_method: 'none',
    redirect_uris: ['http://127.0.0.1:30000/callback'],
    registration_access_token: FAKE_SECRETS.registrationAccessToken,
    registration_client_uri: `${issuer}/clients-registrations/openid-connect/fake-client`,
  };
}
