import { describe, expect, it } from 'vitest';
import {
  InvalidRequestError,
  type MetadataValidationError,
  oauthErrorFromResponse,
  parseOAuthErrorResponse,
  serializeOAuthErrorResponse,
} from '../../src/index.js';
import { expectCode } from '../helpers.js';

const INVALID = 'ERR_PORTCULLIS_METADATA_INVALID_DOCUMENT';

describe('RFC 6749 §5.2 error response', () => {
  it('accepts error, error_description, error_uri, state and extensions', () => {
    const body = {
      error: 'invalid_request',
      error_description: 'The request is missing a required parameter',
      error_uri: 'https://as.example/errors/invalid_request',
      state: 'xyz',
      trace_id: 'abc',
    };
    expect(parseOAuthErrorResponse(body)).toEqual(body);
    expect(serializeOAuthErrorResponse(body)).toEqual(body);
  });

  it('requires error', () => {
    const error = expectCode(() => parseOAuthErrorResponse({}), INVALID) as MetadataValidationError;
    expect(error.issues).toEqual([{ path: '"error"', message: 'is REQUIRED (RFC 6749 §5.2)' }]);
  });

  it.each([
    ['a quote in error', { error: 'bad"code' }],
    ['an empty error', { error: '' }],
    ['a non-ASCII description', { error: 'x', error_description: 'é' }],
    ['a backslash in error_uri', { error: 'x', error_uri: 'https://as.example/\\' }],
    ['an active error_uri', { error: 'x', error_uri: 'javascript:alert(1)' }],
  ])('refuses %s', (_name, body) => {
    expectCode(() => parseOAuthErrorResponse(body), INVALID);
  });

  it('turns a received body into a typed error', () => {
    const error = oauthErrorFromResponse(400, { error: 'invalid_request' });
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(error.status).toBe(400);
    expectCode(() => oauthErrorFromResponse(400, 'nope'), INVALID);
  });
});
