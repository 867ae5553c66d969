import {
  InvalidClientMetadataError,
  InvalidRedirectUriError,
  MetadataValidationError,
  parseClientRegistrationRequest,
} from '@portcullis/metadata';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  type ClientAuthMethod,
  type FacadeClient,
  GRANT_TYPES,
  randomId,
  registeredGrants,
  sha256,
} from './clients.js';
import { FACADE_PATHS, type FacadeContext } from './context.js';
import { countRegistration } from './registration-cap.js';

const AUTH_METHODS: readonly ClientAuthMethod[] = ['none', 'client_secret_basic', 'client_secret_post'];

/**
 * The informational RFC 7591 §2 members (and OIDC `application_type`) the response repeats as validated.
 * Other members the proxy does not use are left out (RFC 7591 §2: ignored), and so is anything the client
 * sent under a name the server issues (`client_id`, `client_secret`, `registration_access_token`, …).
 */
const ECHOED = [
  'client_name',
  'client_uri',
  'logo_uri',
  'scope',
  'contacts',
  'tos_uri',
  'policy_uri',
  'software_id',
  'software_version',
  'application_type',
] as const;

function subsetOf(values: readonly string[] | undefined, allowed: readonly string[], name: string): void {
  const wrong = (values ?? []).filter((v) => !allowed.includes(v));
  if (wrong.length > 0) {
    throw new InvalidClientMetadataError(
      `${name} may only contain ${allowed.join(', ')}; not ${wrong.join(', ')}`,
    );
  }
}

async function register(context: FacadeContext, request: FastifyRequest, reply: FastifyReply) {
  let metadata: ReturnType<typeof parseClientRegistrationRequest>;
  try {
    metadata = parseClientRegistrationRequest(request.body ?? {});
  } catch (error) {
    if (!(error instanceof MetadataValidationError)) throw error;
    const redirect = error.issues.some((issue) => issue.path.includes('redirect_uris'));
    throw redirect
      ? new InvalidRedirectUriError(error.message)
      : new InvalidClientMetadataError(error.message);
  }
  const redirectUris = metadata.redirect_uris ?? [];
  if (redirectUris.length === 0)
    throw new InvalidRedirectUriError('redirect_uris is required (at least one)');
  const method = (metadata.token_endpoint_auth_method ?? 'client_secret_basic') as ClientAuthMethod;
  if (!AUTH_METHODS.includes(method)) {
    throw new InvalidClientMetadataError(
      `token_endpoint_auth_method must be one of ${AUTH_METHODS.join(', ')}`,
    );
  }
  subsetOf(metadata.grant_types, GRANT_TYPES, 'grant_types');
  subsetOf(metadata.response_types, ['code'], 'response_types');
  const grantTypes = registeredGrants(metadata.grant_types);
  if (!grantTypes.includes('authorization_code')) {
    throw new InvalidClientMetadataError(
      'grant_types must include authorization_code, the grant of response_types "code" (RFC 7591 §2.1)',
    );
  }
  const place = await countRegistration(context.store, context.facade);

  const clientId = randomId(16);
  const secret = method === 'none' ? undefined : randomId(32);
  const client: FacadeClient = {
    client_id: clientId,
    client_name: metadata.client_name,
    redirect_uris: [...redirectUris],
    token_endpoint_auth_method: method,
    secret_sha256: secret === undefined ? undefined : sha256(secret),
    grant_types: grantTypes,
  };
  // Register at the IdP first, so a refusal there fails this registration instead of the first login.
  try {
    await context.upstreams.for(client);
  } catch (error) {
    if (!(await place.release())) request.log.warn('facade: a registration place was not given back');
    throw error;
  }
  await context.clients.save(client);
  const issuedAt = Math.floor(Date.now() / 1000);
  const echoed = Object.fromEntries(
    ECHOED.flatMap((name) => (metadata[name] === undefined ? [] : [[name, metadata[name]]])),
  );
  return reply
    .status(201)
    .header('cache-control', 'no-store')
    .send({
      ...echoed,
      client_id: clientId,
      client_id_issued_at: issuedAt,
      // The registration, and so the secret, ends after ttl.clientDays (RFC 7591 §3.2.1: 0 would mean never).
      ...(secret === undefined
        ? {}
        : {
            client_secret: secret,
            client_secret_expires_at: issuedAt + context.facade.ttl.clientDays * 86_400,
          }),
      redirect_uris: client.redirect_uris,
      token_endpoint_auth_method: method,
      grant_types: grantTypes,
      response_types: metadata.response_types ?? ['code'],
    });
}

/**
 * `POST /register` (RFC 7591): validates the metadata with `@portcullis/metadata`, issues the proxy's own
 * `client_id` (and a secret for confidential clients, stored only as a hash), keeps the `grant_types` the
 * token endpoint then enforces, and — with a registering adapter — registers the matching client at the IdP,
 * whose secret never leaves the proxy (a refusal there gives the `registration.maxClients` place back). The
 * answer holds what was registered and issued, never a client-sent value for a server-issued member.
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-3
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-3.2.1
 */
export async function registerRoute(app: FastifyInstance, context: FacadeContext): Promise<void> {
  if (!context.facade.registration.enabled) return;
  app.post(FACADE_PATHS.register, (request, reply) => register(context, request, reply));
}
