import fc from 'fast-check';
import { describe, it } from 'vitest';
import * as api from '../src/index.js';
import { fixture, fixtureFiles } from './helpers.js';

const RUNS = 10_000;

const HEADERS = [
  'Basic realm="x", Bearer error="invalid_token", DPoP algs="ES256"',
  'Bearer realm="example", error="invalid_token", error_description="The access token expired"',
  'Bearer error="insufficient_scope", scope="mcp:read mcp:write", resource_metadata="https://rs.test/.well-known/oauth-protected-resource/mcp"',
  'Newauth realm="apps", type=1, title="Login to \\"apps\\"", Basic realm="simple"',
  'Negotiate YIIB9gYGKwYBBQUCoIIB6jCCAeagJDAiBgkqhkiG9xIBAgIGCSqGSIb3EgECAgYKKwYBBAGCNwICCqKCAbwEggG4=',
];
const URLS = [
  'https://h.example/p/mcp',
  'http://127.0.0.1:18080/realms/mcp/.well-known/openid-configuration',
  'https://as.example/.well-known/oauth-authorization-server/t1',
  'https://h/.well-known/oauth-protected-resource/mcp?x=1',
  'https://app.example.com/oauth/client-metadata.json',
];
const DOCUMENTS = fixtureFiles().map((file) => fixture(file));
const TEXTS = [
  ...HEADERS,
  ...URLS,
  'mcp:read files:write',
  '2026-07-28',
  ...DOCUMENTS.map((d) => JSON.stringify(d)),
];

/** Insert, delete, replace or duplicate a few characters of a real header, URL or JSON text. */
const mutatedText = fc
  .tuple(
    fc.constantFrom(...TEXTS),
    fc.array(fc.tuple(fc.nat(), fc.nat(3), fc.string({ unit: 'binary', maxLength: 3 })), { maxLength: 6 }),
  )
  .map(([seed, ops]) =>
    ops.reduce((s, [pos, kind, text]) => {
      const p = pos % (s.length + 1);
      if (kind === 0) return s.slice(0, p) + text + s.slice(p);
      if (kind === 1) return s.slice(0, p) + s.slice(p + 1 + (pos % 3));
      if (kind === 2) return s.slice(0, p) + text + s.slice(p + 1);
      return s.slice(0, p) + s.slice(p, p + 8) + s.slice(p);
    }, seed),
  );

const strings = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: fc.constantFrom(...' ",=\\\t;:/?#@[]%.Bearer'.split('')) }),
  mutatedText,
);

/** A real document with a few members replaced by arbitrary JSON or removed; or JSON parsed from mutated text. */
const mutatedDocument = fc.oneof(
  fc
    .tuple(
      fc.constantFrom(...DOCUMENTS),
      fc.array(fc.tuple(fc.nat(), fc.option(fc.jsonValue({ maxDepth: 2 }))), { maxLength: 4 }),
    )
    .map(([doc, edits]) => {
      const copy = structuredClone(doc) as Record<string, unknown>;
      const keys = Object.keys(copy);
      for (const [n, value] of edits) {
        const key = keys[n % keys.length] as string;
        if (value === null) delete copy[key];
        else copy[key] = value;
      }
      return copy;
    }),
  mutatedText.map((text) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }),
  fc.jsonValue(),
);

function onlyTypedErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (error) {
    if (!api.isMetadataError(error)) throw error;
  }
}

