import type { ProtectedResourceMetadata } from '@portcullis/metadata';
import {
  type DiscoveryAttempt,
  discoverAuthorizationServer,
  discoverProtectedResource,
} from './discovery.js';
import { ClientError } from './errors.js';
import type { FlowContext, FlowTarget } from './oauth-flow.js';
import { assertCallableUrl } from './safe-fetch.js';

/** A resource with its chosen authorization server, ready for a flow. */
export interface DiscoveredTarget extends FlowTarget {
  readonly prm: ProtectedResourceMetadata;
  readonly prmUrl: string;
  readonly metadataUrl: string;
}

/**
 * Which of the PRM's `authorization_servers` to use (RFC 9728 §7.6 leaves it to the client): the one we have
 * pre-registered credentials for, else the first.
 */
export function chooseIssuer(ctx: FlowContext, prm: ProtectedResourceMetadata, prmUrl: string): string {
  const servers = prm.authorization_servers ?? [];
  const preferred = servers.find((s) => ctx.options.preRegistered.some((p) => p.issuer === s));
  const issuer = preferred ?? servers[0];
  if (issuer === undefined) {
    throw new ClientError(
      'ERR_PORTCULLIS_CLIENT_AS_METADATA_NOT_FOUND',
      `the protected resource metadata at ${prmUrl} lists no authorization_servers`,
      { url: prmUrl, hint: 'the MCP server must name its authorization server in "authorization_servers"' },
    );
  }
  return issuer;
}

/**
 * Protected resource metadata (exact `resource` match), then the authorization server it names (exact
 * `issuer` match), with the SSRF checks applied to the issuer before any request (CL-29).
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/authorization/authorization-server-discovery
 */
export async function discoverTarget(
  ctx: FlowContext,
  challengeUrl: string | undefined,
  attempts: { prm: DiscoveryAttempt[]; as: DiscoveryAttempt[] } = { prm: [], as: [] },
): Promise<DiscoveredTarget> {
  const loopback = ctx.options.allowLoopbackHttp;
  const { prm, prmUrl, resource } = await discoverProtectedResource(
    ctx.fetchFn,
    ctx.options.serverUrl,
    challengeUrl,
    loopback,
    attempts.prm,
  );
  const issuer = chooseIssuer(ctx, prm, prmUrl);
  await assertCallableUrl(
    issuer,
    { ...ctx.options, timeoutMs: ctx.options.httpTimeoutMs },
    'authorization server',
  );
  const server = await discoverAuthorizationServer(ctx.fetchFn, issuer, loopback, attempts.as);
  return { issuer, metadata: server.metadata, metadataUrl: server.metadataUrl, resource, prm, prmUrl };
}
