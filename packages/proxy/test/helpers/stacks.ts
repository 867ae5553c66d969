import type { RunningIdp } from '@portcullis/idp';
import { embeddedIdpToken, freePort } from '@portcullis/test-support';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll } from 'vitest';
import type { ProxyOptionsInput } from '../../src/index.js';
import { startTestIdp } from './idp.js';
import { type RunningProxy, startProxy } from './proxy.js';
import { type RecordingUpstream, startRecordingUpstream } from './recording-upstream.js';
import { startTrustingUpstream } from './reference-upstream.js';

type DirectInput = Omit<Extract<ProxyOptionsInput, { mode?: 'direct' }>, 'mode' | 'publicUrl' | 'idp'>;

/** The embedded IdP, the reference MCP server behind the proxy, and real tokens for joe and alice. */
export interface ReferenceStack {
  readonly idp: RunningIdp;
  readonly upstream: FastifyInstance;
  readonly upstreamUrl: string;
  readonly proxy: RunningProxy;
  /** `mcp:tools` for joe, `mcp:tools mcp:admin` for joe, `mcp:tools` for alice; all for the proxy URL. */
  readonly tokens: { readonly joe: string; readonly joeAdmin: string; readonly alice: string };
  close(): Promise<void>;
}

/**
 * Start the stack of the contract: the IdP issues tokens for the proxy's URL; the reference server trusts
 * only the proxy (issuer = proxy, JWKS = proxy's, resource = upstream URL).
 */
export async function startReferenceStack(): Promise<ReferenceStack> {
  const [port, upstreamPort] = [await freePort(), await freePort()];
  const resource = `http://localhost:${port}/mcp`;
  const upstreamUrl = `http://127.0.0.1:${upstreamPort}/mcp`;
  const idp = await startTestIdp([resource, upstreamUrl]);
  const upstream = await startTrustingUpstream(`http://localhost:${port}`, upstreamPort);
  const proxy = await startProxy(port, {
    idp: { issuer: idp.issuer, jwksUri: `${idp.issuer}/jwks` },
    upstream: { url: upstreamUrl },
    scopes: { default: ['mcp:tools'], tools: { 'admin-stats': ['mcp:admin'] } },
    cors: { origins: ['http://localhost:6274'] },
  });
  const flow = { resource, username: 'joe', password: 'joe-pass', clientName: 'Proxy tests' };
  const [joe, joeAdmin, alice] = await Promise.all([
    embeddedIdpToken(idp.issuer, { ...flow, scope: 'mcp:tools' }),
    embeddedIdpToken(idp.issuer, { ...flow, scope: 'mcp:tools mcp:admin' }),
    embeddedIdpToken(idp.issuer, { ...flow, scope: 'mcp:tools', username: 'alice', password: 'alice-pass' }),
  ]);
  return {
    idp,
    upstream,
    upstreamUrl,
    proxy,
    tokens: { joe: joe.accessToken, joeAdmin: joeAdmin.accessToken, alice: alice.accessToken },
    close: async () => {
      await proxy.close();
      await upstream.close();
      await idp.close();
    },
  };
}

/** The embedded IdP, a recording upstream, and one proxy per entry of `proxies`, each with a token for joe. */
export interface RecordedStack {
  readonly idp: RunningIdp;
  readonly recorder: RecordingUpstream;
  readonly proxies: Record<string, RunningProxy>;
  readonly tokens: Record<string, string>;
  close(): Promise<void>;
}

/**
 * Start proxies in front of one recording upstream. `proxies` maps a name to the options of that proxy,
 * built from the recorder's URL and the URL of a port nothing listens on.
 */
export async function startRecordedStack(
  proxies: Record<string, (recorderUrl: string, deadUrl: string) => DirectInput>,
): Promise<RecordedStack> {
  const names = Object.keys(proxies);
  const ports = await Promise.all(names.map(() => freePort()));
  const deadUrl = `http://127.0.0.1:${await freePort()}/mcp`;
  const idp = await startTestIdp(ports.map((p) => `http://localhost:${p}/mcp`));
  const recorder = await startRecordingUpstream();
  const started: Record<string, RunningProxy> = {};
  const tokens: Record<string, string> = {};
  await Promise.all(
    names.map(async (name, i) => {
      const port = ports[i] ?? 0;
      const options = proxies[name]?.(recorder.url, deadUrl) ?? { upstream: { url: recorder.url } };
      started[name] = await startProxy(port, {
        ...options,
        idp: { issuer: idp.issuer, jwksUri: `${idp.issuer}/jwks` },
      });
      const { accessToken } = await embeddedIdpToken(idp.issuer, {
        resource: `http://localhost:${port}/mcp`,
        scope: 'mcp:tools',
        username: 'joe',
        password: 'joe-pass',
        clientName: 'Proxy tests',
      });
      tokens[name] = accessToken;
    }),
  );
  return {
    idp,
    recorder,
    proxies: started,
    tokens,
    close: async () => {
      await Promise.all(Object.values(started).map((p) => p.close()));
      await recorder.close();
      await idp.close();
    },
  };
}

/** What {@link useRecordedProxy} provides once `beforeAll` has run: the stack, its one proxy and joe's token. */
export interface RecordedProxyFixture {
  readonly stack: RecordedStack;
  readonly proxy: RunningProxy;
  readonly token: string;
}

/**
 * Register `beforeAll`/`afterAll` hooks that start a {@link startRecordedStack} with one proxy in direct mode in
 * front of the recorder, and close it after the file's tests.
 */
export function useRecordedProxy(): RecordedProxyFixture {
  const fixture = {} as { stack: RecordedStack; proxy: RunningProxy; token: string };
  beforeAll(async () => {
    fixture.stack = await startRecordedStack({ main: (url) => ({ upstream: { url } }) });
    fixture.proxy = fixture.stack.proxies.main as RunningProxy;
    fixture.token = String(fixture.stack.tokens.main);
  });
  afterAll(async () => {
    await fixture.stack?.close();
  });
  return fixture;
}