const STRING_PARSERS: Record<string, (s: string) => unknown> = {
  parseWwwAuthenticate: (s) => api.parseWwwAuthenticate(s),
  parseWwwAuthenticateLines: (s) => api.parseWwwAuthenticate(s.split('\n')),
  parseBearerChallenge: (s) => api.parseBearerChallenge(s),
  parseScope: (s) => api.parseScope(s),
  formatBearerChallenge: (s) =>
    api.formatBearerChallenge({ realm: s, error: s, scope: s, resource_metadata: s }),
  canonicalResourceUri: (s) => api.canonicalResourceUri(s),
  isCanonicalResourceUri: (s) => api.isCanonicalResourceUri(s),
  protectedResourceMetadataUrls: (s) => api.protectedResourceMetadataUrls(s),
  authorizationServerMetadataUrls: (s) => api.authorizationServerMetadataUrls(s),
  legacyAuthorizationServerMetadataUrl: (s) => api.legacyAuthorizationServerMetadataUrl(s),
  resourceFromProtectedResourceMetadataUrl: (s) => api.resourceFromProtectedResourceMetadataUrl(s),
  issuerFromAuthorizationServerMetadataUrl: (s) => api.issuerFromAuthorizationServerMetadataUrl(s),
  assertSecureUrl: (s) => api.assertSecureUrl(s, { allowLoopbackHttp: true }),
  assertSafeLinkUrl: (s) => api.assertSafeLinkUrl(s),
  assertRedirectUri: (s) => api.assertRedirectUri(s),
  assertClientIdMetadataDocumentUrl: (s) => api.assertClientIdMetadataDocumentUrl(s),
  compareProtocolVersions: (s) => api.compareProtocolVersions(s, '2026-07-28'),
  authRulesFor: (s) => api.authRulesFor(s),
  renderOAuthError: (s) => {
    const error = new api.InsufficientScopeError(['mcp:tools'], s, { errorUri: s });
    return [error.toResponseBody(), error.toWwwAuthenticate()];
  },
  canonicalThenDiscover: (s) => api.protectedResourceMetadataUrls(api.canonicalResourceUri(s)),
};

const DOCUMENT_PARSERS: Record<string, (v: unknown) => unknown> = {
  parseProtectedResourceMetadata: (v) => api.parseProtectedResourceMetadata(v),
  validateProtectedResourceMetadata: (v) =>
    api.validateProtectedResourceMetadata(v, { expectedResource: 'https://resource.example.com' }),
  parseAuthorizationServerMetadata: (v) =>
    api.parseAuthorizationServerMetadata(v, { allowLoopbackHttp: true }),
  validateAuthorizationServerMetadata: (v) =>
    api.validateAuthorizationServerMetadata(v, { expectedIssuer: 'https://server.example.com' }),
  parseOpenIdProviderMetadata: (v) => api.parseOpenIdProviderMetadata(v),
  parseClientRegistrationRequest: (v) =>
    api.parseClientRegistrationRequest(v, { requireApplicationType: true }),
  parseClientRegistrationResponse: (v) => api.parseClientRegistrationResponse(v),
  parseClientRegistrationError: (v) => api.parseClientRegistrationError(v),
  parseClientIdMetadataDocument: (v) => api.parseClientIdMetadataDocument(v),
  validateClientIdMetadataDocument: (v) =>
    api.validateClientIdMetadataDocument(v, {
      clientId: 'https://app.example.com/oauth/client-metadata.json',
    }),
  parseTokenResponse: (v) => api.parseTokenResponse(v),
  parseOAuthErrorResponse: (v) => api.parseOAuthErrorResponse(v),
  oauthErrorFromResponse: (v) => api.oauthErrorFromResponse(400, v),
  defineScopeHierarchy: (v) => api.defineScopeHierarchy(v),
};

describe('fuzz: only typed errors escape', () => {
  describe.each(Object.entries(STRING_PARSERS))('%s', (_name, parse) => {
    it(`survives ${RUNS} generated and mutated strings`, () => {
      fc.assert(
        fc.property(strings, (s) => onlyTypedErrors(() => parse(s))),
        { numRuns: RUNS },
      );
    });
  });

  describe.each(Object.entries(DOCUMENT_PARSERS))('%s', (_name, parse) => {
    it(`survives ${RUNS} strings and ${RUNS / 2} mutated documents`, () => {
      fc.assert(
        fc.property(strings, (s) => onlyTypedErrors(() => parse(s))),
        { numRuns: RUNS },
      );
      fc.assert(
        fc.property(mutatedDocument, (d) => onlyTypedErrors(() => parse(d))),
        { numRuns: RUNS / 2 },
      );
    });
  });
});
