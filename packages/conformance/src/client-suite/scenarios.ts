import type { Check, Outcome } from '../suite/result.js';
import type { MockBehaviour, MockPair, RecordedRequest } from './mock-servers.js';

/** How one client run ended. */
export interface ClientExit {
  readonly code: number | null;
  readonly signal: string | null;
  readonly timedOut: boolean;
}

/** What a scenario's checks look at: the mock servers, how the client runs ended, and its outbound connections. */
export interface ScenarioRun {
  readonly pairs: readonly MockPair[];
  readonly exits: readonly ClientExit[];
  /** Hosts the client tried to reach through the egress recorder (`host:port`). */
  readonly egress: readonly string[];
}

/** One scenario: mock pairs, which pair each client run is pointed at, and the checks. */
export interface ClientScenario {
  readonly name: string;
  readonly description: string;
  readonly pairs: readonly MockBehaviour[];
  /** The pair index of each client run, in order; the runs share one HOME, so cached tokens carry over. */
  readonly runs: readonly number[];
  readonly checks: readonly Check<ScenarioRun>[];
}

const as = (pair: MockPair | undefined, path: string) =>
  pair?.requests.filter((r) => r.server === 'as' && r.path === path) ?? [];
const form = (r: RecordedRequest) => new URLSearchParams(r.body);
const grants = (pair: MockPair | undefined, grant: string) =>
  as(pair, '/token').filter((r) => form(r).get('grant_type') === grant);
const readMetadata = (pair: MockPair | undefined) =>
  as(pair, '/.well-known/oauth-authorization-server').length > 0;
const authenticated = (pair: MockPair | undefined) =>
  pair?.requests.filter(
    (r) => r.server === 'rs' && r.bearer !== undefined && pair.issued.includes(r.bearer),
  ) ?? [];

const UNSAFE_HOST = 'authorize.conformance.invalid';
const METADATA_IP = '169.254.169.254';

function notReached(host: string, run: ScenarioRun): Outcome {
  const hits = run.egress.filter((target) => target.startsWith(`${host}:`));
  return {
    ok: hits.length === 0,
    observed: hits.length === 0 ? `no connection to ${host}` : `connected to ${hits.join(', ')}`,
  };
}

/** The control scenario: a correct server; the client must complete the flow, or the other checks prove nothing. */
export const CONTROL_SCENARIO: ClientScenario = {
  name: 'control',
  description: 'a correct server: the client authorizes and calls it with a Bearer header',
  pairs: [{ name: 'control' }],
  runs: [0],
  checks: [
    {
      key: 'CL-23/bearer-header',
      id: 'CL-23',
      title:
        'the client completes the flow and sends the token in the Authorization header, never in the URL',
      expected: 'an authenticated MCP request; no access_token in any URL',
      hint: 'Send `Authorization: Bearer <token>` on every request to the MCP server.',
      run: async ({ pairs: [pair] }) => {
        const inQuery = pair?.requests.filter((r) => r.query.has('access_token')) ?? [];
        const calls = authenticated(pair).length;
        if (calls === 0)
          return { ok: false, observed: 'the client never called the server with an issued token' };
        return {
          ok: inQuery.length === 0,
          observed: `${calls} authenticated request(s), ${inQuery.length} with access_token in the URL`,
        };
      },
    },
  ],
};

