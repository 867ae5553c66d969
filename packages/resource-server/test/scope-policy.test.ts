import { parseBearerChallenge } from '@portcullis/metadata';
import { beforeEach, describe, expect, it } from 'vitest';
import { signToken } from './helpers/keys.js';
import { modernRequest, sideEffects, useResourceServer } from './helpers/server.js';

const env = useResourceServer();
beforeEach(() => {
  sideEffects.calls = 0;
});

async function send(scope: string, method: string, params: Record<string, unknown> = {}) {
  const token = await signToken(env.rs.resource, { key: env.key, claims: { scope } });
  const { body, headers } = modernRequest(method, params);
  const response = await fetch(`${env.rs.origin}/mcp`, {
    method: 'POST',
    headers: { ...headers, authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  const challenge = response.headers.get('www-authenticate');
  return {
    status: response.status,
    challenge: challenge === null ? undefined : parseBearerChallenge(challenge),
    // biome-ignore lint/suspicious/noExplicitAny: JSON-RPC answers are inspected loosely.
    json: (await response.json().catch(() => undefined)) as any,
  };
}

describe('scope policy and step-up challenges', () => {
  it('[RS-16] answers 403 insufficient_scope with the needed scope and resource_metadata', async () => {
    const r = await send('mcp:tools', 'tools/call', { name: 'admin-op', arguments: {} });
    expect(r.status).toBe(403);
    expect(r.challenge?.error).toBe('insufficient_scope');
    expect(r.challenge?.scope?.split(' ')).toContain('mcp:admin');
    expect(r.challenge?.resource_metadata).toBe(`${env.rs.origin}/.well-known/oauth-protected-resource/mcp`);
    expect(sideEffects.calls).toBe(0);
  });

  it('[RS-17] lists every scope the operation needs in one challenge', async () => {
    const r = await send('mcp:tools', 'tools/call', { name: 'two-scopes', arguments: {} });
    expect(r.status).toBe(403);
    expect(r.challenge?.scope?.split(' ').sort()).toEqual(['a:one', 'b:two', 'mcp:tools']);
  });

  it('[RS-16] answers 403 when the token lacks even the default scope', async () => {
    const r = await send('other', 'tools/list');
    expect(r.status).toBe(403);
    expect(r.challenge?.scope).toBe('mcp:tools');
  });

  it('[RS-18] lets a broader scope satisfy a narrower one from the hierarchy', async () => {
    const r = await send('mcp:tools files', 'tools/call', { name: 'files-read', arguments: {} });
    expect(r.status).toBe(200);
    expect(sideEffects.calls).toBe(1);
    const narrow = await send('mcp:tools files:write', 'tools/call', { name: 'files-read', arguments: {} });
    expect(narrow.status).toBe(403);
  });

  it('[RS-16] calls a step-up tool once the token has the extra scope', async () => {
    const r = await send('mcp:tools mcp:admin', 'tools/call', { name: 'admin-op', arguments: {} });
    expect(r.status).toBe(200);
    expect(r.json.result.content[0].text).toBe('admin-op ok');
  });

  it('filters tools/list down to the tools the token may call', async () => {
    const basic = await send('mcp:tools', 'tools/list');
    expect(basic.json.result.tools.map((t: { name: string }) => t.name)).toEqual(['echo']);
    const admin = await send('mcp:tools mcp:admin files', 'tools/list');
    expect(admin.json.result.tools.map((t: { name: string }) => t.name).sort()).toEqual([
      'admin-op',
      'echo',
      'files-read',
    ]);
  });
});
