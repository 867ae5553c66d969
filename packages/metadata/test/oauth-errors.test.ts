import { describe, expect, it } from 'vitest';
import {
  InsufficientScopeError,
  InvalidGrantError,
  InvalidRequestError,
  InvalidTokenError,
  parseBearerChallenge,
  ServerError,
} from '../src/index.js';

describe('OAuthError rendering', () => {
  it('renders the RFC 6749 §5.2 body and hides the description of a 5xx', () => {
    expect(
      new InvalidGrantError('code expired', { errorUri: 'https://as.example/e' }).toResponseBody(),
    ).toEqual({
      error: 'invalid_grant',
      error_description: 'code expired',
      error_uri: 'https://as.example/e',
    });
    expect(new ServerError('db down').toResponseBody()).toEqual({ error: 'server_error' });
    expect(new InvalidRequestError().toResponseBody()).toEqual({ error: 'invalid_request' });
  });

  it('[RS-19] lets the status be overridden', () => {
    expect(new InvalidRequestError('two Authorization headers', { status: 401 }).status).toBe(401);
  });

  it('[RS-15] gives a 401 invalid_token challenge with resource_metadata', () => {
    const header = new InvalidTokenError('The access token expired').toWwwAuthenticate({
      resourceMetadata: 'https://rs.test/.well-known/oauth-protected-resource/mcp',
    });
    expect(header).toBe(
      'Bearer error="invalid_token", error_description="The access token expired", resource_metadata="https://rs.test/.well-known/oauth-protected-resource/mcp"',
    );
  });

  it('[RS-16 RS-17] puts every needed scope of an insufficient_scope error into one 403 challenge', () => {
    const error = new InsufficientScopeError(['mcp:write', 'files:read'], 'Insufficient scope');
    expect(error.status).toBe(403);
    expect(error.scopes).toEqual(['mcp:write', 'files:read']);
    const params = parseBearerChallenge(
      error.toWwwAuthenticate({ realm: 'mcp', resourceMetadata: 'https://rs.test/prm' }),
    );
    expect(params).toEqual({
      realm: 'mcp',
      error: 'insufficient_scope',
      error_description: 'Insufficient scope',
      scope: 'mcp:write files:read',
      resource_metadata: 'https://rs.test/prm',
    });
    expect(parseBearerChallenge(error.toWwwAuthenticate({ scope: 'x' }))?.scope).toBe('x');
    expect(parseBearerChallenge(new InsufficientScopeError([]).toWwwAuthenticate())).toEqual({
      error: 'insufficient_scope',
    });
  });

  it('sanitises runtime descriptions and error_uri so rendering never throws', () => {
    const error = new InvalidRequestError('bad "redirect_uri" \\ é\nnext', { errorUri: 'not a uri' });
    expect(error.error_description).toBe('bad "redirect_uri" \\ é\nnext');
    expect(error.toResponseBody()).toEqual({
      error: 'invalid_request',
      error_description: "bad 'redirect_uri' / ? next",
    });
    expect(parseBearerChallenge(error.toWwwAuthenticate())).toEqual({
      error: 'invalid_request',
      error_description: "bad 'redirect_uri' / ? next",
    });
    expect(new InvalidRequestError('').toResponseBody()).toEqual({ error: 'invalid_request' });
  });

  it('keeps the cause off the wire', () => {
    const error = new ServerError('x', { cause: new Error('secret') });
    expect(JSON.stringify(error.toResponseBody())).not.toContain('secret');
    expect((error.cause as Error).message).toBe('secret');
  });
});
