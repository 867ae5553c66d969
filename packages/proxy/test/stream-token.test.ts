import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { type RunningIdp, startIdp } from '@portcullis/idp';
import { embeddedIdpToken, freePort, type LocalIssuer, startLocalIssuer } from '@portcullis/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProxyServer } from '../src/index.js';
import { modernCall, post, type RunningProxy, startProxy } from './helpers/proxy.js';
import { type RecordingUpstream, startRecordingUpstream } from './helpers/recording-upstream.js';
import { callText, startLocalIssuer as startStdioIssuer, startStdioProxy, until } from './stdio/stack.js';

// Streams live no longer than the token that opened them (options.streams): an SSE GET stream, a 2026-07-28
// subscriptions/listen stream and the 2024-11-05 SSE stream end when their token expires, while the answer
// to an ordinary request runs to its end. Tokens come from a local issuer, so their exp is seconds away.

let issuer: LocalIssuer;
let recorder: RecordingUpstream;
let proxy: RunningProxy;
let keeping: RunningProxy;
/** The upstream's open stream responses, in the order the requests came. */
const streams: ServerResponse[] = [];

const LONG_CALL_MS = 3_500;

beforeAll(async () => {
  issuer = await startLocalIssuer();
  recorder = await startRecordingUpstream();
  recorder.behaviour = (req, res, body) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    if (req.url?.startsWith('/sse') === true) res.write('event: endpoint\ndata: /messages?sessionId=s1\n\n');
    else res.write(': open\n\n');
    const method = body.length === 0 ? undefined : (JSON.parse(String(body)) as { method?: string }).method;
    if (method === 'tools/call') {
      // A long call: its result comes after the token that asked for it has expired.
      setTimeout(
        () => res.end('event: message\ndata: {"jsonrpc":"2.0","id":1,"result":{"done":true}}\n\n'),
        LONG_CALL_MS,
      );
      return;
    }
    streams.push(res);
  };
  const idp = { issuer: issuer.issuer, jwksUri: issuer.jwksUri, clockToleranceSec: 0 };
  const upstream = { url: recorder.url, legacySse: { enabled: true } };
  proxy = await startProxy(await freePort(), { idp, upstream });
  keeping = await startProxy(await freePort(), { idp, upstream, streams: { endAtTokenExpiry: false } });
});
afterAll(async () => {
  await Promise.all([proxy?.close(), keeping?.close()]);
  await recorder?.close();
  await issuer?.close();
});

/** A token for `target`'s MCP endpoint that expires in `seconds` (2: between 1 and 2 s from now). */
function tokenFor(target: RunningProxy, seconds: number): Promise<string> {
  return issuer.sign(target.mcp, { exp: Math.floor(Date.now() / 1000) + seconds });
}

function openGet(url: string, token: string): Promise<Response> {
  return fetch(url, {
    headers: {
      accept: 'text/event-stream',
      'mcp-protocol-version': '2025-11-25',
      authorization: `Bearer ${token}`,
    },
  });
}

/** Everything the response still delivers, as text, once it ends. */
async function readToEnd(res: Response): Promise<string> {
  return await res.text();
}

/** Read `res` until its text contains `marker`; the reader stays usable. */
async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, marker: string): Promise<string> {
  let text = '';
  while (!text.includes(marker)) {
    const chunk = await reader.read();
    if (chunk.done) throw new Error(`the stream ended before ${marker}`);
    text += new TextDecoder().decode(chunk.value);
  }
  return text;
}

function metric(target: RunningProxy, reason: string): Promise<number> {
  return target.app
    .inject({ method: 'GET', url: '/metrics' })
    .then((res) =>
      Number(
        new RegExp(`portcullis_proxy_streams_ended_total\\{reason="${reason}"\\} (\\d+)`).exec(
          res.body,
        )?.[1] ?? 0,
      ),
    );
}

