import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modernCall, PING, post, type RunningProxy, rpcError } from './helpers/proxy.js';
import { jsonResult, type RecordingUpstream } from './helpers/recording-upstream.js';
import { type RecordedStack, startRecordedStack } from './helpers/stacks.js';

let stack: RecordedStack;
let recorder: RecordingUpstream;
let proxy: RunningProxy;
let headersProxy: RunningProxy;
let token: string;
let headersToken: string;

beforeAll(async () => {
  stack = await startRecordedStack({
    main: (url) => ({ upstream: { url, forwardHeaders: ['x-trace-id'] } }),
    headers: (url) => ({ upstream: { url, identity: { mode: 'headers' } } }),
  });
  ({ recorder } = stack);
  proxy = stack.proxies.main as RunningProxy;
  headersProxy = stack.proxies.headers as RunningProxy;
  token = String(stack.tokens.main);
  headersToken = String(stack.tokens.headers);
});
afterAll(async () => {
  await stack?.close();
});

describe('no token passthrough', () => {
  it('[PX-02 RS-29] never forwards the client token upstream; sends a proxy-signed JWT for the upstream', async () => {
    recorder.requests.length = 0;
    const res = await post(proxy.mcp, token, PING, {
      cookie: 'session=secret',
      'proxy-authorization': 'Basic c2VjcmV0',
      origin: 'http://localhost',
    });
    expect(res.status).toBe(200);
    const seen = recorder.requests[0];
    expect(seen).toBeDefined();
    const raw = Buffer.from(seen?.rawHeaders.join('\n') ?? '');
    expect(raw.includes(Buffer.from(token))).toBe(false);
    expect(seen?.headers.cookie).toBeUndefined();
    expect(seen?.headers['proxy-authorization']).toBeUndefined();
    expect(seen?.headers.origin).toBeUndefined();
    expect(seen?.body.toString()).toBe(PING);

    const identity = String(seen?.headers.authorization).replace(/^Bearer /, '');
    expect(identity).not.toBe(token);
    const keys = createRemoteJWKSet(new URL(`${proxy.url}/.well-known/jwks.json`));
    const { payload, protectedHeader } = await jwtVerify(identity, keys, {
      issuer: proxy.url,
      audience: recorder.url,
      typ: 'at+jwt',
      algorithms: ['ES256'],
    });
    const client = decodeJwt(token);
    expect(protectedHeader.kid).toBeTruthy();
    expect(payload).toMatchObject({
      sub: client.sub,
      client_id: client.client_id,
      scope: 'mcp:tools',
      act: { sub: proxy.url },
    });
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBeLessThanOrEqual(60);
    expect(payload.jti).toBeTruthy();
  });

  it('[PX-02] strips client-sent identity headers and sets its own in headers mode (header injection)', async () => {
    recorder.requests.length = 0;
    const res = await post(headersProxy.mcp, headersToken, PING, {
      'x-portcullis-subject': 'admin',
      'x-portcullis-scope': 'mcp:admin',
    });
    expect(res.status).toBe(200);
    const seen = recorder.requests[0]?.headers;
    expect(seen?.authorization).toBeUndefined();
    expect(seen?.['x-portcullis-subject']).toBe(decodeJwt(headersToken).sub);
    expect(seen?.['x-portcullis-scope']).toBe('mcp:tools');
    expect(seen?.['x-portcullis-client-id']).toBe(decodeJwt(headersToken).client_id);
    expect(seen?.['x-portcullis-issuer']).toBe(stack.idp.issuer);
    expect(
      (await fetch(`${headersProxy.url}/.well-known/jwks.json`).then((r) => r.json())) as unknown,
    ).toEqual({
      keys: [],
    });
  });

  it('[PX-02] forwards a JWT whose header names the key it publishes', async () => {
    const jwks = (await fetch(`${proxy.url}/.well-known/jwks.json`).then((r) => r.json())) as {
      keys: { kid: string; d?: string; alg: string }[];
    };
    const identity = String(recorder.requests.at(-1)?.headers.authorization ?? '');
    const { kid } = decodeProtectedHeader(identity.replace(/^Bearer /, '') || (await mintOne()));
    expect(jwks.keys.map((k) => k.kid)).toContain(kid);
    expect(jwks.keys.every((k) => k.d === undefined && k.alg === 'ES256')).toBe(true);
  });
});

