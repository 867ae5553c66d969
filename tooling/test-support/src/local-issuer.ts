import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';

/**
 * A stand-in authorization server for tests that need tokens without an IdP: one ES256 key, its JWKS served
 * on loopback HTTP (every path answers with the JWKS), and a token signer.
 */
export interface LocalIssuer {
  /** `http://127.0.0.1:<port>`, the `iss` of every token it signs. */
  readonly issuer: string;
  /** `${issuer}/jwks`. */
  readonly jwksUri: string;
  /**
   * Sign an access token (`typ: at+jwt`) for `audience` (no `aud` claim when undefined). Defaults: `iss` the
   * issuer, `sub` `joe`, `client_id` `test-client`, `scope` `mcp:tools`, issued now, valid 5 minutes;
   * `claims` override any of them, `header` overrides the JOSE header (`alg`, `kid`, `typ`).
   */
  sign(
    audience: string | readonly string[] | undefined,
    claims?: Record<string, unknown>,
    header?: Record<string, unknown>,
  ): Promise<string>;
  /** Stop serving the JWKS. */
  close(): Promise<void>;
}

/** Generate a key and serve its JWKS on 127.0.0.1 at a free port. */
export async function startLocalIssuer(): Promise<LocalIssuer> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const kid = randomUUID();
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    jwksUri: `${issuer}/jwks`,
    sign: (audience, claims = {}, header = {}) => {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({
        iss: issuer,
        ...(audience === undefined ? {} : { aud: typeof audience === 'string' ? audience : [...audience] }),
        sub: 'joe',
        client_id: 'test-client',
        scope: 'mcp:tools',
        iat: now,
        exp: now + 300,
        ...claims,
      })
        .setProtectedHeader({ alg: 'ES256', kid, typ: 'at+jwt', ...header })
        .sign(privateKey);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