describe('streams end with the token that opened them (streams.endAtTokenExpiry)', () => {
  it('[RS-12 RS-21] an SSE GET stream ends when its token expires; one opened with a longer token stays open', async () => {
    const before = await metric(proxy, 'token_expired');
    const [short, long] = [await tokenFor(proxy, 2), await tokenFor(proxy, 300)];
    const shortRes = await openGet(proxy.mcp, short);
    expect(shortRes.status).toBe(200);
    const upstreamShort = streams.at(-1) as ServerResponse;
    const longRes = await openGet(proxy.mcp, long);
    expect(longRes.status).toBe(200);
    const upstreamLong = streams.at(-1) as ServerResponse;
    const upstreamClosed = new Promise<void>((resolve) => upstreamShort.once('close', resolve));

    expect(await readToEnd(shortRes)).toContain(': open');
    await upstreamClosed; // the upstream request was ended too
    expect(await metric(proxy, 'token_expired')).toBe(before + 1);
    const line = proxy.logs().find((l) => l.msg === 'stream ended: the token that opened it expired');
    expect(line).toMatchObject({ reason: 'token_expired' });
    expect(proxy.logText()).not.toContain(short);

    // The other stream is still open: an event the upstream sends now reaches its client.
    const reader = (longRes.body as ReadableStream<Uint8Array>).getReader();
    await readUntil(reader, ': open');
    upstreamLong.write(
      'event: message\ndata: {"jsonrpc":"2.0","method":"notifications/tools/list_changed"}\n\n',
    );
    expect(await readUntil(reader, 'list_changed')).toContain('list_changed');
    await reader.cancel();
    // After the end, a reconnection with the expired token is refused: the client has to refresh it.
    const again = await openGet(proxy.mcp, short);
    expect(again.status).toBe(401);
    expect(again.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
  });

  it('[RS-12] a 2026-07-28 subscriptions/listen stream ends when its token expires', async () => {
    const res = await modernCall(proxy.mcp, await tokenFor(proxy, 2), {
      method: 'subscriptions/listen',
      params: { notifications: { toolsListChanged: true } },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    expect(await readToEnd(res)).toContain(': open');
  });

  it('[RS-12] a batch holding a listen request is watched too: its stream ends when the token expires', async () => {
    const batch = [
      { jsonrpc: '2.0', id: 1, method: 'ping' },
      {
        jsonrpc: '2.0',
        id: 2,
        method: 'subscriptions/listen',
        params: { notifications: { toolsListChanged: true } },
      },
    ];
    const res = await post(proxy.mcp, await tokenFor(proxy, 2), JSON.stringify(batch));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    expect(await readToEnd(res)).toContain(': open');
  });

  it('[RS-12] the 2024-11-05 SSE stream ends when its token expires', async () => {
    const res = await fetch(`${proxy.url}/sse`, {
      headers: { accept: 'text/event-stream', authorization: `Bearer ${await tokenFor(proxy, 2)}` },
    });
    expect(res.status).toBe(200);
    expect(await readToEnd(res)).toContain(`${proxy.url}/messages?sessionId=`);
  });

  it('the streamed answer to an ordinary request runs to its end after its token expired (its result is not lost)', async () => {
    const token = await tokenFor(proxy, 1);
    const res = await post(
      proxy.mcp,
      token,
      JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'slow', arguments: {} },
      }),
      { 'mcp-protocol-version': '2025-11-25' },
    );
    expect(res.status).toBe(200);
    const text = await readToEnd(res);
    expect(text).toContain('"done":true');
    // The call took longer than the token lived (exp at most 1 s away, the answer after 3.5 s).
    expect(Date.now() / 1000).toBeGreaterThan(JSON.parse(atob(token.split('.')[1] as string)).exp);
  });

  it('with endAtTokenExpiry: false a stream outlives its token', async () => {
    const token = await tokenFor(keeping, 1);
    const res = await openGet(keeping.mcp, token);
    expect(res.status).toBe(200);
    const upstreamStream = streams.at(-1) as ServerResponse;
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    await readUntil(reader, ': open');
    const exp = JSON.parse(atob(token.split('.')[1] as string)).exp as number;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, exp * 1000 - Date.now()) + 300));
    upstreamStream.write('event: message\ndata: {"late":true}\n\n');
    expect(await readUntil(reader, '"late":true')).toContain('"late":true');
    await reader.cancel();
    expect(await metric(keeping, 'token_expired')).toBe(0);
  });
});

