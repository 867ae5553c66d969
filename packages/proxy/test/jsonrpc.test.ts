import { describe, expect, it } from 'vitest';
import { headerMismatch, readMcpBody } from '../src/index.js';
import { repeatedKey } from '../src/json-keys.js';

const meta = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28' };
const call = readMcpBody({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: { name: 'get weather ☀', _meta: meta },
});

describe('JSON-RPC body and mirrored headers', () => {
  it('reads single messages and batches, refusing what is not JSON-RPC 2.0', () => {
    expect(call?.modernVersion).toBe('2026-07-28');
    expect(readMcpBody([{ jsonrpc: '2.0', method: 'ping', id: 1 }])?.batch).toBe(true);
    expect(readMcpBody({ jsonrpc: '2.0', id: 1, result: {} })?.messages).toHaveLength(1);
    for (const bad of [
      null,
      1,
      'x',
      [],
      {},
      { jsonrpc: '2.0' },
      { jsonrpc: '2.0', method: 'x', params: 3 },
    ]) {
      expect(readMcpBody(bad)).toBeUndefined();
    }
  });

  it('[PX-10 RS-28] requires MCP-Protocol-Version, Mcp-Method and Mcp-Name to match a 2026-07-28 body', () => {
    if (call === undefined) throw new Error('unreadable');
    const name = `=?base64?${Buffer.from('get weather ☀').toString('base64')}?=`;
    const good = { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': name };
    expect(headerMismatch(good, call)).toBeUndefined();
    expect(headerMismatch({ ...good, 'mcp-protocol-version': '2025-11-25' }, call)).toMatch(
      /MCP-Protocol-Version/,
    );
    expect(headerMismatch({ ...good, 'mcp-method': undefined }, call)).toMatch(
      /Mcp-Method header is required/,
    );
    expect(headerMismatch({ ...good, 'mcp-method': 'tools/list' }, call)).toMatch(/Mcp-Method/);
    expect(headerMismatch({ ...good, 'mcp-name': 'other' }, call)).toMatch(/Mcp-Name/);
    expect(headerMismatch({ ...good, 'mcp-name': undefined }, call)).toMatch(/Mcp-Name/);
  });

  it('[PX-10 RS-28] names a missing MCP-Protocol-Version under a 2026-07-28 _meta as missing, not as a mismatch', () => {
    if (call === undefined) throw new Error('unreadable');
    const headers = { 'mcp-method': 'tools/call', 'mcp-name': 'get weather ☀' };
    for (const missing of [headers, { ...headers, 'mcp-protocol-version': '' }]) {
      expect(headerMismatch(missing, call)).toBe(
        'the MCP-Protocol-Version header is missing; a body with _meta["io.modelcontextprotocol/protocolVersion"] needs the header with the same version (MCP-Protocol-Version: 2026-07-28)',
      );
    }
  });

  it('[PX-10] checks a present Mcp-Method on 2025-era bodies too, and never trusts it for a batch', () => {
    const ping = readMcpBody({ jsonrpc: '2.0', id: 1, method: 'ping' });
    const batch = readMcpBody([{ jsonrpc: '2.0', id: 1, method: 'ping' }]);
    if (ping === undefined || batch === undefined) throw new Error('unreadable');
    expect(headerMismatch({}, ping)).toBeUndefined();
    expect(headerMismatch({ 'mcp-method': 'ping' }, ping)).toBeUndefined();
    expect(headerMismatch({ 'mcp-method': 'tools/list' }, ping)).toMatch(/Mcp-Method/);
    expect(headerMismatch({ 'mcp-method': 'ping' }, batch)).toMatch(/Mcp-Method/);
  });

  it('[PX-10 RS-28] treats a request as 2026-07-28 when the MCP-Protocol-Version header says so, even without _meta', () => {
    const bare = readMcpBody({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'dangerous' } });
    if (bare === undefined) throw new Error('unreadable');
    const modern = {
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': 'tools/call',
      'mcp-name': 'harmless',
    };
    expect(headerMismatch(modern, bare)).toMatch(
      /requires _meta\["io\.modelcontextprotocol\/protocolVersion"\]/,
    );
    expect(headerMismatch({ ...modern, 'mcp-name': 'dangerous' }, bare)).toMatch(/requires _meta/);
    expect(headerMismatch({ ...modern, 'mcp-protocol-version': '2025-11-25' }, bare)).toBeUndefined();
  });

  it('[PX-10 RS-28] refuses a batch under a 2026-07-28 MCP-Protocol-Version: one message per request', () => {
    const batch = readMcpBody([
      { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'dangerous', _meta: meta } },
    ]);
    if (batch === undefined) throw new Error('unreadable');
    expect(headerMismatch({ 'mcp-protocol-version': '2026-07-28', 'mcp-name': 'harmless' }, batch)).toMatch(
      /one JSON-RPC message per request, not a batch/,
    );
    const plain = readMcpBody([
      { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'dangerous' } },
    ]);
    if (plain === undefined) throw new Error('unreadable');
    expect(headerMismatch({ 'mcp-protocol-version': '2025-11-25' }, plain)).toBeUndefined();
  });

  it('[PX-10 RS-28] refuses a batch whose element declares 2026-07-28 in _meta as if the header said so', () => {
    const batch = readMcpBody([
      { jsonrpc: '2.0', id: 1, method: 'ping' },
      { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'dangerous', _meta: meta } },
    ]);
    if (batch === undefined) throw new Error('unreadable');
    const header = { 'mcp-protocol-version': '2026-07-28' };
    const refusal = 'MCP-Protocol-Version 2026-07-28 allows one JSON-RPC message per request, not a batch';
    expect(headerMismatch(header, batch)).toBe(refusal);
    expect(headerMismatch({}, batch)).toBe(refusal);
    expect(headerMismatch({ 'mcp-protocol-version': '2025-11-25' }, batch)).toBe(refusal);
    expect(headerMismatch({ 'mcp-method': 'tools/call' }, batch)).toBe(refusal);
  });

  it('[PX-10 RS-28] names the batch, not Mcp-Method, as the problem of a 2026-07-28 batch carrying Mcp-Method', () => {
    const batch = readMcpBody([{ jsonrpc: '2.0', id: 1, method: 'ping' }]);
    if (batch === undefined) throw new Error('unreadable');
    const headers = { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'ping' };
    expect(headerMismatch(headers, batch)).toMatch(/one JSON-RPC message per request, not a batch/);
    expect(headerMismatch({ 'mcp-method': 'ping' }, batch)).toMatch(/Mcp-Method header does not match/);
  });

  it('[PX-10] decodes the =?base64?…?= sentinel in Mcp-Name only, never in Mcp-Method or MCP-Protocol-Version', () => {
    if (call === undefined) throw new Error('unreadable');
    const b64 = (v: string) => `=?base64?${Buffer.from(v).toString('base64')}?=`;
    const good = {
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': 'tools/call',
      'mcp-name': b64('get weather ☀'),
    };
    expect(headerMismatch(good, call)).toBeUndefined();
    expect(headerMismatch({ ...good, 'mcp-method': b64('tools/call') }, call)).toMatch(/Mcp-Method/);
    expect(headerMismatch({ ...good, 'mcp-protocol-version': b64('2026-07-28') }, call)).toMatch(
      /MCP-Protocol-Version/,
    );
  });

  it('[PX-10] does not let a sentinel that is not UTF-8 match a body name of U+FFFD', () => {
    const replacement = readMcpBody({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: '\ufffd', _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28' } },
    });
    if (replacement === undefined) throw new Error('unreadable');
    const headers = { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call' };
    expect(headerMismatch({ ...headers, 'mcp-name': '=?base64?/w==?=' }, replacement)).toMatch(/Mcp-Name/);
    const encoded = `=?base64?${Buffer.from('\ufffd').toString('base64')}?=`;
    expect(headerMismatch({ ...headers, 'mcp-name': encoded }, replacement)).toBeUndefined();
  });
});

