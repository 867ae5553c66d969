import { createHash, randomBytes } from 'node:crypto';
import { describeResponse, jsonBody, type Probe } from '../http.js';
import type { Check, Outcome } from '../result.js';
import type { ServerContext } from '../server-context.js';

type ServerCheck = Check<ServerContext>;

/** A throwaway public client registered by the suite; nothing listens on its redirect URI. */
const REDIRECT_URI = 'http://127.0.0.1:9/portcullis-conformance/callback';

interface Registration {
  readonly endpoint: string;
  readonly response: Probe;
  readonly clientId?: string;
}

const registrations = new WeakMap<ServerContext, Promise<Registration | Outcome>>();

function post(context: ServerContext, endpoint: string, body: unknown): Promise<Probe> {
  return context.send(endpoint, {
    method: 'POST',
    headers: [
      ['content-type', 'application/json'],
      ['accept', 'application/json'],
    ],
    body: JSON.stringify(body),
  });
}

/** The suite's throwaway registration, made once per run (only with `--dcr`). */
function registration(context: ServerContext): Promise<Registration | Outcome> {
  let pending = registrations.get(context);
  if (pending === undefined) {
    pending = (async () => {
      if (!context.options.dcr)
        return { skip: 'DCR checks are opt-in: pass --dcr (registers throwaway clients)' };
      const as = await context.primaryAuthorizationServer();
      if (as === undefined) return { skip: 'no authorization server metadata found' };
      const endpoint = as.metadata.registration_endpoint;
      if (typeof endpoint !== 'string')
        return { skip: 'the AS advertises no registration_endpoint (DCR is optional)' };
      const response = await post(context, endpoint, {
        client_name: 'portcullis-conformance (throwaway)',
        redirect_uris: [REDIRECT_URI],
        token_endpoint_auth_method: 'none',
        application_type: 'native',
        grant_types: ['authorization_code'],
        response_types: ['code'],
      });
      const json = jsonBody(response) as { client_id?: unknown } | undefined;
      const clientId = typeof json?.client_id === 'string' ? json.client_id : undefined;
      return { endpoint, response, ...(clientId === undefined ? {} : { clientId }) };
    })();
    registrations.set(context, pending);
  }
  return pending;
}

function isOutcome(value: unknown): value is Outcome {
  return typeof value === 'object' && value !== null && ('skip' in value || 'ok' in value);
}

/** `GET /authorize` with the throwaway client and `overrides`; records the redirect for AS-13/AS-14. */
async function authorize(context: ServerContext, overrides: Record<string, string | undefined>, via: string) {
  const found = await registration(context);
  if (isOutcome(found)) return found;
  if (found.clientId === undefined) return { skip: 'the throwaway registration failed' } as Outcome;
  const as = await context.primaryAuthorizationServer();
  const endpoint = as?.metadata.authorization_endpoint;
  if (typeof endpoint !== 'string') return { skip: 'no authorization_endpoint' } as Outcome;
  const state = randomBytes(12).toString('base64url');
  const query: Record<string, string | undefined> = {
    response_type: 'code',
    client_id: found.clientId,
    redirect_uri: REDIRECT_URI,
    state,
    resource: context.options.mcpUrl,
    code_challenge: createHash('sha256').update(randomBytes(32).toString('base64url')).digest('base64url'),
    code_challenge_method: 'S256',
    ...overrides,
  };
  const url = new URL(endpoint);
  for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, v);
  const response = await context.send(url.href, {});
  const location = response.headers.location;
  const target = location === undefined ? undefined : new URL(location, endpoint);
  if (target?.href.startsWith(query.redirect_uri ?? REDIRECT_URI)) {
    context.authorizationResponses.push({ params: target.searchParams, sentState: state, via });
  }
  return { response, target };
}

function redirectError(result: { response: Probe; target: URL | undefined }): string | undefined {
  if (result.target?.href.startsWith(REDIRECT_URI))
    return result.target.searchParams.get('error') ?? undefined;
  return result.response.status === 400 ? 'invalid_request (400 page)' : undefined;
}

function shown(result: { response: Probe; target: URL | undefined }): string {
  return result.target === undefined
    ? describeResponse(result.response)
    : `${result.response.status} → ${result.target.href}`;
}