describe('streams end when the IdP no longer finds their token active (streams.recheckMs)', () => {
  const introspector = { clientId: 'portcullis-proxy', clientSecret: 'proxy-introspection-secret-0123' };
  let idp: RunningIdp;
  let checking: RunningProxy;

  beforeAll(async () => {
    const port = await freePort();
    idp = await startIdp(
      {
        resources: [
          { uri: `http://localhost:${port}/mcp`, scopes: ['mcp:tools'], accessTokenFormat: 'opaque' },
        ],
        users: [{ username: 'joe', password: 'joe-pass' }],
        introspectors: [introspector],
      },
      { logger: { warn: () => {}, error: () => {} } },
    );
    checking = await startProxy(port, {
      idp: {
        issuer: idp.issuer,
        jwksUri: `${idp.issuer}/jwks`,
        introspection: { endpoint: `${idp.issuer}/token/introspection`, ...introspector, cacheMaxTtlMs: 0 },
      },
      upstream: { url: recorder.url },
      streams: { recheckMs: 1000 },
    });
  });
  afterAll(async () => {
    await checking?.close();
    await idp?.close();
  });

  function opaqueToken() {
    return embeddedIdpToken(idp.issuer, {
      resource: checking.mcp,
      scope: 'mcp:tools',
      username: 'joe',
      password: 'joe-pass',
    });
  }

  it('[PX-08] an SSE GET stream ends once its token is revoked at the IdP; a stream with a good token stays open', async () => {
    const [revoked, kept] = [await opaqueToken(), await opaqueToken()];
    const res = await openGet(checking.mcp, revoked.accessToken);
    expect(res.status).toBe(200);
    const other = await openGet(checking.mcp, kept.accessToken);
    expect(other.status).toBe(200);
    const upstreamKept = streams.at(-1) as ServerResponse;

    const revocation = await fetch(`${idp.issuer}/token/revocation`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: revoked.accessToken, client_id: revoked.clientId }),
    });
    expect(revocation.status).toBe(200);
    expect(await readToEnd(res)).toContain(': open');
    expect(await metric(checking, 'token_inactive')).toBe(1);
    expect(checking.logs().find((l) => l.reason === 'token_inactive')?.msg).toBe(
      'stream ended: the IdP no longer finds the token that opened it active',
    );

    // The stream with the good token went through the same rechecks and is still open.
    const reader = (other.body as ReadableStream<Uint8Array>).getReader();
    await readUntil(reader, ': open');
    upstreamKept.write('event: message\ndata: {"still":true}\n\n');
    expect(await readUntil(reader, '"still":true')).toContain('"still":true');
    await reader.cancel();
    expect(checking.logText()).not.toContain(revoked.accessToken);
    expect(checking.logText()).not.toContain(introspector.clientSecret);
  });
});