/** The scenarios for the CL- requirements the official suite does not check. */
export const CLIENT_SCENARIOS: readonly ClientScenario[] = [
  {
    name: 'pkce-unsupported',
    description: 'the AS metadata has no code_challenge_methods_supported',
    pairs: [{ name: 'nopkce', metadata: ({ code_challenge_methods_supported: _, ...rest }) => rest }],
    runs: [0],
    checks: [
      {
        key: 'CL-07/pkce-unsupported',
        id: 'CL-07',
        title: 'the client refuses an AS whose metadata does not list code_challenge_methods_supported',
        expected: 'no authorization request, no token request',
        hint: 'Stop before /authorize when `code_challenge_methods_supported` is absent or lacks S256.',
        run: async ({ pairs: [pair] }) => {
          if (!readMetadata(pair)) return { skip: 'the client never read the AS metadata' };
          const hits = as(pair, '/authorize').length + as(pair, '/token').length;
          return {
            ok: hits === 0,
            observed: `${as(pair, '/authorize').length} authorization and ${as(pair, '/token').length} token request(s)`,
          };
        },
      },
    ],
  },
  {
    name: 'state-mismatch',
    description: 'the authorization response carries another state',
    pairs: [
      { name: 'state', authorizationResponse: (p) => p.set('state', `${p.get('state') ?? ''}-tampered`) },
    ],
    runs: [0],
    checks: [
      {
        key: 'CL-22/state-mismatch',
        id: 'CL-22',
        title: 'the client discards an authorization response with a changed state',
        expected: 'no token request after the tampered response',
        hint: 'Compare `state` with the value you sent before redeeming the code.',
        run: async ({ pairs: [pair] }) => {
          if (as(pair, '/authorize').length === 0)
            return { skip: 'the client made no authorization request' };
          const redeemed = grants(pair, 'authorization_code').length;
          return { ok: redeemed === 0, observed: `${redeemed} code redemption(s)` };
        },
      },
    ],
  },
  {
    name: 'token-reuse',
    description: 'two servers with different authorization servers, the client run against each in turn',
    pairs: [{ name: 'server-a' }, { name: 'server-b' }],
    runs: [0, 1],
    checks: [
      {
        key: 'CL-24/no-cross-server-token',
        id: 'CL-24',
        title: 'a token obtained for one server is never sent to another server',
        expected: "server B never receives server A's token",
        hint: 'Key stored tokens by the resource (and its AS); never send them to another server.',
        run: async ({ pairs: [a, b] }) => {
          if (authenticated(a).length === 0)
            return { skip: 'the first run never obtained a token for server A' };
          const leaked =
            b?.requests.filter((r) => r.bearer !== undefined && a?.issued.includes(r.bearer)) ?? [];
          return {
            ok: leaked.length === 0,
            observed: `${leaked.length} request(s) to server B with server A's token`,
          };
        },
      },
    ],
  },
  {
    name: 'refresh-on-401',
    description: 'the first token stops working after initialize (401 invalid_token)',
    pairs: [
      { name: 'refresh', accepts: (token, method) => token !== 'refresh-at-1' || method === 'initialize' },
    ],
    runs: [0],
    checks: [
      {
        key: 'CL-25/retry-after-401',
        id: 'CL-25',
        title:
          'after 401 invalid_token the client gets a new token (refresh or new flow) and retries, a bounded number of times',
        expected: 'a second token used on the server; at most 4 token requests',
        hint: 'On 401, refresh (with `resource`) and retry once; if that fails run the flow again; never loop.',
        run: async ({ pairs: [pair] }) => {
          const tokens = as(pair, '/token').length;
          const retried = authenticated(pair).filter((r) => r.bearer !== 'refresh-at-1').length;
          return {
            ok: retried > 0 && tokens <= 4,
            observed: `${tokens} token request(s), ${retried} request(s) with a new token`,
          };
        },
      },
      {
        key: 'CL-25/refresh-with-resource',
        id: 'CL-25',
        title: 'the refresh request carries resource = the MCP server URL',
        expected: 'grant_type=refresh_token with resource=<server URL>',
        hint: 'Send the RFC 8707 `resource` in refresh requests too.',
        run: async ({ pairs: [pair] }) => {
          const refreshes = grants(pair, 'refresh_token');
          if (refreshes.length === 0) return { skip: 'the client did not use its refresh token' };
          const wrong = refreshes.filter((r) => form(r).get('resource') !== pair?.serverUrl);
          return {
            ok: wrong.length === 0,
            observed: refreshes.map((r) => `resource=${form(r).get('resource') ?? '(absent)'}`).join(', '),
          };
        },
      },
    ],
  },
  {
    name: 'unsafe-authorization-url',
    description: `the AS metadata names http://${UNSAFE_HOST}/authorize (plain http, not loopback)`,
    pairs: [
      {
        name: 'unsafe',
        metadata: (m) => ({ ...m, authorization_endpoint: `http://${UNSAFE_HOST}/authorize` }),
      },
    ],
    runs: [0],
    checks: [
      {
        key: 'CL-28/unsafe-authorization-url',
        id: 'CL-28',
        title: 'the client refuses an authorization URL that is not https (or loopback http)',
        expected: `no connection to ${UNSAFE_HOST}`,
        hint: 'Allow only https authorization URLs (http only on loopback); reject javascript:, data:, file:.',
        run: async (run) => {
          if (!readMetadata(run.pairs[0])) return { skip: 'the client never read the AS metadata' };
          return notReached(UNSAFE_HOST, run);
        },
      },
    ],
  },
  {
    name: 'ssrf-metadata',
    description: `the PRM names http://${METADATA_IP}/ (cloud metadata address) as its authorization server`,
    pairs: [{ name: 'ssrf', prm: (p) => ({ ...p, authorization_servers: [`http://${METADATA_IP}/`] }) }],
    runs: [0],
    checks: [
      {
        key: 'CL-29/link-local-authorization-server',
        id: 'CL-29',
        title: 'the client does not fetch metadata from a link-local (cloud metadata) address',
        expected: `no connection to ${METADATA_IP}`,
        hint: 'Refuse private, link-local and metadata addresses for OAuth URLs; check every redirect hop.',
        run: async (run) => {
          const prm = run.pairs[0]?.requests.some((r) =>
            r.path.startsWith('/.well-known/oauth-protected-resource'),
          );
          if (!prm) return { skip: 'the client never fetched the PRM' };
          return notReached(METADATA_IP, run);
        },
      },
    ],
  },
  {
    name: 'trailing-slash',
    description: 'the MCP endpoint is the origin itself; the PRM resource has no trailing slash',
    pairs: [{ name: 'slash', mcpPath: '' }],
    runs: [0],
    checks: [
      {
        key: 'CL-09/resource-verbatim',
        id: 'CL-09',
        title:
          'the client sends the PRM resource verbatim (no added trailing slash) to /authorize and /token',
        expected: 'resource=<origin> without a trailing slash, in both requests',
        hint: 'Use the PRM `resource` string as is; `new URL(x).href` adds a slash to an origin.',
        run: async ({ pairs: [pair] }) => {
          const authorize = as(pair, '/authorize');
          if (authorize.length === 0) return { skip: 'the client made no authorization request' };
          const sent = [
            ...authorize.map((r) => r.query.get('resource')),
            ...grants(pair, 'authorization_code').map((r) => form(r).get('resource')),
          ];
          const wrong = sent.filter((value) => value !== pair?.serverUrl);
          return {
            ok: wrong.length === 0,
            observed: `resource=${sent.map((v) => JSON.stringify(v)).join(', ')}`,
          };
        },
      },
    ],
  },
];
