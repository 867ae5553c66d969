import { LATEST_PROTOCOL_VERSION } from '@portcullis/metadata';
import { z } from 'zod';
import { ConformanceError } from './errors.js';

/** The spec versions the server suite can check against (the ones with an RFC 9728 based authorization spec). */
export const SUITE_SPEC_VERSIONS = ['2025-06-18', '2025-11-25', '2026-07-28'] as const;

/** Default resource used to ask for a token with another audience (`.invalid` never resolves, RFC 6761). */
export const DEFAULT_OTHER_RESOURCE = 'https://other-resource.invalid/mcp';

/** Default timeout of one HTTP probe, in milliseconds. */
export const DEFAULT_PROBE_TIMEOUT_MS = 10_000;

/** Default timeout of a token command or a scripted browser login, in milliseconds. */
export const DEFAULT_TOKEN_TIMEOUT_MS = 60_000;

/** Default browser for `login`: the system Chromium. */
export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an absolute http(s) URL' });
const userPass = z
  .string()
  .regex(/^[^:]+:.+$/, 'must be <user>:<password> (or <id>:<secret>)')
  .transform((value) => {
    const at = value.indexOf(':');
    return { user: value.slice(0, at), secret: value.slice(at + 1) };
  });

/**
 * Options of the server suite (`portcullis-conformance server`), validated once by {@link resolveServerSuiteOptions}.
 * Defaults: `spec` the newest version, `otherResource` {@link DEFAULT_OTHER_RESOURCE}, `dcr` off, `gateway` off,
 * `probeTimeoutMs` {@link DEFAULT_PROBE_TIMEOUT_MS}, `tokenTimeoutMs` {@link DEFAULT_TOKEN_TIMEOUT_MS},
 * `chromium` {@link DEFAULT_CHROMIUM}, `mrtrArguments` `{}`.
 */
export const serverSuiteOptionsSchema = z.strictObject({
  /** The MCP endpoint exactly as clients use it, e.g. `https://mcp.example.com/mcp`. */
  mcpUrl: httpUrl,
  /** The spec version to check against. */
  spec: z.enum(SUITE_SPEC_VERSIONS).default(LATEST_PROTOCOL_VERSION as '2026-07-28'),
  /** A shell command that prints a valid access token for `mcpUrl` on stdout. */
  tokenCommand: z.string().min(1).optional(),
  /** `id:secret` of a confidential client allowed the client_credentials grant. */
  clientCredentials: userPass.optional(),
  /** `user:password` for a scripted browser login at the authorization server. */
  login: userPass.optional(),
  /** The second caller's token command, for the two-caller checks (RS-22, RS-24, PX-11): another user or client. */
  secondTokenCommand: z.string().min(1).optional(),
  /** `id:secret` of a second confidential client, for the two-caller checks. */
  secondClientCredentials: userPass.optional(),
  /** `user:password` of a second user for a scripted browser login, for the two-caller checks. */
  secondLogin: userPass.optional(),
  /** A pre-registered client for `login` (default: a throwaway DCR registration). */
  clientId: z.string().min(1).optional(),
  /** The redirect URI registered for `clientId`; it need not listen. */
  redirectUri: httpUrl.optional(),
  /** Space-separated scopes to ask for (default: the 401 challenge `scope`, else PRM `scopes_supported`). */
  scope: z.string().optional(),
  /** The JSON file of the trusted authorization server's private JWK, to forge expired and wrong-audience tokens. */
  signingKey: z.string().min(1).optional(),
  /** A tool the valid token has no scope for, to check the insufficient-scope challenge. */
  stepUpTool: z.string().min(1).optional(),
  /** A tool that answers `input_required` with a `requestState` (2026-07-28 multi-round-trip), for RS-24. */
  mrtrTool: z.string().min(1).optional(),
  /** The arguments of the first `mrtrTool` call. */
  mrtrArguments: z.record(z.string(), z.unknown()).default({}),
  /** Another resource to ask the token source for (wrong-audience check). */
  otherResource: httpUrl.default(DEFAULT_OTHER_RESOURCE),
  /** Run the dynamic client registration checks (creates throwaway registrations). */
  dcr: z.boolean().default(false),
  /** The target is a gateway/proxy: also report the PX- requirements. */
  gateway: z.boolean().default(false),
  /** Port on 127.0.0.1 where the suite listens as the gateway's upstream, to see what the gateway forwards. */
  upstreamRecorderPort: z.number().int().min(1).max(65_535).optional(),
  /** Timeout of one HTTP probe, ms. */
  probeTimeoutMs: z.number().int().min(100).default(DEFAULT_PROBE_TIMEOUT_MS),
  /** Timeout of a token command or browser login, ms. */
  tokenTimeoutMs: z.number().int().min(1000).default(DEFAULT_TOKEN_TIMEOUT_MS),
  /** The Chromium executable for `login`. */
  chromium: z.string().min(1).default(DEFAULT_CHROMIUM),
});

