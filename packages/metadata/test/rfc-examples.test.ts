import { describe, expect, it } from 'vitest';
import {
  type AuthChallenge,
  formatWwwAuthenticate,
  parseAuthorizationServerMetadata,
  parseClientIdMetadataDocument,
  parseClientRegistrationError,
  parseClientRegistrationRequest,
  parseClientRegistrationResponse,
  parseOAuthErrorResponse,
  parseProtectedResourceMetadata,
  parseTokenResponse,
  parseWwwAuthenticate,
  serializeAuthorizationServerMetadata,
  serializeClientIdMetadataDocument,
  serializeClientRegistrationRequest,
  serializeClientRegistrationResponse,
  serializeOAuthErrorResponse,
  serializeProtectedResourceMetadata,
  serializeTokenResponse,
} from '../src/index.js';
import { fixture, fixtureFiles } from './helpers.js';

type RoundTrip = (json: unknown) => unknown;

const prm: RoundTrip = (j) => serializeProtectedResourceMetadata(parseProtectedResourceMetadata(j));
const asm: RoundTrip = (j) => serializeAuthorizationServerMetadata(parseAuthorizationServerMetadata(j));
const token: RoundTrip = (j) => serializeTokenResponse(parseTokenResponse(j));
const oauthError: RoundTrip = (j) => serializeOAuthErrorResponse(parseOAuthErrorResponse(j));
const registrationError: RoundTrip = (j) => serializeOAuthErrorResponse(parseClientRegistrationError(j));
const cimd: RoundTrip = (j) => serializeClientIdMetadataDocument(parseClientIdMetadataDocument(j));
const challenge: RoundTrip = (j) => {
  const { header, challenges } = j as { header: string; challenges: AuthChallenge[] };
  expect(parseWwwAuthenticate(header)).toEqual(challenges);
  return { header: formatWwwAuthenticate(challenges), challenges: parseWwwAuthenticate(header) };
};

/** Every RFC example fixture, the requirement it illustrates, and how it round-trips. */
const EXAMPLES: Record<string, [tags: string, roundTrip: RoundTrip]> = {
  'cimd/draft-02-section-8.2-private-key-jwt.json': ['[CL-17]', cimd],
  'cimd/mcp-client-registration-example.json': ['[CL-17 AS-16]', cimd],
  'rfc6749/section-5.1-token-response.json': ['[AS-10]', token],
  'rfc6749/section-5.2-error-response.json': ['', oauthError],
  'rfc6749/section-6-refresh-response.json': ['[CL-26]', token],
  'rfc6750/section-3-invalid-token-challenge.json': ['[RS-15]', challenge],
  'rfc6750/section-3-realm-challenge.json': ['[RS-01]', challenge],
  'rfc6750/section-4-token-response.json': ['[AS-10]', token],
  'rfc7591/section-3.1-registration-request.json': [
    '[AS-20]',
    (j) => serializeClientRegistrationRequest(parseClientRegistrationRequest(j)),
  ],
  'rfc7591/section-3.2.1-registration-response.json': [
    '[AS-20]',
    (j) => serializeClientRegistrationResponse(parseClientRegistrationResponse(j)),
  ],
  'rfc7591/section-3.2.2-invalid-client-metadata.json': ['[AS-20]', registrationError],
  'rfc7591/section-3.2.2-invalid-redirect-uri.json': ['[AS-07]', registrationError],
  'rfc8414/section-3.2-metadata-response.json': ['[AS-01]', asm],
  'rfc9728/section-3.2-metadata-response.json': ['[RS-09 RS-10]', prm],
  'rfc9728/section-5.1-challenge.json': ['[RS-02 CL-01]', challenge],
};

describe('RFC example fixtures', () => {
  it('maps every fixture file outside real-world/ to a parser', () => {
    const files = fixtureFiles().filter((f) => !f.startsWith('real-world/'));
    expect(files).toEqual(Object.keys(EXAMPLES).sort());
  });

  describe.each(Object.entries(EXAMPLES))('%s', (file, [tags, roundTrip]) => {
    it(`${tags} round-trips: parse, serialise, deep equal`.trim(), () => {
      const json = fixture(file);
      expect(roundTrip(json)).toEqual(json);
    });
  });
});
