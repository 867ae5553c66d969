import { parseBearerChallenge } from '@portcullis/metadata';
import { describeResponse, mcpCall, type Probe, toolCall } from '../http.js';
import type { Check, Outcome } from '../result.js';
import type { ServerContext } from '../server-context.js';
import type { TokenAttempt, TokenKit } from '../tokens/token-kit.js';

type ServerCheck = Check<ServerContext>;

/** `POST <mcp>` with the harmless call of the spec version, a bearer token (if any) and extra headers. */
export function callWith(
  context: ServerContext,
  token: string | undefined,
  extra: readonly (readonly [string, string])[] = [],
  url = context.options.mcpUrl,
): Promise<Probe> {
  const call = mcpCall(context.options.spec);
  const auth: [string, string][] = token === undefined ? [] : [['authorization', `Bearer ${token}`]];
  return context.send(url, {
    method: 'POST',
    headers: [...call.headers, ...auth, ...extra],
    body: call.body,
  });
}

const accepted = new WeakMap<ServerContext, Promise<{ token: string } | Outcome>>();

const ok2xx = (response: Probe) => response.status >= 200 && response.status < 300;

/** The valid token, once the server has accepted it; otherwise why the token checks cannot run. */
export function acceptedToken(context: ServerContext): Promise<{ token: string } | Outcome> {
  let pending = accepted.get(context);
  if (pending === undefined) {
    pending = (async () => {
      const attempt = await context.tokens.valid();
      if (!('token' in attempt)) return { skip: attempt.unavailable };
      const response = await callWith(context, attempt.token);
      if (!ok2xx(response)) return { skip: `the valid token was refused (${describeResponse(response)})` };
      return { token: attempt.token };
    })();
    accepted.set(context, pending);
  }
  return pending;
}

function errorOf(response: Probe): string | undefined {
  try {
    return parseBearerChallenge(response.challenges)?.error;
  } catch {
    return undefined;
  }
}

/** A check that presents a bad token and expects 401 (with `error="invalid_token"` when `strict`). */
function rejects(make: (kit: TokenKit) => Promise<TokenAttempt>, strict: boolean) {
  return async (context: ServerContext): Promise<Outcome> => {
    const control = await acceptedToken(context);
    if (!('token' in control)) return control;
    const attempt = await make(context.tokens);
    if (!('token' in attempt)) return { skip: attempt.unavailable };
    const response = await callWith(context, attempt.token);
    const error = errorOf(response);
    const ok = response.status === 401 && (!strict || error === 'invalid_token');
    return { ok, observed: describeResponse(response) };
  };
}