/** A POST through node:http, which (unlike fetch) may send a `Connection` header. */
function nodePost(url: string, headers: Record<string, string>, body: string) {
  return new Promise<{ status: number; headers: IncomingHttpHeaders }>((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers }, (res) => {
      res.resume();
      res.once('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.once('error', reject);
    req.end(body);
  });
}

async function mintOne(): Promise<string> {
  recorder.requests.length = 0;
  await (await post(proxy.mcp, token, PING)).text();
  return String(recorder.requests[0]?.headers.authorization).replace(/^Bearer /, '');
}

describe('MCP headers and sessions', () => {
  it('forwards the MCP headers unchanged in both directions', async () => {
    recorder.requests.length = 0;
    recorder.behaviour = (_req, res) => {
      res
        .writeHead(200, {
          'content-type': 'application/json',
          'mcp-session-id': 'up-1',
          'mcp-protocol-version': '2025-11-25',
        })
        .end('{"jsonrpc":"2.0","id":1,"result":{}}');
    };
    const res = await modernCall(
      proxy.mcp,
      token,
      { method: 'tools/call', params: { name: 'hello-world', arguments: {} } },
      {
        'mcp-param-region': 'eu-west',
        'x-trace-id': 'abc',
        'x-not-forwarded': 'nope',
      },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('mcp-session-id')).toBe('up-1');
    expect(res.headers.get('mcp-protocol-version')).toBe('2025-11-25');
    const seen = recorder.requests[0]?.headers;
    expect(seen).toMatchObject({
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': 'tools/call',
      'mcp-name': 'hello-world',
      'mcp-param-region': 'eu-west',
      'x-trace-id': 'abc',
    });
    expect(seen?.['x-not-forwarded']).toBeUndefined();

    recorder.requests.length = 0;
    const get = await fetch(proxy.mcp, {
      headers: {
        authorization: `Bearer ${token}`,
        'mcp-session-id': 'up-1',
        'last-event-id': 'ev-41',
        accept: 'text/event-stream',
      },
    });
    expect(get.status).toBe(200);
    await get.body?.cancel();
    expect(recorder.requests[0]?.headers).toMatchObject({
      'mcp-session-id': 'up-1',
      'last-event-id': 'ev-41',
    });
    recorder.behaviour = jsonResult;
  });

  it('drops the headers a Connection header names, in both directions (hop-by-hop)', async () => {
    recorder.requests.length = 0;
    recorder.behaviour = (_req, res) => {
      res
        .writeHead(200, {
          'content-type': 'application/json',
          connection: 'keep-alive, x-internal-secret',
          'x-internal-secret': 's3cr3t',
          'x-kept': 'yes',
        })
        .end('{"jsonrpc":"2.0","id":7,"result":{}}');
    };
    const res = await nodePost(
      proxy.mcp,
      {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        connection: 'keep-alive, X-Trace-Id',
        'x-trace-id': 'abc',
        'mcp-param-region': 'eu-west',
      },
      PING,
    );
    expect(res.status).toBe(200);
    expect(res.headers['x-internal-secret']).toBeUndefined();
    expect(res.headers['x-kept']).toBe('yes');
    const seen = recorder.requests[0]?.headers;
    expect(seen?.['x-trace-id']).toBeUndefined();
    expect(seen?.['mcp-param-region']).toBe('eu-west');
    recorder.behaviour = jsonResult;
  });

  it('[PX-11 RS-22] a forged Mcp-Session-Id is refused with 404 and never reaches the upstream', async () => {
    recorder.requests.length = 0;
    const res = await post(proxy.mcp, token, PING, { 'mcp-session-id': 'somebody-elses-session' });
    expect(res.status).toBe(404);
    expect(await rpcError(res)).toBe(-32001);
    expect(recorder.requests).toHaveLength(0);
  });
});

describe('logging', () => {
  it('[PX-13 RS-30] logs one auth decision per MCP request and never a token', async () => {
    const identities = recorder.requests.map((r) => String(r.headers.authorization ?? ''));
    for (const p of [proxy, headersProxy]) {
      const text = p.logText();
      for (const secret of [token, headersToken, ...identities.filter((i) => i.length > 20)]) {
        expect(text.includes(secret.replace(/^Bearer /, ''))).toBe(false);
      }
    }
    const logs = proxy.logs();
    const decisions = logs.filter((l) => l.event === 'auth_decision');
    const perRequest = new Map<unknown, number>();
    for (const d of decisions) perRequest.set(d.reqId, (perRequest.get(d.reqId) ?? 0) + 1);
    expect([...perRequest.values()].every((n) => n === 1)).toBe(true);
    const mcpRequests = new Set(
      logs
        .filter((l) => (l.req as { url?: string } | undefined)?.url?.startsWith('/mcp'))
        .map((l) => l.reqId),
    );
    expect(perRequest.size).toBe(mcpRequests.size);
    const allow = decisions.find((d) => d.decision === 'allow');
    expect(allow).toMatchObject({
      clientId: decodeJwt(token).client_id,
      aud: proxy.mcp,
      scopes: ['mcp:tools'],
    });
    expect(String(allow?.tokenSha256)).toMatch(/^sha256:/);
    // The decision event is the MCP endpoint's access-log line: status and time to the response head, and no
    // `incoming request` / `request completed` lines of its own.
    expect(allow).toMatchObject({ status: 200, req: { method: 'POST', url: '/mcp' } });
    expect(typeof allow?.responseTime).toBe('number');
    const accessLines = logs.filter(
      (l) => mcpRequests.has(l.reqId) && (l.msg === 'request completed' || l.msg === 'incoming request'),
    );
    expect(accessLines).toEqual([]);
  });
});
