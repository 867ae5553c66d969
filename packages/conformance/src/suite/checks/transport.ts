import { isLoopbackHost } from '@portcullis/metadata';
import { describeResponse, type Probe } from '../http.js';
import type { Check, Outcome } from '../result.js';
import type { ServerContext } from '../server-context.js';
import { acceptedToken, callWith } from './access.js';

type ServerCheck = Check<ServerContext>;

const EVIL_ORIGIN = 'http://evil.example.com';

async function badOrigin(context: ServerContext): Promise<Outcome> {
  const control = await acceptedToken(context);
  const token = 'token' in control ? control.token : undefined;
  const response: Probe = await callWith(context, token, [['origin', EVIL_ORIGIN]]);
  if (token === undefined && response.status === 401) {
    const why = 'skip' in control ? control.skip : 'no accepted token';
    return { skip: `401: authentication runs before the Origin check, so it needs a valid token (${why})` };
  }
  return { ok: response.status === 403, observed: `Origin: ${EVIL_ORIGIN} → ${describeResponse(response)}` };
}

/** RS-25, PX-09, RS-21: DNS rebinding and per-request authorization on the stateful transport. */
export const TRANSPORT_CHECKS: readonly ServerCheck[] = [
  {
    key: 'RS-25/bad-origin',
    id: 'RS-25',
    title: 'a request with a foreign Origin gets 403, even with a valid token',
    expected: '403',
    hint: 'Validate `Origin` on every request and answer 403 when it is present and not allowed (DNS rebinding).',
    run: badOrigin,
  },
  {
    key: 'PX-09/bad-origin',
    id: 'PX-09',
    title: 'the gateway refuses a foreign Origin with 403',
    expected: '403',
    hint: 'The gateway must do the Origin check itself (RS-25) before forwarding.',
    gatewayOnly: true,
    run: badOrigin,
  },
  {
    key: 'RS-25/host-rebinding',
    id: 'RS-25',
    title: 'a loopback server refuses a foreign Host header',
    expected: '4xx',
    hint: 'A server on a loopback address must accept only loopback Host names.',
    run: async (context) => {
      const url = new URL(context.options.mcpUrl);
      if (!isLoopbackHost(url.hostname)) return { skip: 'only checked for servers on a loopback address' };
      const control = await acceptedToken(context);
      if (!('token' in control)) return control;
      const response = await callWith(context, control.token, [['host', 'evil.example.com']]);
      return { ok: response.status >= 400 && response.status < 500, observed: describeResponse(response) };
    },
  },
  {
    key: 'RS-21/get-without-token',
    id: 'RS-21',
    title: 'GET on the MCP endpoint (SSE stream) without a token gets 401',
    expected: '401',
    hint: 'Authenticate every HTTP method on the MCP endpoint, not only POST.',
    run: async (context) => {
      const response = await context.send(context.options.mcpUrl, {
        headers: [['accept', 'text/event-stream']],
      });
      return { ok: response.status === 401, observed: describeResponse(response) };
    },
  },
  {
    key: 'RS-21/session-without-token',
    id: 'RS-21',
    title: 'a request with a valid session id but no token gets 401',
    expected: '401',
    hint: 'A session id is not a credential: check the token on every request of the session.',
    run: async (context) => {
      const control = await acceptedToken(context);
      if (!('token' in control)) return control;
      const opened = await callWith(context, control.token);
      const session = opened.headers['mcp-session-id'];
      if (session === undefined) return { skip: 'the server opened no session (no Mcp-Session-Id)' };
      const response = await callWith(context, undefined, [
        ['mcp-session-id', session],
        ['mcp-protocol-version', context.options.spec],
      ]);
      return { ok: response.status === 401, observed: describeResponse(response) };
    },
  },
];

function responseChecks(): ServerCheck[] {
  const responses = (context: ServerContext): Outcome | ServerContext['authorizationResponses'] => {
    if (context.authorizationResponses.length > 0) return context.authorizationResponses;
    return { skip: 'no authorization response seen: pass --login or --dcr' };
  };
  return [
    {
      key: 'AS-13/iss-in-response',
      id: 'AS-13',
      title: 'authorization responses (success and error) carry iss = the issuer, once',
      expected: 'iss=<issuer> exactly once in every redirect',
      hint: 'Add `iss` to every authorization response, errors included (RFC 9207 §2).',
      run: async (context) => {
        const seen = responses(context);
        if (!Array.isArray(seen)) return seen;
        const as = await context.primaryAuthorizationServer();
        const issuer = typeof as?.metadata.issuer === 'string' ? as.metadata.issuer : as?.issuer;
        const advertised = as?.metadata.authorization_response_iss_parameter_supported === true;
        const bad = seen.filter((r) => r.params.getAll('iss').length !== 1 || r.params.get('iss') !== issuer);
        const observed =
          bad.length === 0
            ? `${seen.length} response(s) with iss=${issuer}`
            : bad.map((r) => `${r.via}: iss=${JSON.stringify(r.params.getAll('iss'))}`).join('; ');
        return { ok: bad.length === 0, observed, ...(advertised ? { level: 'MUST' as const } : {}) };
      },
    },
    {
      key: 'AS-14/state-returned',
      id: 'AS-14',
      title: 'authorization responses return state unchanged, once',
      expected: 'state echoed exactly once',
      hint: 'Return the `state` the client sent, unchanged (RFC 6749 §4.1.2).',
      run: async (context) => {
        const seen = responses(context);
        if (!Array.isArray(seen)) return seen;
        const bad = seen.filter(
          (r) => r.params.getAll('state').length !== 1 || r.params.get('state') !== r.sentState,
        );
        return {
          ok: bad.length === 0,
          observed: bad.length === 0 ? `${seen.length} response(s)` : bad.map((r) => r.via).join(', '),
        };
      },
    },
  ];
}

/** AS-13, AS-14: checks on the authorization responses the run has seen; they run last. */
export const AUTHORIZATION_RESPONSE_CHECKS: readonly ServerCheck[] = responseChecks();
