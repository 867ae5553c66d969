import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  authorizationServerMetadataUrls,
  issuerFromAuthorizationServerMetadataUrl,
  parseAuthorizationServerMetadata,
  parseOpenIdProviderMetadata,
  parseProtectedResourceMetadata,
  serializeAuthorizationServerMetadata,
  serializeOpenIdProviderMetadata,
  serializeProtectedResourceMetadata,
  supportsPkceS256,
} from '../src/index.js';
import { fixture, fixtureFiles } from './helpers.js';

const NAME =
  /^(?<source>.+)-(?<doc>openid-configuration|oauth-authorization-server|oauth-protected-resource)\.json$/;
const FILES = fixtureFiles('real-world');
const OPTIONS = { allowLoopbackHttp: true };

describe('real-world metadata documents (test/fixtures/real-world)', () => {
  it('has documents, each named <source>-<doc>.json', () => {
    expect(FILES.length).toBeGreaterThan(0);
    for (const file of FILES) expect(basename(file)).toMatch(NAME);
  });

  describe.each(FILES)('%s', (file) => {
    const doc = NAME.exec(basename(file))?.groups?.doc;
    const json = fixture(file);

    if (doc === 'openid-configuration') {
      it('[AS-01 AS-03] is valid OpenID provider metadata and round-trips', () => {
        const metadata = parseOpenIdProviderMetadata(json, OPTIONS);
        expect(serializeOpenIdProviderMetadata(metadata, OPTIONS)).toEqual(json);
        expect(supportsPkceS256(metadata)).toBe(true);
      });
    }
    if (doc === 'openid-configuration' || doc === 'oauth-authorization-server') {
      it('[AS-01 AS-02] is valid RFC 8414 metadata and round-trips', () => {
        const metadata = parseAuthorizationServerMetadata(json, OPTIONS);
        expect(serializeAuthorizationServerMetadata(metadata, OPTIONS)).toEqual(json);
      });

      it('[CL-04 CL-05] gives discovery URLs that all lead back to its issuer', () => {
        const { issuer } = parseAuthorizationServerMetadata(json, OPTIONS);
        for (const url of authorizationServerMetadataUrls(issuer)) {
          expect(issuerFromAuthorizationServerMetadataUrl(url)).toBe(issuer);
        }
      });
    }
    if (doc === 'oauth-protected-resource') {
      it('[RS-08 RS-09] is valid protected resource metadata and round-trips', () => {
        const metadata = parseProtectedResourceMetadata(json, OPTIONS);
        expect(serializeProtectedResourceMetadata(metadata, OPTIONS)).toEqual(json);
      });
    }
  });
});
