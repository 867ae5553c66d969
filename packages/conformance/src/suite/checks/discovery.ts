import {
  isSecureUrl,
  MetadataValidationError,
  parseProtectedResourceMetadata,
  protectedResourceMetadataUrls,
} from '@portcullis/metadata';
import { describeResponse, type Probe } from '../http.js';
import type { Check, Outcome } from '../result.js';
import type { FetchedDocument, ServerContext } from '../server-context.js';

type ServerCheck = Check<ServerContext>;

const pass = (observed: string): Outcome => ({ ok: true, observed });
const fail = (observed: string): Outcome => ({ ok: false, observed });

function shown(document: FetchedDocument | undefined): string {
  if (document === undefined) return 'not fetched';
  if (document.json === undefined) return `${document.url} → ${describeResponse(document.response)}`;
  return `${document.url} → 200, resource ${JSON.stringify(document.json.resource)}`;
}

async function challengeParams(
  context: ServerContext,
): Promise<Outcome | Record<string, string | undefined>> {
  const response = await context.unauthenticated();
  if (response.status !== 401)
    return { skip: `the request without a token got ${describeResponse(response)}` };
  return (await context.challenge()) ?? { skip: 'the 401 has no Bearer challenge' };
}

function isOutcome(value: unknown): value is Outcome {
  return typeof value === 'object' && value !== null && ('skip' in value || 'ok' in value);
}

/** The documents fetched from the URL named in the challenge and from the path-aware well-known URL. */
async function resourceDocuments(context: ServerContext): Promise<FetchedDocument[]> {
  const [pathAware] = protectedResourceMetadataUrls(context.options.mcpUrl);
  const named = (await context.challenge())?.resource_metadata;
  const all = await context.protectedResourceMetadata();
  return all.filter((d) => d.json !== undefined && (d.url === named || d.url === pathAware));
}

