import { afterEach, describe, expect, it } from 'vitest';
import { assertOpenableUrl, ClientError, McpSession, type OAuthClientOptionsInput } from '../src/index.js';
import { followingBrowser, type MockAsOptions, type MockStack, startMockStack } from './helpers/mock-as.js';
import { useStoreDirs } from './helpers/stack.js';

const storeDir = useStoreDirs();
let mock: MockStack | undefined;
afterEach(async () => {
  await mock?.close();
  mock = undefined;
});

async function connectTo(
  options: MockAsOptions,
  opened: string[],
  extra: Partial<OAuthClientOptionsInput> = {},
) {
  mock = await startMockStack(options);
  return McpSession.connect({
    serverUrl: mock.resource,
    storeDir: await storeDir(),
    allowLoopbackHttp: true,
    openBrowser: followingBrowser(opened),
    ...extra,
  });
}

const paths = () => mock?.requests.map((r) => r.path) ?? [];

describe('authorization code flow against a recording authorization server', () => {
  it('[CL-08 CL-09 CL-18 CL-27] registers as a native loopback client and sends PKCE S256 and resource', async () => {
    const session = await connectTo({}, []);
    await session.close();
    const register = mock?.requests.find((r) => r.path === '/register')?.params as Record<string, unknown>;
    expect(register.application_type).toBe('native');
    expect(register.redirect_uris).toEqual([expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/callback$/)]);
    expect(register.grant_types).toEqual(['authorization_code', 'refresh_token']);
    const authorize = mock?.requests.find((r) => r.path === '/authorize')?.params ?? {};
    const token = mock?.requests.find((r) => r.path === '/token')?.params ?? {};
    expect(authorize.code_challenge_method).toBe('S256');
    expect(token.code_verifier).toMatch(/^[A-Za-z0-9_-]{43,128}$/);
    expect(authorize.resource).toBe(mock?.resource);
    expect(token.resource).toBe(mock?.resource);
  });

  it('[CL-07] refuses to start when code_challenge_methods_supported is missing', async () => {
    const opened: string[] = [];
    const error = await connectTo(
      { metadata: ({ code_challenge_methods_supported: _, ...doc }) => doc },
      opened,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClientError);
    expect((error as ClientError).code).toBe('ERR_PORTCULLIS_CLIENT_PKCE_UNSUPPORTED');
    expect((error as ClientError).message).toContain(mock?.issuer);
    expect(opened).toEqual([]);
    expect(paths()).not.toContain('/authorize');
    expect(paths()).not.toContain('/register');
  });

  it('[CL-07] refuses an authorization server that lists only plain PKCE', async () => {
    const opened: string[] = [];
    const error = await connectTo(
      { metadata: (doc) => ({ ...doc, code_challenge_methods_supported: ['plain'] }) },
      opened,
    ).catch((e: unknown) => e);
    expect((error as ClientError).code).toBe('ERR_PORTCULLIS_CLIENT_PKCE_UNSUPPORTED');
    expect(opened).toEqual([]);
  });

  it('[CL-22] discards a response whose state was changed, without a token request', async () => {
    const error = await connectTo({ response: (p) => p.set('state', 'forged') }, []).catch((e: unknown) => e);
    expect((error as ClientError).code).toBe('ERR_PORTCULLIS_CLIENT_STATE_MISMATCH');
    expect(paths()).toContain('/authorize');
    expect(paths()).not.toContain('/token');
  });

  it('[CL-22] discards a response without state, without a token request', async () => {
    const error = await connectTo({ response: (p) => p.delete('state') }, []).catch((e: unknown) => e);
    expect((error as ClientError).code).toBe('ERR_PORTCULLIS_CLIENT_STATE_MISMATCH');
    expect(paths()).not.toContain('/token');
  });

  it('[CL-21] checks iss before state and never shows the error parameters of a mismatched response', async () => {
    const error = await connectTo(
      {
        response: (p) => {
          p.set('iss', 'https://evil.example');
          p.set('error', 'access_denied');
          p.set('error_description', 'click-here-to-win');
          p.delete('code');
        },
      },
      [],
    ).catch((e: unknown) => e);
    expect((error as ClientError).code).toBe('ERR_PORTCULLIS_CLIENT_ISS_MISMATCH');
    expect((error as ClientError).message).not.toContain('click-here-to-win');
    expect(paths()).not.toContain('/token');
  });

  it('[CL-28] refuses javascript: and file: authorization endpoints without opening anything', async () => {
    for (const endpoint of ['javascript:alert(1)', 'file:///etc/passwd']) {
      const opened: string[] = [];
      const error = await connectTo(
        { metadata: (doc) => ({ ...doc, authorization_endpoint: endpoint }) },
        opened,
      ).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ClientError);
      expect((error as ClientError).message).toContain('authorization_endpoint');
      expect(opened).toEqual([]);
      await mock?.close();
      mock = undefined;
    }
  });

  it('[CL-28] assertOpenableUrl allows only https and loopback http', () => {
    for (const bad of [
      'javascript:alert(1)',
      'data:text/html,x',
      'file:///etc/passwd',
      'vbscript:msgbox',
      'http://example.com/a',
    ]) {
      expect(() => assertOpenableUrl(bad, true)).toThrow(ClientError);
    }
    expect(() => assertOpenableUrl('http://127.0.0.1:8080/authorize', false)).toThrow(ClientError);
    expect(() => assertOpenableUrl('http://127.0.0.1:8080/authorize', true)).not.toThrow();
    expect(() => assertOpenableUrl('https://as.example/authorize', false)).not.toThrow();
  });

  it('[CL-18] surfaces an invalid_redirect_uri registration error with what to do', async () => {
    const error = await connectTo(
      {
        register: { status: 400, body: { error: 'invalid_redirect_uri', error_description: 'no loopback' } },
      },
      [],
    ).catch((e: unknown) => e);
    expect((error as ClientError).code).toBe('ERR_PORTCULLIS_CLIENT_REGISTRATION_FAILED');
    expect((error as ClientError).oauthError).toBe('invalid_redirect_uri');
    expect((error as ClientError).message).toContain(`${mock?.issuer}/register`);
    expect((error as ClientError).hint).toContain('RFC 8252');
  });

  it('[CL-16] says how to register when the AS has neither DCR nor CIMD', async () => {
    const opened: string[] = [];
    const error = await connectTo({ metadata: ({ registration_endpoint: _, ...doc }) => doc }, opened).catch(
      (e: unknown) => e,
    );
    expect((error as ClientError).code).toBe('ERR_PORTCULLIS_CLIENT_NO_REGISTRATION');
    expect((error as ClientError).hint).toContain('--client-id');
    expect(opened).toEqual([]);
  });

  it('[CL-16 CL-19] uses pre-registered credentials only at their own issuer', async () => {
    const error = await connectTo({}, [], {
      preRegistered: [{ issuer: 'https://other-as.example', clientId: 'pre', clientSecret: 's' }],
    }).catch((e: unknown) => e);
    expect((error as ClientError).code).toBe('ERR_PORTCULLIS_CLIENT_NO_REGISTRATION');
    expect((error as ClientError).message).toContain('https://other-as.example');
    expect(paths()).not.toContain('/authorize');
    const session = await connectTo({ metadata: ({ registration_endpoint: _, ...doc }) => doc }, [], {
      preRegistered: [{ clientId: 'pre-registered', clientSecret: 's3cret-x' }],
    });
    await session.close();
    const token = mock?.requests.find((r) => r.path === '/token');
    expect(token?.authorization).toBe(`Basic ${Buffer.from('pre-registered:s3cret-x').toString('base64')}`);
    expect(paths()).not.toContain('/register');
  });
});
