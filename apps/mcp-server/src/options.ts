import { isLoopbackHost } from '@portcullis/metadata';
import { z } from 'zod';

/** What `main` reads from the environment. */
export interface MainConfig {
  /** `standalone`: a resource server of the IdP. `behind-proxy`: trusts only the proxy's forwarded identity. */
  readonly mode: 'standalone' | 'behind-proxy';
  readonly host: string;
  readonly port: number;
  readonly resource: string;
  readonly issuer: string;
  readonly jwksUri: string | undefined;
}

/** Default issuer of the forwarded identity: the auth proxy of the local stack. */
export const DEFAULT_PROXY_ISSUER = 'http://localhost:9090';
/** Default issuer in standalone mode: the embedded IdP of the local stack. */
export const DEFAULT_ISSUER = 'http://localhost:8080';
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 3030;
/** Prefix of every variable the reference server reads; other variables of the environment are ignored. */
export const ENV_PREFIX = 'PORTCULLIS_MCP_';

const MODES = ['standalone', 'behind-proxy'] as const;

function isHttpUrl(value: string): boolean {
  return URL.canParse(value) && /^https?:$/.test(new URL(value).protocol);
}

function url(name: string) {
  return z.string().refine(isHttpUrl, {
    error: (issue) => `${name} must be an absolute http(s) URL, got ${JSON.stringify(issue.input)}`,
  });
}

const envShape = {
  PORTCULLIS_MCP_MODE: z
    .enum(MODES, {
      error: (issue) =>
        `PORTCULLIS_MCP_MODE must be "standalone" or "behind-proxy", got ${JSON.stringify(issue.input)}`,
    })
    .default('standalone'),
  PORTCULLIS_MCP_PORT: z
    .string()
    .refine((v) => /^\d{1,5}$/.test(v) && Number(v) <= 65_535, {
      error: (issue) =>
        `PORTCULLIS_MCP_PORT must be a TCP port (0-65535), got ${JSON.stringify(issue.input)}`,
    })
    .transform(Number)
    .default(DEFAULT_PORT),
  PORTCULLIS_MCP_HOST: z.string().default(DEFAULT_HOST),
  PORTCULLIS_MCP_RESOURCE: url('PORTCULLIS_MCP_RESOURCE').optional(),
  PORTCULLIS_MCP_ISSUER: url('PORTCULLIS_MCP_ISSUER').default(DEFAULT_ISSUER),
  PORTCULLIS_MCP_JWKS_URI: url('PORTCULLIS_MCP_JWKS_URI').optional(),
  PORTCULLIS_MCP_PROXY_ISSUER: url('PORTCULLIS_MCP_PROXY_ISSUER').default(DEFAULT_PROXY_ISSUER),
  PORTCULLIS_MCP_PROXY_JWKS_URI: url('PORTCULLIS_MCP_PROXY_JWKS_URI').optional(),
};

/**
 * The zod schema of the `PORTCULLIS_MCP_*` variables. Strict: an unknown `PORTCULLIS_MCP_*` name (a typo) is
 * an error; variables without the prefix are not looked at.
 */
export const envSchema = z.strictObject(envShape, {
  error: (issue) =>
    issue.code === 'unrecognized_keys'
      ? `unknown variable ${issue.keys.join(', ')}; the reference server reads ${Object.keys(envShape).join(', ')}`
      : undefined,
});

/** The environment as {@link configFromEnv} sees it: the `PORTCULLIS_MCP_*` variables only. */
export type McpServerEnv = z.input<typeof envSchema>;

/** The variables and the deployment rules that span several of them (loopback binding, https). */
export const mainConfigSchema = envSchema.transform((env, ctx): MainConfig => {
  const mode = env.PORTCULLIS_MCP_MODE;
  const port = env.PORTCULLIS_MCP_PORT;
  const host = env.PORTCULLIS_MCP_HOST;
  const resource = env.PORTCULLIS_MCP_RESOURCE ?? `http://localhost:${port}/mcp`;
  if (!isLoopbackHost(host) && !resource.startsWith('https:')) {
    ctx.addIssue({
      code: 'custom',
      message: `PORTCULLIS_MCP_HOST=${host} is not loopback, so PORTCULLIS_MCP_RESOURCE must be an https URL`,
    });
    return z.NEVER;
  }
  if (mode === 'standalone') {
    return {
      mode,
      host,
      port,
      resource,
      issuer: env.PORTCULLIS_MCP_ISSUER,
      jwksUri: env.PORTCULLIS_MCP_JWKS_URI,
    };
  }
  if (!isLoopbackHost(host)) {
    ctx.addIssue({
      code: 'custom',
      message: `PORTCULLIS_MCP_HOST=${host} is not loopback: behind the proxy the server must not be reachable from outside`,
    });
    return z.NEVER;
  }
  const issuer = env.PORTCULLIS_MCP_PROXY_ISSUER;
  return {
    mode,
    host,
    port,
    resource: env.PORTCULLIS_MCP_RESOURCE ?? `http://127.0.0.1:${port}/mcp`,
    issuer,
    jwksUri: env.PORTCULLIS_MCP_PROXY_JWKS_URI ?? `${issuer}/.well-known/jwks.json`,
  };
});