/** The options accepted by the server suite, before defaults. */
export type ServerSuiteOptionsInput = z.input<typeof serverSuiteOptionsSchema>;

/** The server-suite options with defaults applied. */
export type ServerSuiteOptions = z.output<typeof serverSuiteOptionsSchema>;

/** Default timeout of one client run, in milliseconds. */
export const DEFAULT_CLIENT_TIMEOUT_MS = 30_000;

/**
 * Options of the client suite (`portcullis-conformance client -- <command...>`). Defaults: every scenario,
 * `timeoutMs` {@link DEFAULT_CLIENT_TIMEOUT_MS}.
 */
export const clientSuiteOptionsSchema = z.strictObject({
  /** The client command and its arguments; the server URL is appended as the last argument. */
  command: z.array(z.string()).min(1, 'needs the client command after --'),
  /** The spec version: checks of rows outside it are not applicable; the client gets it as `MCP_CONFORMANCE_PROTOCOL_VERSION`. */
  spec: z.enum(SUITE_SPEC_VERSIONS).default(LATEST_PROTOCOL_VERSION as '2026-07-28'),
  /** Run only these scenarios (the control scenario always runs). */
  scenarios: z.array(z.string().min(1)).optional(),
  /** Kill a client run after this many milliseconds. */
  timeoutMs: z.number().int().min(100).default(DEFAULT_CLIENT_TIMEOUT_MS),
  /** Working directory of the client. */
  cwd: z.string().optional(),
});

/** The options accepted by the client suite, before defaults. */
export type ClientSuiteOptionsInput = z.input<typeof clientSuiteOptionsSchema>;

/** The client-suite options with defaults applied. */
export type ClientSuiteOptions = z.output<typeof clientSuiteOptionsSchema>;

function parse<T extends z.ZodType>(schema: T, input: unknown, what: string): z.output<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.join('.') || '(root)'} ${i.message}`).join('; ');
  throw new ConformanceError('ERR_PORTCULLIS_INVALID_ARGUMENT', `invalid ${what} options: ${problems}`);
}

/**
 * Validate the server-suite options and apply the defaults.
 * @throws {ConformanceError} `ERR_PORTCULLIS_INVALID_ARGUMENT` naming every bad option.
 */
export function resolveServerSuiteOptions(input: ServerSuiteOptionsInput): ServerSuiteOptions {
  return parse(serverSuiteOptionsSchema, input, 'server suite');
}

/**
 * Validate the client-suite options and apply the defaults.
 * @throws {ConformanceError} `ERR_PORTCULLIS_INVALID_ARGUMENT` naming every bad option.
 */
export function resolveClientSuiteOptions(input: ClientSuiteOptionsInput): ClientSuiteOptions {
  return parse(clientSuiteOptionsSchema, input, 'client suite');
}
