import { beforeAll, describe, expect, it } from 'vitest';
import { signToken } from './helpers/keys.js';
import { INIT, LEGACY_HEADERS, modernRequest, toolsCall, useResourceServer } from './helpers/server.js';

const env = useResourceServer();
let auth: Record<string, string>;

beforeAll(async () => {
  auth = { authorization: `Bearer ${await signToken(env.rs.resource, { key: env.key })}` };
});

async function post(headers: Record<string, string>, body: unknown) {
  const response = await fetch(`${env.rs.origin}/mcp`, {
    method: 'POST',
    headers,
    body: JSON.stringify(body),
  });
  const text = await response.text();
  let code: number | undefined;
  try {
    code = JSON.parse(text).error?.code;
  } catch {
    code = undefined;
  }
  return { status: response.status, code, text };
}

describe('MCP-Protocol-Version and mirrored headers', () => {
  it('[RS-28] answers 400 -32020 when MCP-Protocol-Version differs from the _meta version', async () => {
    const { body, headers } = modernRequest('tools/list');
    const r = await post({ ...headers, ...auth, 'mcp-protocol-version': '2025-11-25' }, body);
    expect(r.status).toBe(400);
    expect(r.code).toBe(-32020);
  });

  it('[RS-28] answers 400 -32020 when Mcp-Method is missing or disagrees with the body', async () => {
    const { body, headers } = modernRequest('tools/list');
    const { 'mcp-method': _, ...withoutMethod } = headers;
    expect((await post({ ...withoutMethod, ...auth }, body)).code).toBe(-32020);
    const wrong = await post({ ...headers, ...auth, 'mcp-method': 'tools/call' }, body);
    expect(wrong.status).toBe(400);
    expect(wrong.code).toBe(-32020);
  });

  it('[RS-28] answers 400 -32020 when Mcp-Name is missing on tools/call', async () => {
    const { body, headers } = modernRequest('tools/call', { name: 'echo', arguments: { text: 'x' } });
    const { 'mcp-name': _, ...withoutName } = headers;
    const r = await post({ ...withoutName, ...auth }, body);
    expect(r.status).toBe(400);
    expect(r.code).toBe(-32020);
  });

  it('[RS-28] answers 400 -32022 for an unsupported modern revision', async () => {
    const { body, headers } = modernRequest('tools/list');
    body.params._meta['io.modelcontextprotocol/protocolVersion'] = '2099-01-01';
    const r = await post({ ...headers, ...auth, 'mcp-protocol-version': '2099-01-01' }, body);
    expect(r.status).toBe(400);
    expect(r.code).toBe(-32022);
  });

  it('[RS-27] answers 400 to an unsupported MCP-Protocol-Version inside a 2025 session', async () => {
    const init = await fetch(`${env.rs.origin}/mcp`, {
      method: 'POST',
      headers: { ...LEGACY_HEADERS, ...auth },
      body: JSON.stringify(INIT),
    });
    await init.text();
    const session = { 'mcp-session-id': init.headers.get('mcp-session-id') ?? '' };
    const r = await post(
      { ...LEGACY_HEADERS, ...auth, ...session, 'mcp-protocol-version': '1999-01-01' },
      toolsCall('echo', { text: 'x' }),
    );
    expect(r.status).toBe(400);
    const ok = await post(
      { ...LEGACY_HEADERS, ...auth, ...session, 'mcp-protocol-version': '2025-11-25' },
      toolsCall('echo', { text: 'x' }),
    );
    expect(ok.status).toBe(200);
  });

  it('[RS-27] checks the token before the protocol version', async () => {
    const r = await post(
      { ...LEGACY_HEADERS, 'mcp-protocol-version': '1999-01-01' },
      toolsCall('echo', { text: 'x' }),
    );
    expect(r.status).toBe(401);
  });
});
