import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redactUrl, tokenFingerprint } from '../src/index.js';
import { type JwksHost, makeKey, signToken, startJwksHost, type TestKey } from './helpers/keys.js';
import { modernRequest, type RunningServer, startResourceServer } from './helpers/server.js';

let key: TestKey;
let jwks: JwksHost;
let rs: RunningServer;

beforeAll(async () => {
  key = await makeKey();
  jwks = await startJwksHost([key.publicJwk]);
  rs = await startResourceServer(jwks.url);
});
afterAll(async () => {
  await rs.close();
  await jwks.close();
});

describe('tokens never reach the logs', () => {
  it('[RS-30] logs fingerprints only, for accepted, rejected, query and step-up requests', async () => {
    const good = await signToken(rs.resource, { key });
    const expired = await signToken(rs.resource, { key, expiresIn: -60 });
    const foreign = await signToken('https://other.test/mcp', { key });
    const tokens = [good, expired, foreign];
    const { body, headers } = modernRequest('tools/call', { name: 'echo', arguments: { text: 'x' } });
    const admin = modernRequest('tools/call', { name: 'admin-op', arguments: {} });
    for (const token of tokens) {
      await (
        await fetch(`${rs.origin}/mcp`, {
          method: 'POST',
          headers: { ...headers, authorization: `Bearer ${token}` },
          body: JSON.stringify(body),
        })
      ).text();
      await (
        await fetch(`${rs.origin}/mcp?access_token=${token}`, {
          method: 'POST',
          headers,
          body: JSON.stringify(body),
        })
      ).text();
    }
    const stepUp = await fetch(`${rs.origin}/mcp`, {
      method: 'POST',
      headers: { ...admin.headers, authorization: `Bearer ${good}` },
      body: JSON.stringify(admin.body),
    });
    expect(stepUp.status).toBe(403);
    const output = rs.logs.join('');
    expect(output.length).toBeGreaterThan(0);
    for (const token of tokens) {
      expect(output).not.toContain(token);
      expect(output).not.toContain(token.split('.')[2]);
    }
    expect(output).toContain(tokenFingerprint(good));
    expect(output).toContain('access_token=[REDACTED]');
    expect(output).toContain('"decision":"allow"');
    expect(output).toContain('"reason":"insufficient_scope"');
    expect(output).toContain('"reason":"invalid_token"');
  });

  it('[RS-29 RS-30] hands tool handlers a fingerprint instead of the token, so it cannot be passed on', async () => {
    const token = await signToken(rs.resource, { key });
    const { body, headers } = modernRequest('tools/call', { name: 'echo', arguments: { text: 'x' } });
    const response = await fetch(`${rs.origin}/mcp`, {
      method: 'POST',
      headers: { ...headers, authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    expect(text).not.toContain(token);
    expect(text).toContain(tokenFingerprint(token));
  });

  it('redacts secret query parameters from URLs', () => {
    expect(redactUrl('/mcp?a=1&access_token=abc&code=x')).toBe(
      '/mcp?a=1&access_token=[REDACTED]&code=[REDACTED]',
    );
  });
});
