import { parseArgs } from 'node:util';
import { ConformanceError } from '../errors.js';
import type { ServerSuiteOptionsInput } from '../options.js';
import { runServerSuite } from '../suite/run-server-suite.js';
import { type CliIo, EXIT_CODES, finishSuite, progressFor } from './suite-output.js';

/** The usage text of `portcullis-conformance server`. */
export const SERVER_USAGE = `usage: portcullis-conformance server <mcp-url> [options]

  checks a deployed MCP server or gateway and its authorization server (RS-, AS-, PX- requirements)
  --spec <version>             2025-06-18 | 2025-11-25 | 2026-07-28 (default: 2026-07-28)
  token source (for the checks that need a valid token; forged tokens are made by the suite):
  --token-command <cmd>        a shell command that prints an access token ($PORTCULLIS_CONFORMANCE_RESOURCE is the audience)
  --client-credentials <id:secret>   client_credentials grant with client_secret_basic
                               (or env PORTCULLIS_CONFORMANCE_CLIENT_CREDENTIALS, which keeps the secret out of ps)
  --login <user:password>      scripted browser login (Chromium) at the AS, e.g. Keycloak or the embedded IdP
                               (or env PORTCULLIS_CONFORMANCE_LOGIN)
  second caller (for the session / request-state checks across users: RS-22, RS-24, PX-11):
  --second-token-command <cmd> | --second-client-credentials <id:secret> | --second-login <user:password>
                               a valid token of another user or client (envs PORTCULLIS_CONFORMANCE_SECOND_*)
  --client-id <id> --redirect-uri <url>   a pre-registered public client for --login (default: DCR)
  --chromium <path>            the browser for --login (default: /usr/bin/chromium)
  --scope <scopes>             scopes to ask for (default: the 401 challenge scope)
  --signing-key <jwk.json>     the trusted AS private JWK, to forge expired and wrong-audience tokens (test setups)
  --other-resource <url>       audience for the wrong-audience token (default: https://other-resource.invalid/mcp)
  more checks:
  --step-up-tool <name>        a tool the valid token lacks the scope for (insufficient_scope challenge)
  --mrtr-tool <name>           a tool that answers input_required with a requestState (2026-07-28, RS-24)
  --mrtr-arguments <json>      the arguments of its first call (default {})
  --dcr                        run the dynamic client registration checks (makes throwaway registrations)
  --gateway                    the target is a gateway/proxy: report the PX- requirements too
  --upstream-recorder <port>   listen on 127.0.0.1:<port> as the gateway's upstream (token passthrough check)
  --timeout <ms>               timeout of one HTTP request (default 10000)
  output:
  --json                       print the report as JSON
  --junit <file>               write a JUnit XML report
  --expected-failures <file>   baseline of known failing check keys; fails on regressions and stale entries
  --strict                     warnings (SHOULD) count as failures
  --quiet                      no progress lines on stderr

exit codes: 0 all checks pass (or only baseline failures), 1 a failure or a stale baseline entry,
2 usage error, 3 the MCP URL did not answer`;

const OPTIONS = {
  spec: { type: 'string' },
  'token-command': { type: 'string' },
  'client-credentials': { type: 'string' },
  login: { type: 'string' },
  'second-token-command': { type: 'string' },
  'second-client-credentials': { type: 'string' },
  'second-login': { type: 'string' },
  'mrtr-tool': { type: 'string' },
  'mrtr-arguments': { type: 'string' },
  'client-id': { type: 'string' },
  'redirect-uri': { type: 'string' },
  chromium: { type: 'string' },
  scope: { type: 'string' },
  'signing-key': { type: 'string' },
  'other-resource': { type: 'string' },
  'step-up-tool': { type: 'string' },
  dcr: { type: 'boolean' },
  gateway: { type: 'boolean' },
  'upstream-recorder': { type: 'string' },
  timeout: { type: 'string' },
  json: { type: 'boolean' },
  junit: { type: 'string' },
  'expected-failures': { type: 'string' },
  strict: { type: 'boolean' },
  quiet: { type: 'boolean' },
} as const;

function optionalNumber(value: string | undefined): number | undefined {
  return value === undefined ? undefined : Number(value);
}

/** The parsed JSON, or the raw text when it is not JSON (the schema then says what is wrong). */
function optionalJson(value: string | undefined): unknown {
  if (value === undefined) return undefined;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

/** Run `portcullis-conformance server` with the arguments after the command name. */
export async function serverCommand(args: readonly string[], io: CliIo): Promise<number> {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: [...args], options: OPTIONS, strict: true, allowPositionals: true });
  } catch (error) {
    io.stderr(`error: ${(error as Error).message}`);
    io.stderr(SERVER_USAGE);
    return EXIT_CODES.usage;
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) {
    io.stderr(`error: expected exactly one MCP URL, got ${positionals.length}`);
    io.stderr(SERVER_USAGE);
    return EXIT_CODES.usage;
  }
  const input: Record<string, unknown> = {
    mcpUrl: positionals[0],
    spec: values.spec,
    tokenCommand: values['token-command'],
    clientCredentials: values['client-credentials'] ?? process.env.PORTCULLIS_CONFORMANCE_CLIENT_CREDENTIALS,
    login: values.login ?? process.env.PORTCULLIS_CONFORMANCE_LOGIN,
    secondTokenCommand: values['second-token-command'],
    secondClientCredentials:
      values['second-client-credentials'] ?? process.env.PORTCULLIS_CONFORMANCE_SECOND_CLIENT_CREDENTIALS,
    secondLogin: values['second-login'] ?? process.env.PORTCULLIS_CONFORMANCE_SECOND_LOGIN,
    mrtrTool: values['mrtr-tool'],
    mrtrArguments: optionalJson(values['mrtr-arguments']),
    clientId: values['client-id'],
    redirectUri: values['redirect-uri'],
    chromium: values.chromium,
    scope: values.scope,
    signingKey: values['signing-key'],
    otherResource: values['other-resource'],
    stepUpTool: values['step-up-tool'],
    dcr: values.dcr,
    gateway: values.gateway,
    upstreamRecorderPort: optionalNumber(values['upstream-recorder']),
    probeTimeoutMs: optionalNumber(values.timeout),
  };
  for (const key of Object.keys(input)) if (input[key] === undefined) delete input[key];
  try {
    const report = await runServerSuite(input as ServerSuiteOptionsInput, progressFor(values, io));
    const first = report.results.find((r) => r.key === 'RS-01/no-token-401');
    if (first?.observed.startsWith('no answer')) {
      io.stderr(`error: ${report.target} did not answer: ${first.observed}`);
      return EXIT_CODES.unreachable;
    }
    return finishSuite(report, values, io);
  } catch (error) {
    if (!(error instanceof ConformanceError)) throw error;
    io.stderr(`error: ${error.message}`);
    return EXIT_CODES.usage;
  }
}
