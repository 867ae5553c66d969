import { homedir } from 'node:os';
import { join } from 'node:path';
import { canonicalResourceUri, isClientIdMetadataDocumentUrl, isSecureUrl } from '@portcullis/metadata';
import { z } from 'zod';
import { ClientError } from './errors.js';

/** Default client name sent in dynamic registration and shown on consent pages. */
export const DEFAULT_CLIENT_NAME = 'Portcullis CLI';
/** Default time to wait for the browser to come back to the loopback redirect, in milliseconds (5 minutes). */
export const DEFAULT_CALLBACK_TIMEOUT_MS = 300_000;
/** Default cap on authorization attempts for one MCP operation (first login plus step-ups). */
export const DEFAULT_MAX_AUTHORIZATION_ATTEMPTS = 3;
/** Default margin before `expires_at` at which a token is refreshed ahead of use, in seconds. */
export const DEFAULT_REFRESH_SKEW_S = 60;
/** Default timeout of one HTTP request made by the OAuth client, in milliseconds. */
export const DEFAULT_HTTP_TIMEOUT_MS = 15_000;

/** The folder tokens and client registrations are stored in: `$PORTCULLIS_HOME`, else `~/.config/portcullis`. */
export function defaultStoreDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PORTCULLIS_HOME) return env.PORTCULLIS_HOME;
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'portcullis');
}

/** Opens the authorization URL for the user; resolves once the browser was started (not when login ends). */
export type BrowserOpener = (url: string) => Promise<void>;

/** Progress events for spinners and logs. Never carry a token, a code or a secret. */
export type ClientEvent =
  | { readonly type: 'step'; readonly step: string; readonly url?: string | undefined }
  | { readonly type: 'authorize'; readonly url: string }
  | { readonly type: 'done' };

const preRegisteredSchema = z.strictObject({
  /** The issuer these credentials belong to. Omitted: used for whichever authorization server is discovered. */
  issuer: z.string().optional(),
  clientId: z.string().min(1),
  /** Omitted for a public client. */
  clientSecret: z.string().min(1).optional(),
  /** Default: `client_secret_basic` with a secret, `none` without. */
  tokenEndpointAuthMethod: z.enum(['client_secret_basic', 'client_secret_post', 'none']).optional(),
});

/** Credentials registered ahead of time (CL-16 first choice). */
export type PreRegisteredClient = z.infer<typeof preRegisteredSchema>;

const fn = <T>(what: string) =>
  z.custom<T>((v) => typeof v === 'function', { message: `${what} must be a function` });

/** The zod schema of {@link OAuthClientOptionsInput}; see each member for its default. */
export const oauthClientOptionsSchema = z.strictObject({
  /** The MCP endpoint, e.g. `https://mcp.example.com/mcp`. Scheme and host are lowercased (CL-10). */
  serverUrl: z.string().transform((value, ctx) => {
    try {
      return canonicalResourceUri(value);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: error instanceof Error ? error.message : String(error) });
      return z.NEVER;
    }
  }),
  /** Where tokens and registrations are kept (mode 0600 files). Default: {@link defaultStoreDir}. */
  storeDir: z.string().min(1).optional(),
  /** `client_name` for dynamic registration. Default {@link DEFAULT_CLIENT_NAME}. */
  clientName: z.string().min(1).default(DEFAULT_CLIENT_NAME),
  /** Our client ID metadata document URL (https with a path), used when the AS supports CIMD. Default: none. */
  clientMetadataUrl: z
    .string()
    .refine((v) => isClientIdMetadataDocumentUrl(v), 'must be an https URL with a path (CIMD client_id)')
    .optional(),
  /** Pre-registered credentials, tried first for their issuer. Default: none. */
  preRegistered: z.array(preRegisteredSchema).default([]),
  /** Opens the authorization URL. Default: the system browser (`xdg-open`, `open`, `start`). */
  openBrowser: fn<BrowserOpener>('openBrowser').optional(),
  /**
   * Ask for `offline_access` when the authorization server lists it (SEP-2207 MAY). Default false: refresh
   * tokens come without it from most servers, and some (Keycloak) list it but refuse it to ordinary users.
   */
  offlineAccess: z.boolean().default(false),
  /** Accept `http:` on loopback hosts for the MCP server and OAuth URLs (development, tests). Default false. */
  allowLoopbackHttp: z.boolean().default(false),
  /** Allow OAuth URLs that resolve to private or link-local addresses (CL-29). Default false. */
  allowPrivateNetwork: z.boolean().default(false),
  callbackTimeoutMs: z.number().int().positive().default(DEFAULT_CALLBACK_TIMEOUT_MS),
  /**
   * Fixed loopback port for the redirect (for a pre-registered client at a server that compares redirect URIs
   * exactly). Default: an ephemeral port at first, then the port of the stored registration when it is free.
   */
  callbackPort: z.number().int().min(1).max(65_535).optional(),
  httpTimeoutMs: z.number().int().positive().default(DEFAULT_HTTP_TIMEOUT_MS),
  maxAuthorizationAttempts: z.number().int().min(1).max(10).default(DEFAULT_MAX_AUTHORIZATION_ATTEMPTS),
  refreshSkewSeconds: z.number().int().min(0).default(DEFAULT_REFRESH_SKEW_S),
  /** MCP protocol era: `auto` probes 2026-07-28 and falls back to `initialize`. Default `auto`. */
  protocol: z.enum(['auto', 'legacy', '2026-07-28']).default('auto'),
  /** Progress callback (spinners). Default: none. */
  onEvent: fn<(event: ClientEvent) => void>('onEvent').optional(),
});

/** Options of {@link connectMcp} and {@link McpOAuthProvider}, before defaults. */
export type OAuthClientOptionsInput = z.input<typeof oauthClientOptionsSchema>;
/** Options after {@link resolveClientOptions}: defaults filled in. */
export type OAuthClientOptions = z.output<typeof oauthClientOptionsSchema> & { readonly storeDir: string };

/**
 * Validate the options once and fill in defaults.
 * @throws {ClientError} `ERR_PORTCULLIS_CLIENT_INVALID_OPTIONS` listing every problem.
 */
export function resolveClientOptions(input: OAuthClientOptionsInput): OAuthClientOptions {
  const parsed = oauthClientOptionsSchema.safeParse(input);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || 'options'}: ${i.message}`);
    throw new ClientError('ERR_PORTCULLIS_CLIENT_INVALID_OPTIONS', `invalid options: ${issues.join('; ')}`, {
      hint: 'fix the listed options',
    });
  }
  const options = { ...parsed.data, storeDir: parsed.data.storeDir ?? defaultStoreDir() };
  if (!isSecureUrl(options.serverUrl, { allowLoopbackHttp: options.allowLoopbackHttp })) {
    throw new ClientError(
      'ERR_PORTCULLIS_CLIENT_UNSAFE_URL',
      `the MCP server URL ${options.serverUrl} must use https:`,
      {
        url: options.serverUrl,
        hint: 'use an https:// URL; for a server on this machine pass --allow-http-loopback (or allowLoopbackHttp)',
      },
    );
  }
  return options;
}
