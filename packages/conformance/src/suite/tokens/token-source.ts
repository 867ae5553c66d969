import { exec } from 'node:child_process';
import { ConformanceError } from '../../errors.js';

/** Where valid tokens come from. `get` returns an access token for `resource`, or throws saying why not. */
export interface TokenSource {
  /** How the token is obtained, for the report (never the token or a secret). */
  readonly describe: string;
  get(resource: string): Promise<string>;
  close?(): Promise<void>;
}

/** The authorization server a token source talks to, found by discovery. */
export interface TokenDiscovery {
  readonly issuer: string;
  readonly metadata: Record<string, unknown>;
  /** The scope to ask for. */
  readonly scope: string | undefined;
}

/**
 * A shell command that prints a token on stdout. It gets `PORTCULLIS_CONFORMANCE_RESOURCE` (the audience wanted)
 * and `PORTCULLIS_CONFORMANCE_SCOPE`.
 */
export function commandTokenSource(
  command: string,
  timeoutMs: number,
  scope: () => Promise<string | undefined>,
): TokenSource {
  return {
    describe: 'token command',
    get: async (resource) => {
      const env: NodeJS.ProcessEnv = { ...process.env, PORTCULLIS_CONFORMANCE_RESOURCE: resource };
      const wanted = await scope();
      if (wanted !== undefined) env.PORTCULLIS_CONFORMANCE_SCOPE = wanted;
      return new Promise((resolve, reject) => {
        exec(command, { env, timeout: timeoutMs, maxBuffer: 1 << 20 }, (error, stdout) => {
          const token = stdout.trim().split(/\s+/).at(-1) ?? '';
          if (error !== null || token === '') {
            const why = error === null ? 'printed nothing' : `exited with ${error.code ?? error.signal}`;
            reject(
              new ConformanceError(
                'ERR_PORTCULLIS_TOKEN_SOURCE',
                `the token command ${why} (resource ${resource})`,
              ),
            );
          } else resolve(token);
        });
      });
    },
  };
}

/** Redeem a form at the token endpoint and return `access_token`. */
export async function tokenRequest(
  endpoint: string,
  form: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<string> {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', ...headers },
    body: new URLSearchParams(form),
  });
  const body = (await response.json().catch(() => ({}))) as { access_token?: unknown; error?: unknown };
  if (!response.ok || typeof body.access_token !== 'string') {
    const error = typeof body.error === 'string' ? body.error : 'no access_token';
    throw new ConformanceError(
      'ERR_PORTCULLIS_TOKEN_SOURCE',
      `the token endpoint ${endpoint} answered ${response.status} (${error})`,
    );
  }
  return body.access_token;
}

/** The client_credentials grant with `client_secret_basic` and RFC 8707 `resource`. */
export function clientCredentialsTokenSource(
  credentials: { user: string; secret: string },
  discover: () => Promise<TokenDiscovery>,
): TokenSource {
  return {
    describe: `client_credentials (client ${credentials.user})`,
    get: async (resource) => {
      const { metadata, scope } = await discover();
      const endpoint = metadata.token_endpoint;
      if (typeof endpoint !== 'string') {
        throw new ConformanceError('ERR_PORTCULLIS_TOKEN_SOURCE', 'the AS metadata has no token_endpoint');
      }
      const basic = Buffer.from(
        `${encodeURIComponent(credentials.user)}:${encodeURIComponent(credentials.secret)}`,
      ).toString('base64');
      const form: Record<string, string> = { grant_type: 'client_credentials', resource };
      if (scope !== undefined) form.scope = scope;
      return tokenRequest(endpoint, form, { authorization: `Basic ${basic}` });
    },
  };
}
