import { setTimeout as sleep } from 'node:timers/promises';
import { parseBearerChallenge } from '@portcullis/metadata';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PING, post, type RunningProxy } from './helpers/proxy.js';
import { jsonResult, type RecordingUpstream } from './helpers/recording-upstream.js';
import { type RecordedStack, startRecordedStack } from './helpers/stacks.js';

// What the proxy makes of the upstream's answer before anything reaches the client: its auth challenges, the
// session ids it issues, and its response headers next to the proxy's own.
let stack: RecordedStack;
let recorder: RecordingUpstream;
let proxy: RunningProxy;
let token: string;

beforeAll(async () => {
  stack = await startRecordedStack({
    main: (url) => ({ upstream: { url }, cors: { origins: ['http://localhost:6274'] } }),
  });
  ({ recorder } = stack);
  proxy = stack.proxies.main as RunningProxy;
  token = String(stack.tokens.main);
});
afterEach(() => {
  recorder.behaviour = jsonResult;
});
afterAll(async () => {
  await stack?.close();
});

async function until(check: () => boolean | Promise<boolean>, ms = 3_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await sleep(20);
  }
  return check();
}

async function decisionCount(decision: string, reason: string): Promise<number> {
  const text = await (await fetch(`${proxy.url}/metrics`)).text();
  const labels = `decision="${decision}",reason="${reason}"`;
  return Number(
    new RegExp(`^portcullis_proxy_auth_decisions_total\\{${labels}\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0,
  );
}

describe('upstream auth answers', () => {
  it("[RS-16 PX-01] turns an upstream insufficient_scope challenge into the proxy's own step-up challenge", async () => {
    recorder.behaviour = (_req, res) => {
      res
        .writeHead(403, {
          'content-type': 'application/json',
          'www-authenticate':
            'Bearer error="insufficient_scope", scope="mcp:tools mcp:special", resource_metadata="http://127.0.0.1:1/.well-known/oauth-protected-resource/mcp"',
        })
        .end('{"error":"insufficient_scope"}');
    };
    const res = await post(proxy.mcp, token, PING);
    expect(res.status).toBe(403);
    const challenge = parseBearerChallenge(res.headers.get('www-authenticate') ?? '');
    expect(challenge).toMatchObject({
      error: 'insufficient_scope',
      scope: 'mcp:tools mcp:special',
      resource_metadata: `${proxy.url}/.well-known/oauth-protected-resource/mcp`,
    });
  });

  it("[RS-16] records the upstream's insufficient_scope as a deny, in the decision log and the metric", async () => {
    recorder.behaviour = (_req, res) => {
      res
        .writeHead(403, { 'www-authenticate': 'Bearer error="insufficient_scope", scope="mcp:special"' })
        .end();
    };
    const [allowed, denied] = [
      await decisionCount('allow', 'scopes_satisfied'),
      await decisionCount('deny', 'insufficient_scope'),
    ];
    const seen = proxy.logs().length;
    const res = await post(proxy.mcp, token, PING);
    expect(res.status).toBe(403);
    await res.text();
    const logged = () =>
      proxy
        .logs()
        .slice(seen)
        .filter((l) => l.event === 'auth_decision');
    expect(await until(() => logged().length > 0)).toBe(true);
    expect(logged()).toEqual([expect.objectContaining({ decision: 'deny', reason: 'insufficient_scope' })]);
    expect(await decisionCount('deny', 'insufficient_scope')).toBe(denied + 1);
    expect(await decisionCount('allow', 'scopes_satisfied')).toBe(allowed);
  });

  it('[PX-02] answers 502 when the upstream refuses the forwarded identity, without passing its challenge on', async () => {
    recorder.behaviour = (_req, res) => {
      res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"' }).end();
    };
    const res = await post(proxy.mcp, token, PING);
    expect(res.status).toBe(502);
    expect(res.headers.get('www-authenticate')).toBeNull();
  });
});

describe('upstream sessions and headers', () => {
  it('[PX-11] answers 502 and ends the upstream stream when the upstream issues an unusable session id', async () => {
    let upstreamClosed = false;
    recorder.behaviour = (req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'mcp-session-id': 'y'.repeat(2000) });
      res.write(': open\n\n');
      req.socket.once('close', () => {
        upstreamClosed = true;
      });
    };
    const res = await post(proxy.mcp, token, PING);
    expect(res.status).toBe(502);
    expect(await res.json()).toMatchObject({
      error: { code: -32000, message: expect.stringContaining('session id the proxy cannot use') },
    });
    expect(await until(() => upstreamClosed)).toBe(true);
    expect(proxy.logs()).toContainEqual(
      expect.objectContaining({ level: 50, msg: 'upstream issued an unusable session id' }),
    );
  });

  it('[RS-23 PX-11] answers 502 to an upstream session id with characters outside visible ASCII', async () => {
    for (const issued of ['a b', 'a\tb', 'caf\xe9']) {
      recorder.behaviour = (_req, res) => {
        res.setHeader('mcp-session-id', issued);
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end('{"jsonrpc":"2.0","id":7,"result":{}}');
      };
      const res = await post(proxy.mcp, token, PING);
      expect(res.status).toBe(502);
      expect(res.headers.get('mcp-session-id')).toBeNull();
      expect(await res.json()).toMatchObject({
        error: { code: -32000, message: expect.stringContaining('visible ASCII') },
      });
    }
  });

  it('merges an upstream Vary into the Vary: Origin of an origin-specific CORS answer', async () => {
    recorder.behaviour = (_req, res) => {
      res
        .writeHead(200, { 'content-type': 'application/json', vary: 'Accept-Encoding, origin' })
        .end('{"jsonrpc":"2.0","id":7,"result":{}}');
    };
    const res = await post(proxy.mcp, token, PING, { origin: 'http://localhost:6274' });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('http://localhost:6274');
    expect(res.headers.get('vary')).toBe('Origin, Accept-Encoding');
  });

  it("drops the upstream's policies for the proxy's origin: cookies, HSTS, Clear-Site-Data, Alt-Svc", async () => {
    recorder.behaviour = (_req, res) => {
      res
        .writeHead(200, {
          'content-type': 'application/json',
          'set-cookie': 'upstream=1; Path=/',
          'strict-transport-security': 'max-age=63072000; includeSubDomains',
          'clear-site-data': '"cookies"',
          'alt-svc': 'h2=":8443"',
          'x-upstream': 'kept',
        })
        .end('{"jsonrpc":"2.0","id":7,"result":{}}');
    };
    const res = await post(proxy.mcp, token, PING);
    expect(res.status).toBe(200);
    for (const name of ['set-cookie', 'strict-transport-security', 'clear-site-data', 'alt-svc']) {
      expect(res.headers.get(name)).toBeNull();
    }
    expect(res.headers.get('x-upstream')).toBe('kept');
  });
});