/** RS-12…RS-16, RS-19, RS-20: token validation and the Authorization header. */
export const ACCESS_CHECKS: readonly ServerCheck[] = [
  {
    key: 'RS-12/valid-token-accepted',
    id: 'RS-12',
    title: 'a valid token is accepted (control for the token checks)',
    expected: '2xx',
    hint: 'The token source gave a token the server refuses: check the audience, issuer and scope it carries.',
    run: async (context) => {
      const attempt = await context.tokens.valid();
      if (!('token' in attempt)) return { skip: attempt.unavailable };
      const response = await callWith(context, attempt.token);
      const observed = `${describeResponse(response)} (token from ${context.tokens.describe})`;
      if (ok2xx(response) || response.status === 401 || response.status === 403) {
        return { ok: ok2xx(response), observed };
      }
      const spec = context.options.spec;
      return {
        skip: `the server refused the ${spec} probe itself (${observed}); does it speak --spec ${spec}?`,
      };
    },
  },
  {
    key: 'RS-12/altered-signature',
    id: 'RS-12',
    title: 'a token with an altered signature (or an altered opaque token) is refused',
    expected: '401, error="invalid_token"',
    hint: 'Verify the JWT signature against the AS JWKS (or introspect) before handling the request.',
    run: rejects((kit) => kit.alteredSignature(), true),
  },
  {
    key: 'RS-12/alg-none',
    id: 'RS-12',
    title: 'an unsigned token (alg "none") is refused',
    expected: '401, error="invalid_token"',
    hint: 'Allow only the signing algorithms of the AS; never "none".',
    run: rejects((kit) => kit.unsigned(), true),
  },
  {
    key: 'RS-13/other-audience',
    id: 'RS-13',
    title: 'a token of the trusted AS for another resource is refused',
    expected: '401',
    hint: 'Check that `aud` contains this server’s canonical URI (RFC 8707), not only the signature.',
    run: rejects((kit) => kit.otherAudience(), false),
  },
  {
    key: 'RS-13/no-audience',
    id: 'RS-13',
    title: 'a token of the trusted AS without aud is refused',
    expected: '401',
    hint: 'Refuse tokens without an audience.',
    run: rejects((kit) => kit.noAudience(), false),
  },
  {
    key: 'RS-14/other-issuer',
    id: 'RS-14',
    title: 'a token from another issuer is refused',
    expected: '401',
    hint: 'Accept only tokens whose `iss` is the configured AS and whose key is in its JWKS.',
    run: rejects((kit) => kit.otherIssuer(), false),
  },
  {
    key: 'RS-15/expired',
    id: 'RS-15',
    title: 'an expired token is refused with invalid_token',
    expected: '401, error="invalid_token"',
    hint: 'Check `exp` (with a small clock tolerance) and answer 401 `error="invalid_token"`.',
    run: rejects((kit) => kit.expired(), true),
  },
  {
    key: 'RS-16/insufficient-scope',
    id: 'RS-16',
    title: 'a call needing more scope gets 403 insufficient_scope with scope and resource_metadata',
    expected: '403, Bearer error="insufficient_scope", scope="…", resource_metadata="…"',
    hint: 'Answer 403 with `WWW-Authenticate: Bearer error="insufficient_scope", scope="<needed>", resource_metadata="…"`.',
    run: async (context) => {
      const tool = context.options.stepUpTool;
      if (tool === undefined)
        return { skip: 'pass --step-up-tool <a tool the valid token has no scope for>' };
      const control = await acceptedToken(context);
      if (!('token' in control)) return control;
      const auth: [string, string] = ['authorization', `Bearer ${control.token}`];
      const session = await callWith(context, control.token);
      const sessionId = session.headers['mcp-session-id'];
      const call = toolCall(context.options.spec, tool);
      const headers = [
        ...call.headers,
        auth,
        ...(sessionId === undefined ? [] : [['mcp-session-id', sessionId] as [string, string]]),
      ];
      const response = await context.send(context.options.mcpUrl, {
        method: 'POST',
        headers,
        body: call.body,
      });
      let params: Record<string, string | undefined> | undefined;
      try {
        params = parseBearerChallenge(response.challenges);
      } catch {
        return {
          ok: false,
          level: 'MUST',
          observed: `unparsable challenge (RFC 6750 §3): ${response.challenges.join(' | ')}`,
        };
      }
      const ok =
        response.status === 403 &&
        params?.error === 'insufficient_scope' &&
        (params.scope ?? '').trim() !== '' &&
        params.resource_metadata !== undefined;
      return { ok, observed: describeResponse(response) };
    },
  },
  {
    key: 'RS-19/empty-bearer',
    id: 'RS-19',
    title: '"Authorization: Bearer" with no token gets 400 invalid_request',
    expected: '400',
    hint: 'A malformed Authorization header is a 400 `invalid_request` (RFC 6750 §3.1), not a 401.',
    run: async (context) => {
      const response = await callWith(context, undefined, [['authorization', 'Bearer']]);
      return { ok: response.status === 400, observed: describeResponse(response) };
    },
  },
  {
    key: 'RS-19/two-authorization-headers',
    id: 'RS-19',
    title: 'two Authorization headers get 400 invalid_request',
    expected: '400',
    hint: 'Refuse requests with more than one Authorization header (or credential) with 400 `invalid_request`.',
    run: async (context) => {
      const control = await acceptedToken(context);
      const token = 'token' in control ? control.token : 'portcullis-conformance-a';
      const response = await callWith(context, token, [['authorization', `Bearer ${token}`]]);
      return { ok: response.status === 400, observed: describeResponse(response) };
    },
  },
  {
    key: 'RS-20/token-in-query',
    id: 'RS-20',
    title: 'a valid token in the query string is not accepted',
    expected: '401 (never 2xx)',
    hint: 'Read tokens only from the Authorization header; ignore `access_token` in the URL.',
    run: async (context) => {
      const control = await acceptedToken(context);
      if (!('token' in control)) return control;
      const url = new URL(context.options.mcpUrl);
      url.searchParams.set('access_token', control.token);
      const response = await callWith(context, undefined, [], url.href);
      return { ok: !ok2xx(response) && response.status !== 0, observed: describeResponse(response) };
    },
  },
];
