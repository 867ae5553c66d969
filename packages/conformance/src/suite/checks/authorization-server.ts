import {
  isSecureUrl,
  MetadataValidationError,
  parseAuthorizationServerMetadata,
  supportsPkceS256,
} from '@portcullis/metadata';
import { describeResponse } from '../http.js';
import type { Check, Outcome } from '../result.js';
import type { FetchedDocument, ServerContext } from '../server-context.js';

type ServerCheck = Check<ServerContext>;

const ENDPOINTS = [
  'authorization_endpoint',
  'token_endpoint',
  'registration_endpoint',
  'jwks_uri',
  'revocation_endpoint',
  'introspection_endpoint',
  'userinfo_endpoint',
  'pushed_authorization_request_endpoint',
  'device_authorization_endpoint',
  'end_session_endpoint',
] as const;

interface Found {
  readonly issuer: string;
  readonly document: FetchedDocument & { json: Record<string, unknown> };
}

/** Every AS metadata document that answered 200 JSON, for every issuer of the PRM. */
async function allMetadata(context: ServerContext): Promise<Found[] | Outcome> {
  const issuers = await context.issuers();
  if (issuers.length === 0) return { skip: 'the PRM names no authorization server' };
  const found: Found[] = [];
  for (const issuer of issuers) {
    for (const document of await context.authorizationServerMetadata(issuer)) {
      if (document.json !== undefined) found.push({ issuer, document: { ...document, json: document.json } });
    }
  }
  return found;
}

/** Run `judge` on every metadata document; fail with the documents it rejects. */
function everyDocument(
  judgeOne: (found: Found, context: ServerContext) => string | undefined,
): (context: ServerContext) => Promise<Outcome> {
  return async (context) => {
    const found = await allMetadata(context);
    if (!Array.isArray(found)) return found;
    if (found.length === 0) return { skip: 'no authorization server metadata found' };
    const problems = found.flatMap((f) => {
      const problem = judgeOne(f, context);
      return problem === undefined ? [] : [`${f.document.url}: ${problem}`];
    });
    return {
      ok: problems.length === 0,
      observed: problems.length > 0 ? problems.join('; ') : found.map((f) => f.document.url).join(', '),
    };
  };
}

/** AS-01, AS-02, AS-03, AS-08, AS-13 (flag), AS-15: the RFC 8414 / OIDC metadata of each authorization server. */
export const AUTHORIZATION_SERVER_CHECKS: readonly ServerCheck[] = [
  {
    key: 'AS-01/metadata',
    id: 'AS-01',
    title: 'each authorization server publishes RFC 8414 or OIDC metadata',
    expected:
      '200 JSON at one of the discovery URLs, valid per RFC 8414 §2, response_types_supported ∋ "code"',
    hint: 'Serve `/.well-known/oauth-authorization-server` (path-inserted for a path issuer) and/or `openid-configuration`.',
    run: async (context) => {
      const issuers = await context.issuers();
      if (issuers.length === 0) return { skip: 'the PRM names no authorization server' };
      const problems: string[] = [];
      for (const issuer of issuers) {
        const documents = await context.authorizationServerMetadata(issuer);
        const usable = documents.find((d) => d.json !== undefined);
        if (usable?.json === undefined) {
          problems.push(
            `${issuer}: ${documents.map((d) => `${d.url} → ${describeResponse(d.response)}`).join(', ')}`,
          );
          continue;
        }
        try {
          const metadata = parseAuthorizationServerMetadata(usable.json, context.parseOptions);
          if (!metadata.response_types_supported.includes('code')) {
            problems.push(`${usable.url}: response_types_supported lacks "code"`);
          }
        } catch (error) {
          problems.push(error instanceof MetadataValidationError ? error.message : String(error));
        }
      }
      return { ok: problems.length === 0, observed: problems.join('; ') || issuers.join(', ') };
    },
  },
  {
    key: 'AS-02/issuer',
    id: 'AS-02',
    title: 'the metadata issuer is identical to the issuer its URL was built from, at every URL form',
    expected: 'issuer === the PRM authorization_servers entry (string compare)',
    hint: 'Publish exactly the issuer string listed in the PRM (watch the trailing slash) at every well-known form.',
    run: everyDocument(({ issuer, document }) =>
      document.json.issuer === issuer
        ? undefined
        : `issuer ${JSON.stringify(document.json.issuer)} ≠ ${JSON.stringify(issuer)}`,
    ),
  },
  {
    key: 'AS-03/s256',
    id: 'AS-03',
    title: 'code_challenge_methods_supported is present and lists S256',
    expected: 'code_challenge_methods_supported ∋ "S256" in every metadata document',
    hint: 'Add `code_challenge_methods_supported: ["S256"]`; MCP clients refuse an AS without it.',
    run: everyDocument(({ document }) =>
      supportsPkceS256(document.json)
        ? undefined
        : `code_challenge_methods_supported=${JSON.stringify(document.json.code_challenge_methods_supported)}`,
    ),
  },
  {
    key: 'AS-08/https-endpoints',
    id: 'AS-08',
    title: 'every endpoint in the metadata is https (http only on loopback)',
    expected: 'https URLs',
    hint: 'Serve every AS endpoint over TLS.',
    run: everyDocument(({ document }) => {
      const bad = ENDPOINTS.map((name) => [name, document.json[name]] as const).filter(
        ([, url]) => typeof url === 'string' && !isSecureUrl(url, { allowLoopbackHttp: true }),
      );
      return bad.length === 0 ? undefined : bad.map(([name, url]) => `${name}=${String(url)}`).join(', ');
    }),
  },
  {
    key: 'AS-13/iss-parameter-advertised',
    id: 'AS-13',
    title: 'the metadata advertises authorization_response_iss_parameter_supported: true',
    expected: 'authorization_response_iss_parameter_supported: true',
    hint: 'Return `iss` in authorization responses (RFC 9207) and set the flag to true.',
    run: everyDocument(({ document }) =>
      document.json.authorization_response_iss_parameter_supported === true
        ? undefined
        : `authorization_response_iss_parameter_supported=${JSON.stringify(document.json.authorization_response_iss_parameter_supported)}`,
    ),
  },
  {
    key: 'AS-15/cimd-advertised',
    id: 'AS-15',
    title: 'the metadata advertises client_id_metadata_document_supported: true',
    expected: 'client_id_metadata_document_supported: true',
    hint: 'Support Client ID Metadata Documents and set the flag, so clients need no registration.',
    run: everyDocument(({ document }) =>
      document.json.client_id_metadata_document_supported === true
        ? undefined
        : `client_id_metadata_document_supported=${JSON.stringify(document.json.client_id_metadata_document_supported)}`,
    ),
  },
];
