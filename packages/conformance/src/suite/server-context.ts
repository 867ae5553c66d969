import {
  authorizationServerMetadataUrls,
  isLoopbackHost,
  type ParseOptions,
  parseBearerChallenge,
  protectedResourceMetadataUrls,
} from '@portcullis/metadata';
import type { ServerSuiteOptions } from '../options.js';
import { jsonBody, mcpCall, type Probe, probe } from './http.js';
import type { AuthorizationResponse } from './tokens/browser-login.js';
import type { TokenKit } from './tokens/token-kit.js';

/** A metadata document fetched from one URL. */
export interface FetchedDocument {
  readonly url: string;
  readonly response: Probe;
  /** The JSON body when the answer was `200` with a JSON object. */
  readonly json?: Record<string, unknown>;
}

/** What the server checks share: the options, memoised probes and the token kit. */
export interface ServerContext {
  readonly options: ServerSuiteOptions;
  /** Parse options for the metadata schemas: loopback http is allowed when the MCP URL itself is loopback. */
  readonly parseOptions: ParseOptions;
  readonly tokens: TokenKit;
  /** Every authorization response seen (browser login, or the error redirects of the DCR checks), for AS-13/AS-14. */
  readonly authorizationResponses: (AuthorizationResponse & { readonly via: string })[];
  send(url: string, init: Parameters<typeof probe>[1]): Promise<Probe>;
  /** `POST <mcp>` with a harmless MCP call and no token. */
  unauthenticated(): Promise<Probe>;
  /** The parameters of the Bearer challenge of {@link unauthenticated}, or `undefined`. */
  challenge(): Promise<Record<string, string | undefined> | undefined>;
  /** The PRM at the URL of the challenge's `resource_metadata` (if any), then each well-known URL, in order. */
  protectedResourceMetadata(): Promise<FetchedDocument[]>;
  /** The first usable PRM: the one the challenge names, else the path-aware one, else the root one. */
  primaryMetadata(): Promise<FetchedDocument | undefined>;
  /** The `authorization_servers` of the primary PRM. */
  issuers(): Promise<string[]>;
  /** The AS metadata at every discovery URL of `issuer`, in the MCP order. */
  authorizationServerMetadata(issuer: string): Promise<FetchedDocument[]>;
  /** The first AS metadata of the first issuer that answered, with the issuer it was built from. */
  primaryAuthorizationServer(): Promise<{ issuer: string; metadata: Record<string, unknown> } | undefined>;
}

function memo<T>(compute: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => {
    value ??= compute();
    return value;
  };
}

function documentFrom(url: string, response: Probe): FetchedDocument {
  const json = response.status === 200 ? jsonBody(response) : undefined;
  const isObject = typeof json === 'object' && json !== null && !Array.isArray(json);
  return { url, response, ...(isObject ? { json: json as Record<string, unknown> } : {}) };
}

/** Build the shared context of one server-suite run. */
export function createServerContext(
  options: ServerSuiteOptions,
  makeTokens: (context: Omit<ServerContext, 'tokens'>) => TokenKit,
): ServerContext {
  const timeout = options.probeTimeoutMs;
  const send = (url: string, init: Parameters<typeof probe>[1]) => probe(url, init, timeout);
  const loopback = isLoopbackHost(new URL(options.mcpUrl).hostname);
  const getJson = (url: string) =>
    send(url, { headers: [['accept', 'application/json']] }).then((r) => documentFrom(url, r));

  const unauthenticated = memo(() => {
    const call = mcpCall(options.spec);
    return send(options.mcpUrl, { method: 'POST', headers: call.headers, body: call.body });
  });
  const challenge = memo(async () => {
    const response = await unauthenticated();
    try {
      return parseBearerChallenge(response.challenges);
    } catch {
      return undefined;
    }
  });
  const protectedResourceMetadata = memo(async () => {
    const urls = protectedResourceMetadataUrls(options.mcpUrl);
    const named = (await challenge())?.resource_metadata;
    const all = named !== undefined && URL.canParse(named) && !urls.includes(named) ? [named, ...urls] : urls;
    return Promise.all(all.map(getJson));
  });
  const primaryMetadata = memo(async () => (await protectedResourceMetadata()).find((d) => d.json));
  const issuers = memo(async () => {
    const servers = (await primaryMetadata())?.json?.authorization_servers;
    return Array.isArray(servers) ? servers.filter((s): s is string => typeof s === 'string') : [];
  });
  const asCache = new Map<string, Promise<FetchedDocument[]>>();
  const authorizationServerMetadata = (issuer: string) => {
    let documents = asCache.get(issuer);
    if (documents === undefined) {
      let urls: string[] = [];
      try {
        urls = authorizationServerMetadataUrls(issuer);
      } catch {
        urls = [];
      }
      documents = Promise.all(urls.map(getJson));
      asCache.set(issuer, documents);
    }
    return documents;
  };
  const primaryAuthorizationServer = memo(async () => {
    for (const issuer of await issuers()) {
      const found = (await authorizationServerMetadata(issuer)).find((d) => d.json);
      if (found?.json) return { issuer, metadata: found.json };
    }
    return undefined;
  });
  const partial = {
    options,
    parseOptions: { allowLoopbackHttp: loopback },
    authorizationResponses: [],
    send,
    unauthenticated,
    challenge,
    protectedResourceMetadata,
    primaryMetadata,
    issuers,
    authorizationServerMetadata,
    primaryAuthorizationServer,
  };
  return { ...partial, tokens: makeTokens(partial) };
}
