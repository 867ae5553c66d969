import { describeResponse, jsonBody, type Probe } from '../http.js';
import type { Check, Outcome } from '../result.js';
import type { ServerContext } from '../server-context.js';
import {
  type BrowserAuthorization,
  browserAuthorize,
  loginOptions,
  redemption,
} from '../tokens/browser-login.js';
import type { TokenDiscovery } from '../tokens/token-source.js';

type ServerCheck = Check<ServerContext>;

/** A completed flow: the authorization, its code, the first redemption and its tokens. */
interface CompletedFlow {
  readonly flow: BrowserAuthorization;
  readonly form: Record<string, string>;
  readonly refreshToken?: string;
}

async function discovery(context: ServerContext): Promise<TokenDiscovery> {
  const as = await context.primaryAuthorizationServer();
  if (as === undefined) throw new Error('no authorization server metadata found');
  const scope = context.options.scope ?? (await context.challenge())?.scope ?? undefined;
  return { issuer: as.issuer, metadata: as.metadata, scope };
}

/** One browser pass as the `--login` user (`undefined` without `--login`). */
function authorizeInBrowser(context: ServerContext, sentRedirect?: (registered: string) => string) {
  const login = context.options.login;
  if (login === undefined) return undefined;
  return browserAuthorize(
    loginOptions(context.options, login),
    () => discovery(context),
    context.options.mcpUrl,
    sentRedirect,
  );
}

function postForm(context: ServerContext, endpoint: string, form: Record<string, string>): Promise<Probe> {
  return context.send(endpoint, {
    method: 'POST',
    headers: [
      ['content-type', 'application/x-www-form-urlencoded'],
      ['accept', 'application/json'],
    ],
    body: new URLSearchParams(form).toString(),
  });
}

/** The tokens of a token-endpoint answer, when it was a success. */
function tokensOf(response: Probe): { access?: string; refresh?: string } {
  const body = jsonBody(response) as { access_token?: unknown; refresh_token?: unknown } | undefined;
  if (response.status !== 200 || typeof body?.access_token !== 'string') return {};
  return {
    access: body.access_token,
    ...(typeof body.refresh_token === 'string' ? { refresh: body.refresh_token } : {}),
  };
}

const NEEDS_LOGIN = { skip: 'needs --login (a browser login completes the flow)' } as const;
const flows = new WeakMap<ServerContext, Promise<CompletedFlow | Outcome>>();

/** A fresh code flow, redeemed once; shared by AS-12 and AS-05 (AS-12 runs first: code reuse may revoke). */
function completedFlow(context: ServerContext): Promise<CompletedFlow | Outcome> {
  let pending = flows.get(context);
  if (pending === undefined) {
    pending = (async () => {
      const flow = await authorizeInBrowser(context);
      if (flow === undefined) return NEEDS_LOGIN;
      const code = flow.params?.get('code');
      if (code === undefined || code === null)
        return { skip: `the browser login produced no code (${flow.stoppedAt || 'error response'})` };
      const form = redemption(flow, code, context.options.mcpUrl);
      const first = await postForm(context, flow.tokenEndpoint, form);
      const tokens = tokensOf(first);
      if (tokens.access === undefined)
        return { skip: `the first redemption of the code failed (${describeResponse(first)})` };
      return { flow, form, ...(tokens.refresh === undefined ? {} : { refreshToken: tokens.refresh }) };
    })();
    flows.set(context, pending);
  }
  return pending;
}

async function refreshRotation(context: ServerContext): Promise<Outcome> {
  const done = await completedFlow(context);
  if (!('flow' in done)) return done;
  if (done.refreshToken === undefined)
    return { skip: 'the AS issued no refresh token to the public client, so there is nothing to rotate' };
  const refresh = () =>
    postForm(context, done.flow.tokenEndpoint, {
      grant_type: 'refresh_token',
      refresh_token: done.refreshToken ?? '',
      client_id: done.flow.clientId,
      resource: context.options.mcpUrl,
    });
  const first = tokensOf(await refresh());
  if (first.access === undefined) return { skip: 'refreshing with the first refresh token failed' };
  const reused = await refresh();
  const rotated = first.refresh !== undefined && first.refresh !== done.refreshToken;
  const ok = rotated && reused.status >= 400 && reused.status < 500;
  const issued = rotated ? 'a new refresh token was issued' : 'no new refresh token was issued';
  return { ok, observed: `${issued}; the old one used again → ${describeResponse(reused)}` };
}

/** AS-12, AS-05, AS-06: behaviour that needs a completed authorization code flow (`--login`). */
export const FULL_FLOW_CHECKS: readonly ServerCheck[] = [
  {
    key: 'AS-12/refresh-rotation',
    id: 'AS-12',
    title: 'refresh tokens of a public client rotate: the old one fails after use',
    expected: 'a new refresh token on refresh; the old one then gets 400 invalid_grant',
    hint: 'Issue a new refresh token on every refresh for public clients and invalidate the old one (OAuth 2.1 §4.3.1).',
    run: refreshRotation,
  },
  {
    key: 'AS-05/code-single-use',
    id: 'AS-05',
    title: 'an authorization code redeemed twice fails the second time',
    expected: '400 invalid_grant on the second redemption',
    hint: 'Mark codes used on redemption and refuse them afterwards (and revoke the tokens they gave).',
    run: async (context) => {
      const done = await completedFlow(context);
      if (!('flow' in done)) return done;
      const second = await postForm(context, done.flow.tokenEndpoint, done.form);
      const error = (jsonBody(second) as { error?: unknown } | undefined)?.error;
      const ok = second.status >= 400 && second.status < 500 && tokensOf(second).access === undefined;
      return {
        ok,
        observed: `second redemption → ${describeResponse(second)}${error ? ` ${String(error)}` : ''}`,
      };
    },
  },
  {
    key: 'AS-06/exact-redirect',
    id: 'AS-06',
    title:
      'an authorization request with an unregistered redirect_uri (registered path + /extra) is not redirected',
    expected: 'an error page; the browser is never sent to the unregistered URI',
    hint: 'Compare redirect_uri with the registered value exactly (only a loopback port may vary).',
    run: async (context) => {
      const flow = await authorizeInBrowser(context, (registered) => `${registered}/extra`);
      if (flow === undefined) return NEEDS_LOGIN;
      if (flow.params === undefined) return { ok: true, observed: `stopped at ${flow.stoppedAt}` };
      return { ok: false, observed: `the browser was redirected to ${flow.redirectUri}` };
    },
  },
];