describe('repeated keys in a body', () => {
  it('finds a key an object repeats at any depth by its decoded value, and none in other objects or strings', () => {
    const bypass =
      '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"admin-stats","arguments":{},"name":"hello-world"}}';
    expect(repeatedKey(bypass)).toBe('name');
    expect(repeatedKey('{"a":1,"\\u0061":2}')).toBe('a');
    expect(repeatedKey('{"a\\"b":1,"a\\u0022b":2}')).toBe('a"b');
    expect(repeatedKey('{"":1,"":2}')).toBe('');
    expect(repeatedKey('{"a":[1,{"b":2}],"c":{},"a":3}')).toBe('a');
    expect(repeatedKey('[1,{"x":{"y":[{"k":1,"k":2}]}}]')).toBe('k');
    for (const distinct of [
      '{"a":1,"b":2}',
      '[{"a":1},{"a":2}]',
      '{"a":{"a":{"a":1}}}',
      '{"k":"a","a":"k"}',
      '{"x":"{\\"a\\":1,\\"a\\":2}","y":["a","a"]}',
      '{"a\\\\":1,"a":2}',
      '{"a\\"":1,"a":2}',
      '"a"',
      '[]',
    ]) {
      expect(repeatedKey(distinct)).toBeUndefined();
    }
  });

  it('scans bodies nested 100 000 deep without exhausting the stack', () => {
    const depth = 100_000;
    expect(repeatedKey(`${'['.repeat(depth)}{"a":1,"a":2}${']'.repeat(depth)}`)).toBe('a');
    expect(repeatedKey(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`)).toBeUndefined();
  });
});
