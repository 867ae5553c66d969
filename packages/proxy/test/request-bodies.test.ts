import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { PING, post } from './helpers/proxy.js';
import { useRecordedProxy } from './helpers/stacks.js';

// Bodies the proxy cannot check, and so does not forward: each answer says what to send instead.
const env = useRecordedProxy();

describe('request bodies the proxy does not take', () => {
  it('answers 415 naming application/json to a body of another media type', async () => {
    const res = await post(env.proxy.mcp, env.token, PING, { 'content-type': 'text/plain' });
    expect(res.status).toBe(415);
    expect(await res.json()).toMatchObject({
      error: {
        code: -32600,
        message: 'the request body must be JSON, sent with Content-Type: application/json',
      },
    });
  });

  it('answers 415 with Accept-Encoding: identity to a compressed body, which it could not check', async () => {
    const seen = env.stack.recorder.requests.length;
    const res = await fetch(env.proxy.mcp, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${env.token}`,
        'content-type': 'application/json',
        'content-encoding': 'gzip',
        accept: 'application/json, text/event-stream',
      },
      body: gzipSync(PING),
    });
    expect(res.status).toBe(415);
    expect(res.headers.get('accept-encoding')).toBe('identity');
    expect(await res.json()).toMatchObject({
      error: {
        code: -32600,
        message: 'Content-Encoding gzip is not accepted here; send the body uncompressed',
      },
    });
    expect(env.stack.recorder.requests.length).toBe(seen);
  });

  it('names the byte order mark when a JSON body starts with one', async () => {
    const res = await post(env.proxy.mcp, env.token, `\ufeff${PING}`);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      error: { code: -32700, message: expect.stringContaining('starts with a byte order mark') },
    });
  });
});