describe('audit mends: non-SSE GET streams, checks that never overlap, no clock tolerance with introspection', () => {
  // A stand-in RFC 7662 endpoint (the proxy is its client): it vouches for every token, as slowly as told, and
  // counts how many checks of one token are in flight at once.
  let answerAfterMs = 0;
  let inFlight = 0;
  let mostInFlight = 0;
  let checks = 0;
  let introspector: Server;
  let checked: RunningProxy;

  beforeAll(async () => {
    introspector = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      req.on('end', () => {
        const token = new URLSearchParams(body).get('token') ?? '';
        const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as Record<
          string,
          unknown
        >;
        checks += 1;
        inFlight += 1;
        mostInFlight = Math.max(mostInFlight, inFlight);
        setTimeout(() => {
          inFlight -= 1;
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ active: true, ...claims }));
        }, answerAfterMs);
      });
    });
    await new Promise<void>((resolve) => introspector.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(introspector.address() as AddressInfo).port}/introspect`;
    checked = await startProxy(await freePort(), {
      idp: {
        issuer: issuer.issuer,
        jwksUri: issuer.jwksUri,
        // Far longer than the tests: a stream that waited for it would time them out.
        clockToleranceSec: 120,
        introspection: {
          endpoint,
          clientId: 'proxy',
          clientSecret: 'proxy-secret',
          cacheMaxTtlMs: 0,
          timeoutMs: 10_000,
        },
      },
      upstream: { url: recorder.url },
      streams: { recheckMs: 1000 },
    });
  });
  afterAll(async () => {
    await checked?.close();
    await new Promise((resolve) => introspector?.close(resolve));
  });

  it('[RS-12] with introspection, a stream ends at its exp: the IdP refuses the token from then on, whatever the clock tolerance', async () => {
    answerAfterMs = 0;
    const res = await openGet(checked.mcp, await tokenFor(checked, 2));
    expect(res.status).toBe(200);
    expect(await readToEnd(res)).toContain(': open');
    expect(checked.logs().some((l) => l.reason === 'token_expired')).toBe(true);
  });

  it('[PX-08] a slow IdP never has two checks of one stream in flight at once', async () => {
    answerAfterMs = 2_500;
    const res = await openGet(checked.mcp, await tokenFor(checked, 300));
    expect(res.status).toBe(200);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    await readUntil(reader, ': open');
    mostInFlight = 0;
    const before = checks;
    // With a check every 1000 ms and each taking 2500 ms, overlapping checks would pile up to three.
    while (checks < before + 2) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(mostInFlight).toBe(1);
    await reader.cancel();
    answerAfterMs = 0;
  });

  it('[RS-12] a GET the upstream answers with another streamed media type ends when its token expires too', async () => {
    const previous = recorder.behaviour;
    recorder.behaviour = (req, res, body) => {
      if (req.method !== 'GET') return previous(req, res, body);
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      const tick = setInterval(() => res.write('{"tick":true}\n'), 100);
      res.once('close', () => clearInterval(tick));
    };
    try {
      const res = await openGet(proxy.mcp, await tokenFor(proxy, 2));
      expect(res.status).toBe(200);
      expect(await readToEnd(res)).toContain('"tick":true');
    } finally {
      recorder.behaviour = previous;
    }
  });
});

describe('options.streams', () => {
  it('refuses a recheck interval under one second or over a day, naming the option', () => {
    expect(() =>
      createProxyServer({
        publicUrl: 'http://localhost:9',
        idp: { issuer: issuer.issuer, jwksUri: issuer.jwksUri },
        upstream: { url: recorder.url },
        streams: { recheckMs: 500 },
      }),
    ).toThrow(/streams\.recheckMs must be 0 \(never\) or from 1000 ms to 86400000 ms \(24 h\)/);
    expect(() =>
      createProxyServer({
        publicUrl: 'http://localhost:9',
        idp: { issuer: issuer.issuer, jwksUri: issuer.jwksUri },
        upstream: { url: recorder.url },
        // Past a Node.js timer's longest wait, a timer would fire after 1 ms instead: a check every millisecond.
        streams: { recheckMs: 30 * 86_400_000 },
      }),
    ).toThrow(/streams\.recheckMs must be 0 \(never\) or from 1000 ms to 86400000 ms/);
  });
});

describe('an SDK client reconnects a stream the proxy ended, with a fresh token', () => {
  it("[RS-12 RS-21] after the proxy ends a 2025-11-25 session's GET stream at expiry, the SDK client opens it again with a fresh token and the session goes on", async () => {
    const stdioIssuer = await startStdioIssuer();
    const stdio = await startStdioProxy(stdioIssuer, {}, { clockToleranceSec: 0 });
    const minted: string[] = [];
    const client = new Client({ name: 'stream-token-test', version: '1.0.0' });
    // Every request asks for a token; each lives 2 s at most (its exp is whole seconds), as if refreshed.
    const transport = new StreamableHTTPClientTransport(new URL(stdio.mcp), {
      authProvider: {
        token: async () => {
          minted.push(await stdioIssuer.tokenExpiringIn(stdio.mcp, 'reconnecting-joe', 2));
          return minted.at(-1) as string;
        },
      },
    });
    try {
      await client.connect(transport);
      const changes: unknown[] = [];
      client.setNotificationHandler('notifications/tools/list_changed', () => {
        changes.push(true);
      });
      const gets = () =>
        stdio
          .logText()
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as Record<string, unknown>)
          .filter((line) => line.event === 'auth_decision' && line.method === 'GET');
      await until(() => stdio.logText().includes('"reason":"token_expired"'), 10_000);
      // The client opens its GET stream again (after its reconnection delay), with a token minted since.
      await until(() => gets().length >= 2, 10_000);
      const [first, second] = gets();
      expect(second).toMatchObject({ decision: 'allow', status: 200, subject: 'reconnecting-joe' });
      expect(second?.tokenSha256).not.toBe(first?.tokenSha256);
      // The session is intact: calls go on, and the child's list change reaches the client.
      await callText(client, 'add-tool');
      await until(() => changes.length === 1, 10_000);
    } finally {
      await client.close();
      await stdio.close();
      await stdioIssuer.close();
    }
  });
  it('[RS-12] a 2026-07-28 listen stream the proxy ended at expiry closes the SDK subscription; listening again with a fresh token works', async () => {
    const stdioIssuer = await startStdioIssuer();
    const stdio = await startStdioProxy(stdioIssuer, {}, { clockToleranceSec: 0 });
    const client = new Client(
      { name: 'stream-token-test', version: '1.0.0' },
      { versionNegotiation: { mode: { pin: '2026-07-28' } } },
    );
    const transport = new StreamableHTTPClientTransport(new URL(stdio.mcp), {
      authProvider: { token: () => stdioIssuer.tokenExpiringIn(stdio.mcp, 'relistening-joe', lifetime) },
    });
    let lifetime = 2;
    try {
      await client.connect(transport);
      const changes: unknown[] = [];
      client.setNotificationHandler('notifications/tools/list_changed', () => {
        changes.push(true);
      });
      const first = await client.listen({ toolsListChanged: true });
      // The SDK does not listen again by itself: the subscription reports the server's end as 'remote'.
      expect(await first.closed).toBe('remote');
      expect(stdio.logText()).toContain('stream ended: the token that opened it expired');
      lifetime = 300; // the refreshed token
      const second = await client.listen({ toolsListChanged: true });
      await callText(client, 'add-tool');
      await until(() => changes.length === 1, 10_000);
      await second.close();
    } finally {
      await client.close();
      await stdio.close();
      await stdioIssuer.close();
    }
  });
});
