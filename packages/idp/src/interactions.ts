import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import type { InteractionResults } from 'oidc-provider';
import { errors } from 'oidc-provider';
import type { AccountStore } from './accounts.js';
import { CsrfError, PageError } from './errors.js';
import { isLoopbackRedirect } from './loopback.js';
import { consentPage, errorPage, loginPage, sendPage } from './pages.js';

/** What the interaction routes need. */
export interface InteractionContext {
  provider: Provider;
  accounts: AccountStore;
  /** Secret for the per-interaction CSRF tokens. */
  csrfKey: Buffer;
  /** Path prefix of the issuer ('' for an issuer without a path). */
  basePath: string;
  /** Display names of the configured resources. */
  resourceNames: ReadonlyMap<string, string>;
}

const FORM_LIMIT = 8 * 1024;

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const type = req.headers['content-type'] ?? '';
  if (!type.startsWith('application/x-www-form-urlencoded')) {
    throw new PageError(400, 'invalid_request', 'expected an HTML form submission');
  }
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > FORM_LIMIT) throw new PageError(413, 'invalid_request', 'form too large');
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/** The CSRF token of one interaction and form (HMAC of both, so it cannot be replayed elsewhere). */
function csrfToken(ctx: InteractionContext, uid: string, form: string): string {
  return createHmac('sha256', ctx.csrfKey).update(`${form}:${uid}`).digest('base64url');
}

function checkCsrf(ctx: InteractionContext, uid: string, form: string, sent: string | null): void {
  const expected = Buffer.from(csrfToken(ctx, uid, form));
  const actual = Buffer.from(sent ?? '');
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) throw new CsrfError();
}

function asStrings(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String) : typeof value === 'string' ? [value] : [];
}

async function showInteraction(
  ctx: InteractionContext,
  req: IncomingMessage,
  res: ServerResponse,
  uid: string,
) {
  const details = await ctx.provider.interactionDetails(req, res);
  const { params, prompt } = details;
  const clientId = String(params.client_id);
  const client = await ctx.provider.Client.find(clientId);
  if (!client) throw new PageError(400, 'invalid_client', 'the client is no longer known');
  const clientName = client.clientName ?? clientId;
  const action = `${ctx.basePath}/interaction/${uid}/${prompt.name === 'login' ? 'login' : 'consent'}`;
  if (prompt.name === 'login') {
    sendPage(res, 200, loginPage({ action, csrf: csrfToken(ctx, uid, 'login'), clientName }));
    return;
  }
  const redirectUri = String(params.redirect_uri ?? client.redirectUris?.[0] ?? '');
  const redirectUrl = URL.parse(redirectUri);
  const accountId = details.session?.accountId ?? '';
  const requested = new Set(
    String(params.scope ?? '')
      .split(' ')
      .filter(Boolean),
  );
  const resources = asStrings(params.resource).map((uri) => ({
    uri,
    name: ctx.resourceNames.get(uri) ?? uri,
  }));
  sendPage(
    res,
    200,
    consentPage({
      action,
      csrf: csrfToken(ctx, uid, 'consent'),
      clientName,
      clientId,
      metadataDocument: /^https:\/\//.test(clientId),
      redirectUri,
      redirectHost: redirectUrl?.host ?? redirectUri,
      localhostRedirect: isLoopbackRedirect(redirectUri),
      userName: ctx.accounts.displayName(accountId) ?? accountId,
      scopes: [...requested],
      resources,
    }),
  );
}

async function submitLogin(ctx: InteractionContext, req: IncomingMessage, res: ServerResponse, uid: string) {
  const form = await readForm(req);
  checkCsrf(ctx, uid, 'login', form.get('csrf'));
  const details = await ctx.provider.interactionDetails(req, res);
  if (details.prompt.name !== 'login')
    throw new PageError(400, 'invalid_request', 'this sign-in step is already done');
  const username = form.get('username') ?? '';
  const accountId = await ctx.accounts.verify(username, form.get('password') ?? '');
  if (!accountId) {
    const client = await ctx.provider.Client.find(String(details.params.client_id));
    const view = {
      action: `${ctx.basePath}/interaction/${uid}/login`,
      csrf: csrfToken(ctx, uid, 'login'),
      clientName: client?.clientName ?? String(details.params.client_id),
      username,
      error: 'Wrong username or password.',
    };
    sendPage(res, 200, loginPage(view));
    return;
  }
  const result: InteractionResults = { login: { accountId, remember: false } };
  await ctx.provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
}

async function submitConsent(
  ctx: InteractionContext,
  req: IncomingMessage,
  res: ServerResponse,
  uid: string,
) {
  const form = await readForm(req);
  checkCsrf(ctx, uid, 'consent', form.get('csrf'));
  const details = await ctx.provider.interactionDetails(req, res);
  const { prompt, params, session } = details;
  if (prompt.name !== 'consent' || !session)
    throw new PageError(400, 'invalid_request', 'no consent is pending');
  if (form.get('decision') !== 'approve') {
    const denied: InteractionResults = {
      error: 'access_denied',
      error_description: 'the user denied the request',
    };
    await ctx.provider.interactionFinished(req, res, denied, { mergeWithLastSubmission: false });
    return;
  }
  const grant = details.grantId
    ? await ctx.provider.Grant.find(details.grantId)
    : new ctx.provider.Grant({ accountId: session.accountId, clientId: String(params.client_id) });
  if (!grant) throw new PageError(400, 'invalid_request', 'the consent record expired');
  const missing = prompt.details as {
    missingOIDCScope?: string[];
    missingOIDCClaims?: string[];
    missingResourceScopes?: Record<string, string[]>;
  };
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
    grant.addResourceScope(indicator, scopes.join(' '));
  }
  const grantId = await grant.save();
  const result: InteractionResults = { consent: details.grantId ? {} : { grantId } };
  await ctx.provider.interactionFinished(req, res, result, { mergeWithLastSubmission: true });
}

const ROUTE = /^\/interaction\/([\w-]+)(?:\/(login|consent))?$/;

/**
 * Serve the login and consent pages: `GET /interaction/:uid`, `POST /interaction/:uid/login`,
 * `POST /interaction/:uid/consent` (`path` is relative to the issuer path). Returns false for other paths.
 * Errors become HTML pages here, in one place; nothing is ever redirected to an unverified URI.
 * @see RFC 6749 §4.1.2.1, §10.12 (CSRF)
 */
export async function handleInteraction(
  ctx: InteractionContext,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
): Promise<boolean> {
  const match = ROUTE.exec(path);
  if (!match?.[1]) return false;
  const [, uid, step] = match;
  try {
    if (req.method === 'GET' && !step) await showInteraction(ctx, req, res, uid);
    else if (req.method === 'POST' && step === 'login') await submitLogin(ctx, req, res, uid);
    else if (req.method === 'POST' && step === 'consent') await submitConsent(ctx, req, res, uid);
    else throw new PageError(405, 'invalid_request', 'method not allowed');
  } catch (error) {
    if (error instanceof PageError) {
      sendPage(res, error.status, errorPage(error.error, error.error_description));
    } else if (error instanceof errors.OIDCProviderError) {
      sendPage(res, Math.min(error.status, 500), errorPage(error.error, error.error_description));
    } else {
      sendPage(res, 500, errorPage('server_error', 'unexpected error'));
      throw error;
    }
  }
  return true;
}
