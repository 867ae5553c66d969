import { freePort } from '@portcullis/test-support';
import Fastify, { type FastifyInstance } from 'fastify';
import { type RunningProxy, startProxy } from './proxy.js';

/** What the mock IdP's registration endpoint answers: a status and a JSON body. */
export interface RegistrationAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/**
 * A stand-in IdP for the failures the embedded one cannot show: OIDC discovery and a registration endpoint
 * whose answer the test sets (`answer`; `undefined` registers a client, as an IdP should).
 */
export interface MockIdp {
  readonly issuer: string;
  /** Registration requests received so far, with their `Authorization` header. */
  readonly registrations: { authorization: string | undefined; body: unknown }[];
  answer: RegistrationAnswer | undefined;
  /** How long the registration endpoint waits before it answers, in ms (to let requests race). */
  delayMs: number;
  close(): Promise<void>;
}

/** Start a {@link MockIdp} on a free loopback port. */
export async function startMockIdp(): Promise<MockIdp> {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const app: FastifyInstance = Fastify();
  const idp: MockIdp = {
    issuer,
    registrations: [],
    answer: undefined,
    delayMs: 0,
    close: () => app.close(),
  };
  app.get('/.well-known/openid-configuration', async () => ({
    issuer,
    authorization_endpoint: `${issuer}/auth`,
    token_endpoint: `${issuer}/token`,
    registration_endpoint: `${issuer}/reg`,
    jwks_uri: `${issuer}/jwks`,
    response_types_supported: ['code'],
    code_challenge_methods_supported: ['S256'],
  }));
  app.post('/reg', async (request, reply) => {
    idp.registrations.push({ authorization: request.headers.authorization, body: request.body });
    if (idp.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, idp.delayMs));
    if (idp.answer !== undefined) return reply.status(idp.answer.status).send(idp.answer.body);
    const n = idp.registrations.length;
    return reply.status(201).send({
      client_id: `idp-client-${n}`,
      client_secret: `idp-secret-${n}`,
      client_secret_expires_at: 0,
      token_endpoint_auth_method: 'client_secret_basic',
      redirect_uris: (request.body as { redirect_uris?: unknown }).redirect_uris,
    });
  });
  await app.listen({ host: '127.0.0.1', port });
  return idp;
}

type FacadeTestOptions = Extract<Parameters<typeof startProxy>[1], { mode: 'facade' }>;

/** A facade-mode proxy in front of `idp` (no MCP server behind it: these tests stop at the IdP). */
export async function startProxyForMockIdp(
  idp: MockIdp,
  facade: FacadeTestOptions['facade'],
  extra: Partial<Omit<FacadeTestOptions, 'mode' | 'facade' | 'idp'>> = {},
): Promise<RunningProxy> {
  return startProxy(await freePort(), {
    mode: 'facade',
    facade,
    idp: { issuer: idp.issuer, jwksUri: `${idp.issuer}/jwks` },
    upstream: { url: `http://127.0.0.1:${await freePort()}/mcp` },
    ...extra,
  });
}
