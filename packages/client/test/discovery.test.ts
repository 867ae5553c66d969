import { afterEach, describe, expect, it } from 'vitest';
import {
  type ClientError,
  createSafeFetch,
  discoverProtectedResource,
  McpOAuthProvider,
} from '../src/index.js';
import { type DocumentHost, startDocumentHost } from './helpers/document-host.js';
import { followingBrowser, type MockStack, startMockStack } from './helpers/mock-as.js';
import { useStoreDirs } from './helpers/stack.js';

const storeDir = useStoreDirs();
const fetchFn = createSafeFetch({ allowLoopbackHttp: true, allowPrivateNetwork: false, timeoutMs: 5_000 });
const hosts: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.close()));
});

async function host(routes: Parameters<typeof startDocumentHost>[0]): Promise<DocumentHost> {
  const h = await startDocumentHost(routes);
  hosts.push(h);
  return h;
}

describe('protected resource discovery', () => {
  it('[CL-09 CL-10] sends an origin-only resource verbatim, without a trailing slash', async () => {
    const mock: MockStack = await startMockStack();
    hosts.push(mock);
    const rs = await host((origin) => ({
      '/.well-known/oauth-protected-resource': {
        json: { resource: origin, authorization_servers: [mock.issuer] },
      },
    }));
    const provider = new McpOAuthProvider({
      serverUrl: rs.origin.replace('http:', 'HTTP:'),
      storeDir: await storeDir(),
      allowLoopbackHttp: true,
      openBrowser: followingBrowser(),
    });
    expect(provider.serverUrl).toBe(rs.origin);
    await provider.authorizeNow();
    const authorize = mock.requests.find((r) => r.path === '/authorize');
    const token = mock.requests.find((r) => r.path === '/token');
    expect(authorize?.params.resource).toBe(rs.origin);
    expect(token?.params.resource).toBe(rs.origin);
    expect(rs.requested).toEqual(['GET /.well-known/oauth-protected-resource']);
  });

  it('[CL-03] refuses a PRM whose resource adds a trailing slash to the server URL', async () => {
    const rs = await host((origin) => ({
      '/.well-known/oauth-protected-resource/mcp': {
        json: { resource: `${origin}/mcp/`, authorization_servers: [origin] },
      },
    }));
    const error = await discoverProtectedResource(fetchFn, `${rs.origin}/mcp`, undefined, true).catch(
      (e: unknown) => e,
    );
    expect((error as ClientError).code).toBe('ERR_PORTCULLIS_CLIENT_RESOURCE_MISMATCH');
    expect((error as ClientError).message).toContain(`${rs.origin}/.well-known/oauth-protected-resource/mcp`);
  });

  it('[CL-01 CL-03] uses only the challenge URL, whose resource must be the server URL itself', async () => {
    const rs = await host((origin) => ({
      '/meta.json': { json: { resource: origin, authorization_servers: [origin] } },
      '/.well-known/oauth-protected-resource/mcp': {
        json: { resource: `${origin}/mcp`, authorization_servers: [origin] },
      },
    }));
    const error = await discoverProtectedResource(
      fetchFn,
      `${rs.origin}/mcp`,
      `${rs.origin}/meta.json`,
      true,
    ).catch((e: unknown) => e);
    expect((error as ClientError).code).toBe('ERR_PORTCULLIS_CLIENT_RESOURCE_MISMATCH');
    expect(rs.requested).toEqual(['GET /meta.json']);
  });

  it('[CL-02] tries the path-aware URL first and falls back to the root URL', async () => {
    const rs = await host((origin) => ({
      '/.well-known/oauth-protected-resource': {
        json: { resource: origin, authorization_servers: [origin] },
      },
    }));
    const found = await discoverProtectedResource(fetchFn, `${rs.origin}/mcp`, undefined, true);
    expect(found.resource).toBe(rs.origin);
    expect(rs.requested).toEqual([
      'GET /.well-known/oauth-protected-resource/mcp',
      'GET /.well-known/oauth-protected-resource',
    ]);
  });

  it('[CL-29] refuses an authorization server on a link-local (cloud metadata) address without calling it', async () => {
    const rs = await host((origin) => ({
      '/.well-known/oauth-protected-resource/mcp': {
        json: { resource: `${origin}/mcp`, authorization_servers: ['https://169.254.169.254'] },
      },
    }));
    const provider = new McpOAuthProvider({
      serverUrl: `${rs.origin}/mcp`,
      storeDir: await storeDir(),
      allowLoopbackHttp: true,
    });
    const error = await provider.discover().catch((e: unknown) => e);
    expect((error as ClientError).code).toBe('ERR_PORTCULLIS_CLIENT_UNSAFE_URL');
    expect((error as ClientError).message).toContain('169.254.169.254');
  });

  it('[CL-29] does not follow a redirect to a private address during discovery', async () => {
    const rs = await host(() => ({
      '/.well-known/oauth-protected-resource/mcp': {
        status: 302,
        headers: { location: 'http://10.0.0.1/prm' },
      },
    }));
    const error = await discoverProtectedResource(fetchFn, `${rs.origin}/mcp`, undefined, true).catch(
      (e: unknown) => e,
    );
    expect((error as ClientError).code).toBe('ERR_PORTCULLIS_CLIENT_UNSAFE_URL');
    expect((error as ClientError).message).toContain('http://10.0.0.1/prm');
  });
});