/** AS-20, AS-21, AS-07, AS-04, AS-22: dynamic client registration and the authorization endpoint (opt-in). */
export const REGISTRATION_CHECKS: readonly ServerCheck[] = [
  {
    key: 'AS-20/register-public-client',
    id: 'AS-20',
    level: 'MUST',
    title: 'DCR registers a public native client with a loopback redirect',
    expected: '201 with client_id',
    hint: 'RFC 7591 §3.2: answer 201 with `client_id`; accept `token_endpoint_auth_method: "none"`.',
    run: async (context) => {
      const found = await registration(context);
      if (isOutcome(found)) return found;
      return {
        ok: found.response.status === 201 && found.clientId !== undefined,
        observed: describeResponse(found.response),
      };
    },
  },
  {
    key: 'AS-21/native-loopback',
    id: 'AS-21',
    title: 'DCR accepts application_type "native" with a loopback redirect',
    expected: '201',
    hint: 'Accept native clients with http://127.0.0.1 redirect URIs (any port).',
    run: async (context) => {
      const found = await registration(context);
      if (isOutcome(found)) return found;
      return { ok: found.response.status === 201, observed: describeResponse(found.response) };
    },
  },
  {
    key: 'AS-20/reject-empty-metadata',
    id: 'AS-20',
    level: 'SHOULD',
    title: 'DCR refuses metadata without redirect_uris',
    expected: '400 invalid_client_metadata or invalid_redirect_uri',
    hint: 'RFC 7591 §3.2.2: refuse bad metadata with 400 and an RFC 7591 error code.',
    run: async (context) => {
      const found = await registration(context);
      if (isOutcome(found)) return found;
      const response = await post(context, found.endpoint, {});
      const error = (jsonBody(response) as { error?: unknown } | undefined)?.error;
      const ok =
        response.status === 400 && (error === 'invalid_client_metadata' || error === 'invalid_redirect_uri');
      return { ok, observed: `${describeResponse(response)}, error=${JSON.stringify(error)}` };
    },
  },
  {
    key: 'AS-07/reject-insecure-redirect',
    id: 'AS-07',
    title: 'DCR refuses a plain-http redirect URI on a non-loopback host',
    expected: 'a 4xx refusal (RFC 7591: 400 invalid_redirect_uri), no client',
    hint: 'Accept only https or loopback redirect URIs.',
    run: async (context) => {
      const found = await registration(context);
      if (isOutcome(found)) return found;
      const response = await post(context, found.endpoint, {
        client_name: 'portcullis-conformance (throwaway)',
        redirect_uris: ['http://evil.example.com/cb'],
        token_endpoint_auth_method: 'none',
      });
      return { ok: response.status >= 400 && response.status < 500, observed: describeResponse(response) };
    },
  },
  {
    key: 'AS-04/pkce-required',
    id: 'AS-04',
    title: 'the authorization endpoint refuses a request without code_challenge',
    expected: 'error=invalid_request (redirect or 400), no login',
    hint: 'Require PKCE for every authorization request (OAuth 2.1 §4.1.1).',
    run: async (context) => {
      const result = await authorize(
        context,
        { code_challenge: undefined, code_challenge_method: undefined },
        'no PKCE',
      );
      if (isOutcome(result)) return result;
      if (result.response.status === 200)
        return { skip: 'the AS showed a page first; PKCE may be enforced later' };
      return { ok: redirectError(result) !== undefined, observed: shown(result) };
    },
  },
  {
    key: 'AS-04/plain-refused',
    id: 'AS-04',
    title: 'the authorization endpoint refuses code_challenge_method=plain',
    expected: 'error=invalid_request (redirect or 400)',
    hint: 'Accept only S256.',
    run: async (context) => {
      const result = await authorize(
        context,
        { code_challenge: 'a'.repeat(43), code_challenge_method: 'plain' },
        'plain PKCE',
      );
      if (isOutcome(result)) return result;
      if (result.response.status === 200)
        return { skip: 'the AS showed a page first; PKCE may be enforced later' };
      return { ok: redirectError(result) !== undefined, observed: shown(result) };
    },
  },
  {
    key: 'AS-22/unregistered-redirect',
    id: 'AS-22',
    title: 'the authorization endpoint never redirects to an unregistered redirect URI',
    expected: 'no Location to https://attacker.invalid',
    hint: 'Compare redirect_uri exactly with the registered ones and show an error page otherwise.',
    run: async (context) => {
      const result = await authorize(
        context,
        { redirect_uri: 'https://attacker.invalid/cb' },
        'bad redirect',
      );
      if (isOutcome(result)) return result;
      const leaked = result.target?.hostname === 'attacker.invalid';
      return { ok: !leaked, observed: shown(result) };
    },
  },
];
