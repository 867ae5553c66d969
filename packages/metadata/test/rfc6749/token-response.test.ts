import { describe, expect, it } from 'vitest';
import {
  isBearerTokenType,
  type MetadataValidationError,
  parseTokenResponse,
  serializeTokenResponse,
} from '../../src/index.js';
import { expectCode, fixture, patched } from '../helpers.js';

const EXAMPLE = 'rfc6749/section-5.1-token-response.json';
const INVALID = 'ERR_PORTCULLIS_METADATA_INVALID_DOCUMENT';

describe('RFC 6749 §5.1 token response', () => {
  it('[AS-10] accepts the RFC example with an extension parameter', () => {
    const response = parseTokenResponse(fixture(EXAMPLE));
    expect(response.example_parameter).toBe('example_value');
    expect(isBearerTokenType(response)).toBe(false);
    expect(isBearerTokenType({ token_type: 'bearer' })).toBe(true);
  });

  it('[AS-10] requires access_token and token_type', () => {
    const error = expectCode(
      () => parseTokenResponse(patched(EXAMPLE, { access_token: undefined, token_type: '' })),
      INVALID,
    ) as MetadataValidationError;
    expect(error.issues).toEqual([
      { path: '"access_token"', message: 'is REQUIRED (RFC 6749 §5.1)' },
      { path: '"token_type"', message: 'must not be empty' },
    ]);
  });

  it('[CL-26] accepts a refresh response without a new refresh token', () => {
    expect(
      parseTokenResponse(fixture('rfc6749/section-6-refresh-response.json')).refresh_token,
    ).toBeUndefined();
  });

  it('checks expires_in and scope', () => {
    for (const patch of [
      { expires_in: '3600' },
      { expires_in: -1 },
      { expires_in: 1.5 },
      { scope: 'a "b"' },
      { refresh_token: '' },
    ]) {
      expectCode(() => parseTokenResponse(patched(EXAMPLE, patch)), INVALID);
    }
  });

  it('serialises only valid responses', () => {
    expect(serializeTokenResponse(parseTokenResponse(fixture(EXAMPLE)))).toEqual(fixture(EXAMPLE));
    expectCode(() => serializeTokenResponse({ token_type: 'Bearer' } as never), INVALID);
  });
});
