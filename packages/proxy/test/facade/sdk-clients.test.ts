import {
  Client,
  type OAuthClientProvider,
  StreamableHTTPClientTransport,
} from '@modelcontextprotocol/client';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as TransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CookieBrowser, freePort } from '@portcullis/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FacadeStack, runBrowserFlow, startFacadeStack, staticAdapter } from '../helpers/facade.js';

// The official SDK clients with their own OAuth code, against the facade; the only test code is the
// in-memory storage every provider needs and the user at the browser (CookieBrowser through the pages).

/** A minimal in-memory provider: stores what the SDK hands it and records authorization URLs. */
class MemoryProvider {
  readonly authorizationUrls: URL[] = [];
  #client: unknown;
  #tokens: unknown;
  #verifier = '';
  #discovery: unknown;
  constructor(readonly redirectUrl: string) {}
  get clientMetadata() {
    return {
      client_name: 'SDK client via facade',
      redirect_uris: [this.redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }
  clientInformation() {
    return this.#client as never;
  }
  saveClientInformation(info: unknown) {
    this.#client = info;
  }
  tokens() {
    return this.#tokens as never;
  }
  saveTokens(tokens: unknown) {
    this.#tokens = tokens;
  }
  redirectToAuthorization(url: URL) {
    this.authorizationUrls.push(url);
  }
  saveCodeVerifier(verifier: string) {
    this.#verifier = verifier;
  }
  codeVerifier() {
    return this.#verifier;
  }
  saveDiscoveryState(state: unknown) {
    this.#discovery = state;
  }
  discoveryState() {
    return this.#discovery as never;
  }
}

async function callText(client: { callTool: Client['callTool'] }, name: string, args = {}) {
  const result = (await client.callTool({ name, arguments: args })) as { content: { text: string }[] };
  return result.content.map((c) => c.text).join('');
}

let stack: FacadeStack;
const browser = new CookieBrowser();

beforeAll(async () => {
  // The shared-client adapter, so the flow includes the proxy's own consent page.
  stack = await startFacadeStack(staticAdapter);
});
afterAll(() => stack.close());

/** Play the user for the last authorization URL the provider received; return the callback query. */
async function userAuthorizes(provider: MemoryProvider): Promise<URLSearchParams> {
  const url = provider.authorizationUrls.at(-1);
  if (url === undefined) throw new Error('the SDK did not ask for an authorization');
  const { redirect } = await runBrowserFlow(browser, url.href, provider.redirectUrl);
  return redirect.searchParams;
}

describe('the official SDK clients complete the OAuth flow through the facade', () => {
  it('[PX-01 PX-03] SDK v2 (2026-07-28): discovery, DCR, consent, iss check, token, hello-world, then step-up to mcp:admin', async () => {
    const provider = new MemoryProvider(`http://127.0.0.1:${await freePort()}/callback`);
    const connect = async () => {
      const client = new Client(
        { name: 'facade-v2', version: '1.0.0' },
        { versionNegotiation: { mode: 'auto' } },
      );
      const transport = new StreamableHTTPClientTransport(new URL(stack.proxy.mcp), {
        authProvider: provider as unknown as OAuthClientProvider,
      });
      return { client, transport };
    };
    const first = await connect();
    await expect(first.client.connect(first.transport)).rejects.toThrow(/unauthorized/i);
    const callback = await userAuthorizes(provider);
    expect(callback.get('iss')).toBe(stack.issuer);
    await first.transport.finishAuth(callback);

    const second = await connect();
    await second.client.connect(second.transport);
    expect(await callText(second.client, 'hello-world', { name: 'joe' })).toContain('Hello, joe!');

    // admin-stats needs mcp:admin: 403 insufficient_scope → the SDK asks for the union of scopes.
    await expect(second.client.callTool({ name: 'admin-stats', arguments: {} })).rejects.toThrow();
    const stepUp = provider.authorizationUrls.at(-1);
    expect(stepUp?.searchParams.get('scope')?.split(' ')).toEqual(
      expect.arrayContaining(['mcp:tools', 'mcp:admin']),
    );
    await second.transport.finishAuth(await userAuthorizes(provider));
    const third = await connect();
    await third.client.connect(third.transport);
    expect(await callText(third.client, 'admin-stats')).not.toBe('');
    await third.client.close();
  });

  it('[PX-01] SDK v1 1.32 (2025-11-25): the same flow and a session through the facade', async () => {
    const provider = new MemoryProvider(`http://127.0.0.1:${await freePort()}/callback`);
    const transport = () => new TransportV1(new URL(stack.proxy.mcp), { authProvider: provider as never });
    const first = transport();
    await expect(new ClientV1({ name: 'facade-v1', version: '1.0.0' }).connect(first)).rejects.toThrow(
      /unauthorized/i,
    );
    const callback = await userAuthorizes(provider);
    await first.finishAuth(callback.get('code') ?? '');
    const client = new ClientV1({ name: 'facade-v1', version: '1.0.0' });
    const second = transport();
    await client.connect(second);
    expect(second.sessionId).toBeTruthy();
    expect(await callText(client as unknown as Client, 'hello-world', { name: 'joe' })).toContain(
      'Hello, joe!',
    );
    await client.close();
  });
});
