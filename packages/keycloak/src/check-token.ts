import type { RealmCheck } from './check-result.js';
import { row } from './check-result.js';
import {
  type AuthorizationServerMetadata,
  audienceOf,
  authorizeWithPassword,
  createPkce,
  decodeJwtPayload,
  tokenRequest,
} from './oauth-flow.js';
import type { ResolvedCheckOptions } from './options.js';
import type { RegisteredClient } from './registration.js';

type Row = RealmCheck;

/** Login + consent + code exchange with a throwaway client: consent shown, `aud` and `iss` of the access token. */
export async function tokenChecks(
  issuer: string,
  metadata: AuthorizationServerMetadata,
  client: RegisteredClient | undefined,
  redirectUri: string,
  opts: ResolvedCheckOptions,
): Promise<Row[]> {
  const title = `A token for ${opts.resource} carries it in aud`;
  if (opts.username === undefined || opts.password === undefined) {
    const why = 'needs a realm user: pass --user and --password';
    return [row('consent', 'Consent page shown', 'skip', why), row('token-audience', title, 'skip', why)];
  }
  if (!client) return [row('token-audience', title, 'skip', 'needs the anonymous DCR check to pass')];
  const pkce = await createPkce();
  const resource = opts.sendResource ? opts.resource : undefined;
  let consentShown = false;
  try {
    const auth = await authorizeWithPassword({
      authorizationEndpoint: metadata.authorization_endpoint,
      clientId: client.client_id,
      redirectUri,
      scope: opts.scope,
      codeChallenge: pkce.challenge,
      username: opts.username,
      password: opts.password,
      resource,
      timeoutMs: opts.timeoutMs,
    });
    consentShown = auth.consentShown;
    const form: Record<string, string> = {
      grant_type: 'authorization_code',
      code: auth.code,
      redirect_uri: redirectUri,
      client_id: client.client_id,
      code_verifier: pkce.verifier,
    };
    if (resource !== undefined) form.resource = resource;
    const token = await tokenRequest(metadata.token_endpoint, form, opts.timeoutMs);
    const rows = [consentRow(consentShown)];
    if (token.status !== 200 || typeof token.body.access_token !== 'string') {
      return [
        ...rows,
        row(
          'token-audience',
          title,
          'fail',
          `token endpoint answered ${token.status} ${token.body.error ?? ''}`.trim(),
          'See the Keycloak log for the reason.',
        ),
      ];
    }
    const claims = decodeJwtPayload(token.body.access_token);
    const aud = audienceOf(claims);
    rows.push(
      aud.includes(opts.resource)
        ? row('token-audience', title, 'pass', `aud ${JSON.stringify(aud)}`)
        : row(
            'token-audience',
            title,
            'fail',
            `aud ${JSON.stringify(aud)}`,
            `Give the requested scope (${opts.scope}) an "oidc-audience-mapper" with included.custom.audience = ${opts.resource}.`,
          ),
    );
    rows.push(
      claims.iss === issuer
        ? row('token-issuer', 'Token iss equals the issuer', 'pass', String(claims.iss))
        : row(
            'token-issuer',
            'Token iss equals the issuer',
            'fail',
            `iss ${String(claims.iss)}`,
            'Pin the issuer with --hostname=<scheme://host:port> so it never follows the Host header.',
          ),
    );
    return rows;
  } catch (error) {
    return [
      consentRow(consentShown),
      row(
        'token-audience',
        title,
        'fail',
        (error as Error).message,
        'Check the user (full profile, no required actions) and the Keycloak log.',
      ),
    ];
  }
}

function consentRow(shown: boolean): Row {
  return shown
    ? row('consent', 'Consent page shown', 'pass', "the flow accepted Keycloak's consent page")
    : row(
        'consent',
        'Consent page shown',
        'fail',
        'no consent page',
        'Add the anonymous "Consent Required" client registration policy, and keep display.on.consent.screen on a requested scope.',
      );
}