/** RS-01…RS-11, RS-31, PX-01: the 401 challenge and the protected resource metadata. */
export const DISCOVERY_CHECKS: readonly ServerCheck[] = [
  {
    key: 'RS-01/no-token-401',
    id: 'RS-01',
    title: 'a request without a token gets 401 with a Bearer challenge',
    expected: '401 and WWW-Authenticate: Bearer …',
    hint: 'Answer unauthenticated requests to the MCP endpoint with 401 and `WWW-Authenticate: Bearer resource_metadata="…"`.',
    run: async (context) => {
      const response: Probe = await context.unauthenticated();
      const bearer = await context.challenge();
      return { ok: response.status === 401 && bearer !== undefined, observed: describeResponse(response) };
    },
  },
  {
    key: 'RS-02/resource-metadata',
    id: 'RS-02',
    title: 'the 401 challenge names the protected resource metadata URL',
    expected: 'resource_metadata="<absolute URL>" that answers 200 with PRM JSON',
    hint: 'Add `resource_metadata="https://<host>/.well-known/oauth-protected-resource/<path>"` to the challenge (RFC 9728 §5.1).',
    run: async (context) => {
      const params = await challengeParams(context);
      if (isOutcome(params)) return params;
      const named = params.resource_metadata;
      const documents = await context.protectedResourceMetadata();
      if (named === undefined) {
        const wellKnown = documents.find((d) => d.json !== undefined);
        if (context.options.spec !== '2025-06-18' && wellKnown !== undefined) {
          return {
            ok: false,
            level: 'SHOULD',
            observed: `no resource_metadata; PRM found at ${wellKnown.url} (allowed since 2025-11-25, but send both)`,
          };
        }
        return fail('no resource_metadata parameter in the challenge');
      }
      if (!URL.canParse(named))
        return fail(`resource_metadata=${JSON.stringify(named)} is not an absolute URL`);
      const document = documents.find((d) => d.url === named);
      return { ok: document?.json !== undefined, observed: shown(document) };
    },
  },
  {
    key: 'RS-03/no-error-without-credentials',
    id: 'RS-03',
    title: 'the challenge to a request without credentials has no error code',
    expected: 'no error= parameter',
    hint: 'RFC 6750 §3: leave out `error` when the request carried no credentials.',
    run: async (context) => {
      const params = await challengeParams(context);
      if (isOutcome(params)) return params;
      return { ok: params.error === undefined, observed: `error=${params.error ?? '(absent)'}` };
    },
  },
  {
    key: 'RS-04/challenge-scope',
    id: 'RS-04',
    title: 'the 401 challenge carries the scopes the request needs',
    expected: 'scope="…" present',
    hint: 'Add `scope="<scopes needed>"` to the 401 challenge so clients ask for least privilege.',
    run: async (context) => {
      const params = await challengeParams(context);
      if (isOutcome(params)) return params;
      return { ok: (params.scope ?? '').trim() !== '', observed: `scope=${params.scope ?? '(absent)'}` };
    },
  },
  {
    key: 'RS-05/no-offline-access',
    id: 'RS-05',
    title: 'offline_access is neither in the challenge scope nor in PRM scopes_supported',
    expected: 'no offline_access',
    hint: 'Remove `offline_access` from the challenge and from `scopes_supported`; clients add it themselves.',
    run: async (context) => {
      const scope = (await context.challenge())?.scope ?? '';
      const supported = (await context.primaryMetadata())?.json?.scopes_supported;
      const inChallenge = scope.split(' ').includes('offline_access');
      const inPrm = Array.isArray(supported) && supported.includes('offline_access');
      return {
        ok: !inChallenge && !inPrm,
        observed: `challenge: ${inChallenge}, scopes_supported: ${inPrm}`,
      };
    },
  },
  {
    key: 'RS-06/path-aware-prm',
    id: 'RS-06',
    title: 'PRM is served at the path-aware well-known URL as valid RFC 9728 JSON',
    expected: '200, application/json, a valid RFC 9728 document',
    hint: 'Serve the PRM at `/.well-known/oauth-protected-resource<path of the MCP URL>` (RFC 9728 §3.1).',
    run: async (context) => {
      const [pathAware] = protectedResourceMetadataUrls(context.options.mcpUrl);
      const document = (await context.protectedResourceMetadata()).find((d) => d.url === pathAware);
      if (document?.json === undefined) return fail(shown(document));
      const type = document.response.headers['content-type'] ?? '';
      if (!type.startsWith('application/json')) return fail(`${pathAware} → Content-Type ${type}`);
      try {
        parseProtectedResourceMetadata(document.json, context.parseOptions);
        return pass(shown(document));
      } catch (error) {
        const reason = error instanceof MetadataValidationError ? error.message : String(error);
        return fail(`${pathAware}: ${reason}`);
      }
    },
  },
  {
    key: 'RS-07/root-prm',
    id: 'RS-07',
    title: 'the root well-known PRM URL answers the same document (or 404 on a shared origin)',
    expected: '200 with the same resource, or 404',
    hint: 'Serve the PRM at `/.well-known/oauth-protected-resource` too, for clients that fall back to it.',
    run: async (context) => {
      const urls = protectedResourceMetadataUrls(context.options.mcpUrl);
      const root = urls.at(-1);
      const document = (await context.protectedResourceMetadata()).find((d) => d.url === root);
      if (document === undefined) return { skip: 'no root URL' };
      if (document.response.status === 404) return pass(`${root} → 404`);
      return { ok: document.json?.resource === context.options.mcpUrl, observed: shown(document) };
    },
  },
  {
    key: 'RS-08/prm-resource',
    id: 'RS-08',
    title: 'the PRM resource is exactly the MCP URL',
    expected: 'resource === the MCP URL (string compare)',
    hint: 'Set the PRM `resource` to the exact URL clients use (no trailing slash, no fragment, same case).',
    run: async (context) => {
      const documents = await resourceDocuments(context);
      if (documents.length === 0) return { skip: 'no PRM found' };
      const wrong = documents.filter((d) => d.json?.resource !== context.options.mcpUrl);
      return {
        ok: wrong.length === 0,
        observed: (wrong.length > 0 ? wrong : documents).map(shown).join('; '),
      };
    },
  },
  {
    key: 'PX-01/prm-resource-is-gateway',
    id: 'PX-01',
    title: "the gateway's PRM resource is its own public URL, not the upstream's",
    expected: 'resource === the gateway MCP URL',
    hint: 'Publish the public gateway URL as `resource`; the upstream URL must not leak into the PRM.',
    gatewayOnly: true,
    run: async (context) => {
      const documents = await resourceDocuments(context);
      if (documents.length === 0) return { skip: 'no PRM found' };
      const wrong = documents.filter((d) => d.json?.resource !== context.options.mcpUrl);
      return { ok: wrong.length === 0, observed: documents.map(shown).join('; ') };
    },
  },
  {
    key: 'RS-09/authorization-servers',
    id: 'RS-09',
    title: 'the PRM lists at least one authorization server',
    expected: 'authorization_servers: a non-empty array of issuer URLs',
    hint: 'Add `authorization_servers: ["https://<issuer>"]` to the PRM.',
    run: async (context) => {
      const document = await context.primaryMetadata();
      if (document === undefined) return { skip: 'no PRM found' };
      const servers = document.json?.authorization_servers;
      const ok = Array.isArray(servers) && servers.length > 0 && servers.every((s) => typeof s === 'string');
      return { ok, observed: `authorization_servers=${JSON.stringify(servers)}` };
    },
  },
  {
    key: 'RS-10/scopes-supported',
    id: 'RS-10',
    title: 'the PRM has scopes_supported, and bearer_methods_supported is ["header"] if present',
    expected: 'scopes_supported array; bearer_methods_supported absent or ["header"]',
    hint: 'List the minimal scopes in `scopes_supported`; only the header method is allowed for MCP.',
    run: async (context) => {
      const json = (await context.primaryMetadata())?.json;
      if (json === undefined) return { skip: 'no PRM found' };
      const methods = json.bearer_methods_supported;
      const okMethods = methods === undefined || JSON.stringify(methods) === '["header"]';
      return {
        ok: Array.isArray(json.scopes_supported) && okMethods,
        observed: `scopes_supported=${JSON.stringify(json.scopes_supported)}, bearer_methods_supported=${JSON.stringify(methods)}`,
      };
    },
  },
  {
    key: 'RS-11/prm-without-token',
    id: 'RS-11',
    title: 'the PRM is reachable without a token',
    expected: '200 without Authorization',
    hint: 'Exempt the well-known PRM URLs from authentication.',
    run: async (context) => {
      const documents = await context.protectedResourceMetadata();
      const found = documents.find((d) => d.json !== undefined);
      return { ok: found !== undefined, observed: documents.map(shown).join('; ') };
    },
  },
  {
    key: 'RS-11/prm-cors',
    id: 'RS-11',
    level: 'SHOULD',
    title: 'browser clients may read the PRM (CORS)',
    expected: 'Access-Control-Allow-Origin on the PRM answer',
    hint: 'Allow cross-origin GET on the PRM (`Access-Control-Allow-Origin: *`) for browser-based clients.',
    run: async (context) => {
      const document = await context.primaryMetadata();
      if (document === undefined) return { skip: 'no PRM found' };
      const allow = document.response.headers['access-control-allow-origin'];
      return {
        ok: allow !== undefined,
        observed: `Access-Control-Allow-Origin: ${allow ?? '(absent)'}`,
      };
    },
  },
  {
    key: 'RS-31/https',
    id: 'RS-31',
    title: 'the MCP URL and the PRM resource use https (http only on loopback)',
    expected: 'https, or http on a loopback host',
    hint: 'Serve the MCP endpoint over TLS; plain http is for loopback development only.',
    run: async (context) => {
      const resource = (await context.primaryMetadata())?.json?.resource;
      const urls = [context.options.mcpUrl, ...(typeof resource === 'string' ? [resource] : [])];
      const bad = urls.filter((url) => !isSecureUrl(url, { allowLoopbackHttp: true }));
      return {
        ok: bad.length === 0,
        observed: bad.length === 0 ? urls.join(', ') : `not secure: ${bad.join(', ')}`,
      };
    },
  },
];
