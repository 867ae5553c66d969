import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  exportJWK,
  generateKeyPair,
  type JWK,
  type JWTHeaderParameters,
  type JWTPayload,
  SignJWT,
} from 'jose';

export const ISSUER = 'http://127.0.0.1:9/issuer';

/** An ES256 signing key with its public JWK. */
export interface TestKey {
  readonly kid: string;
  readonly privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
  readonly publicJwk: JWK;
}

export async function makeKey(alg = 'ES256'): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const kid = randomUUID();
  return { kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

/** A JWKS served over loopback HTTP; counts fetches and can be switched off. */
export interface JwksHost {
  readonly url: string;
  readonly keys: JWK[];
  fetches: number;
  down: boolean;
  close(): Promise<void>;
}

export async function startJwksHost(keys: JWK[]): Promise<JwksHost> {
  const state = { fetches: 0, down: false };
  const server: Server = createServer((_req, res) => {
    state.fetches++;
    if (state.down) {
      res.writeHead(503).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/jwks`,
    keys,
    get fetches() {
      return state.fetches;
    },
    set fetches(v) {
      state.fetches = v;
    },
    get down() {
      return state.down;
    },
    set down(v) {
      state.down = v;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface SignOptions {
  readonly key: TestKey;
  readonly claims?: JWTPayload & Record<string, unknown>;
  readonly alg?: string;
  readonly expiresIn?: number;
  readonly omit?: readonly string[];
  /** Overrides of the JOSE header (`typ: undefined` leaves `typ` out). */
  readonly header?: Readonly<Record<string, unknown>>;
}

/** Sign an access token; defaults: issuer {@link ISSUER}, 5 minutes, scope `mcp:tools`. */
export async function signToken(audience: string, options: SignOptions): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = {
    iss: ISSUER,
    aud: audience,
    sub: 'user-alice',
    client_id: 'client-1',
    scope: 'mcp:tools',
    iat: now,
    exp: now + (options.expiresIn ?? 300),
    ...options.claims,
  };
  for (const name of options.omit ?? []) delete claims[name];
  return new SignJWT(claims)
    .setProtectedHeader({
      alg: options.alg ?? 'ES256',
      kid: options.key.kid,
      typ: 'at+jwt',
      ...options.header,
    } as JWTHeaderParameters)
    .sign(options.key.privateKey);
}
