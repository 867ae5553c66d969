import { describe, expect, it } from 'vitest';
import { InvalidProxyOptionsError, resolveOptions } from '../src/index.js';
import { httpUpstreamOf } from '../src/options.js';

const base = {
  idp: { issuer: 'http://127.0.0.1:8080', jwksUri: 'http://127.0.0.1:8080/jwks' },
};

describe('upstream.legacySse options', () => {
  it('is off by default, with /sse and /messages', () => {
    const options = resolveOptions({ ...base, upstream: { url: 'http://127.0.0.1:3030/mcp' } });
    expect(httpUpstreamOf(options).legacySse).toEqual({
      enabled: false,
      ssePath: '/sse',
      messagesPath: '/messages',
    });
  });

  it('takes other paths and refuses one that is not a path', () => {
    const legacySse = { enabled: true, ssePath: '/events', messagesPath: '/rpc' };
    const options = resolveOptions({ ...base, upstream: { url: 'http://127.0.0.1:3030/mcp', legacySse } });
    expect(httpUpstreamOf(options).legacySse).toEqual(legacySse);
    const bad = {
      ...base,
      upstream: { url: 'http://127.0.0.1:3030/mcp', legacySse: { ssePath: 'sse?x=1' } },
    };
    expect(() => resolveOptions(bad)).toThrow(InvalidProxyOptionsError);
    expect(() => resolveOptions(bad)).toThrow(/upstream\.legacySse\.ssePath must be a path starting with \//);
  });
});
