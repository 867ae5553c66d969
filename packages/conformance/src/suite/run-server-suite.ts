import { resolveServerSuiteOptions, type ServerSuiteOptionsInput } from '../options.js';
import { ACCESS_CHECKS } from './checks/access.js';
import { AUTHORIZATION_SERVER_CHECKS } from './checks/authorization-server.js';
import { DISCOVERY_CHECKS } from './checks/discovery.js';
import { FULL_FLOW_CHECKS } from './checks/full-flow.js';
import { HEADER_CHECKS } from './checks/headers.js';
import { passthroughChecks } from './checks/passthrough.js';
import { REGISTRATION_CHECKS } from './checks/registration.js';
import { AUTHORIZATION_RESPONSE_CHECKS, TRANSPORT_CHECKS } from './checks/transport.js';
import { TWO_CALLER_CHECKS } from './checks/two-callers.js';
import {
  appliesTo,
  type Check,
  type CheckResult,
  judge,
  notApplicable,
  type SuiteReport,
  summarize,
} from './result.js';
import { createServerContext, type ServerContext } from './server-context.js';
import { browserLoginTokenSource, loginOptions } from './tokens/browser-login.js';
import { createTokenKit } from './tokens/token-kit.js';
import {
  clientCredentialsTokenSource,
  commandTokenSource,
  type TokenDiscovery,
  type TokenSource,
} from './tokens/token-source.js';
import { startUpstreamRecorder, type UpstreamRecorder } from './upstream-recorder.js';

/** Called after each check, in order, for progress output. */
export type ProgressListener = (result: CheckResult, index: number, total: number) => void;

/** Every server check, in the order the suite runs them. */
export function serverChecks(recorder: () => UpstreamRecorder | undefined): Check<ServerContext>[] {
  return [
    ...DISCOVERY_CHECKS,
    ...AUTHORIZATION_SERVER_CHECKS,
    ...REGISTRATION_CHECKS,
    ...ACCESS_CHECKS,
    ...TRANSPORT_CHECKS,
    ...HEADER_CHECKS,
    ...TWO_CALLER_CHECKS,
    ...passthroughChecks(recorder),
    ...FULL_FLOW_CHECKS,
    ...AUTHORIZATION_RESPONSE_CHECKS,
  ];
}

/** The options that pick one token source: the first caller's, or the second caller's. */
interface SourceOptions {
  readonly tokenCommand?: string | undefined;
  readonly clientCredentials?: { user: string; secret: string } | undefined;
  readonly login?: { user: string; secret: string } | undefined;
}

function tokenSource(
  context: Omit<ServerContext, 'tokens'>,
  picked: SourceOptions,
  via: string,
): TokenSource | undefined {
  const { options } = context;
  const scope = async () => options.scope ?? (await context.challenge())?.scope ?? undefined;
  const discover = async (): Promise<TokenDiscovery> => {
    const as = await context.primaryAuthorizationServer();
    if (as === undefined) throw new Error('no authorization server metadata found');
    return { issuer: as.issuer, metadata: as.metadata, scope: await scope() };
  };
  if (picked.tokenCommand !== undefined)
    return commandTokenSource(picked.tokenCommand, options.tokenTimeoutMs, scope);
  if (picked.clientCredentials !== undefined)
    return clientCredentialsTokenSource(picked.clientCredentials, discover);
  if (picked.login !== undefined) {
    return browserLoginTokenSource(
      {
        ...loginOptions(options, picked.login),
        onAuthorizationResponse: (response) => context.authorizationResponses.push({ ...response, via }),
      },
      discover,
    );
  }
  return undefined;
}

/**
 * Run the server suite against a deployed MCP server or gateway and its authorization server.
 *
 * @throws {ConformanceError} `ERR_PORTCULLIS_INVALID_ARGUMENT` for bad options.
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/authorization
 */
export async function runServerSuite(
  input: ServerSuiteOptionsInput,
  onProgress?: ProgressListener,
): Promise<SuiteReport> {
  const options = resolveServerSuiteOptions(input);
  const recorder =
    options.upstreamRecorderPort === undefined
      ? undefined
      : await startUpstreamRecorder(options.upstreamRecorderPort);
  const context = createServerContext(options, (partial) =>
    createTokenKit(
      {
        resource: options.mcpUrl,
        otherResource: options.otherResource,
        issuer: async () => (await partial.primaryAuthorizationServer())?.issuer,
        scope: async () => options.scope ?? (await partial.challenge())?.scope,
      },
      tokenSource(partial, options, 'login'),
      options.signingKey,
      tokenSource(
        partial,
        {
          tokenCommand: options.secondTokenCommand,
          clientCredentials: options.secondClientCredentials,
          login: options.secondLogin,
        },
        'second login',
      ),
    ),
  );
  const checks = serverChecks(() => recorder);
  const results: CheckResult[] = [];
  try {
    for (const [index, check] of checks.entries()) {
      let result: CheckResult;
      if (!appliesTo(check.id, options.spec)) result = notApplicable(check, `not part of ${options.spec}`);
      else if (check.gatewayOnly && !options.gateway)
        result = notApplicable(check, 'gateway rows: pass --gateway');
      else {
        try {
          result = judge(check, await check.run(context));
        } catch (error) {
          result = judge(check, { skip: `the check crashed: ${(error as Error).message}` });
        }
      }
      results.push(result);
      onProgress?.(result, index, checks.length);
    }
  } finally {
    await context.tokens.close();
    await recorder?.close();
  }
  return {
    suite: 'server',
    target: options.mcpUrl,
    spec: options.spec,
    results,
    summary: summarize(results),
  };
}
