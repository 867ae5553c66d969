import type { ServerContext } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import { createUserBoundRequestState, requestStateBinding } from '../src/request-state.js';

function ctx(method: string, auth?: { issuer?: string; subject?: string; clientId: string }): ServerContext {
  return {
    mcpReq: { method },
    http: auth
      ? { authInfo: { token: 'fp', clientId: auth.clientId, scopes: [], extra: { ...auth } } }
      : undefined,
  } as unknown as ServerContext;
}

const key = 'k'.repeat(32);

describe('user-bound requestState (2026-07-28)', () => {
  it('binds method, issuer, subject and client', () => {
    expect(
      requestStateBinding(ctx('tools/call', { issuer: 'https://as', subject: 'alice', clientId: 'c' })),
    ).toBe('tools/call\0https://as\0alice\0c');
    expect(requestStateBinding(ctx('tools/call'))).toBe('tools/call\0\0\0');
  });

  it('[RS-24] verifies a state for its minting user only', async () => {
    const codec = createUserBoundRequestState<{ n: number }>({ key });
    const alice = ctx('tools/call', { issuer: 'https://as', subject: 'alice', clientId: 'c' });
    const state = await codec.mint({ n: 1 }, alice);
    await expect(codec.verify(state, alice)).resolves.toEqual({ n: 1 });
    await expect(
      codec.verify(state, ctx('tools/call', { issuer: 'https://as', subject: 'bob', clientId: 'c' })),
    ).rejects.toThrow();
    await expect(
      codec.verify(state, ctx('tools/call', { issuer: 'https://other', subject: 'alice', clientId: 'c' })),
    ).rejects.toThrow();
    await expect(
      codec.verify(state, ctx('prompts/get', { issuer: 'https://as', subject: 'alice', clientId: 'c' })),
    ).rejects.toThrow();
  });

  it('expires states after ttlSeconds', async () => {
    const codec = createUserBoundRequestState<{ n: number }>({ key, ttlSeconds: -1 });
    const alice = ctx('tools/call', { issuer: 'https://as', subject: 'alice', clientId: 'c' });
    await expect(codec.verify(await codec.mint({ n: 1 }, alice), alice)).rejects.toThrow();
  });
});
