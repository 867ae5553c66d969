import { describe, expect, it } from 'vitest';
import { useReferenceServer } from './helpers/reference-server.js';

// 2026-07-28 multi-round-trip: `confirm-greeting` answers `input_required` with a server-minted `requestState`
// the client echoes on retry. The state is HMAC-bound to the caller, so holding it is never authentication.
const env = useReferenceServer();

interface RpcAnswer {
  result?: { resultType?: string; requestState?: string; content?: { text?: string }[] };
  error?: { code: number; message: string };
}

async function confirmGreeting(token: string, extra: Record<string, unknown> = {}): Promise<RpcAnswer> {
  const res = await fetch(env.resource, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': 'tools/call',
      'mcp-name': 'confirm-greeting',
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: {
        name: 'confirm-greeting',
        arguments: { name: 'joe' },
        ...extra,
        _meta: {
          'io.modelcontextprotocol/protocolVersion': '2026-07-28',
          'io.modelcontextprotocol/clientCapabilities': { elicitation: { form: {} } },
        },
      },
    }),
  });
  return (await res.json()) as RpcAnswer;
}

const accept = { confirm: { action: 'accept', content: { confirm: true } } };

describe('confirm-greeting (2026-07-28 requestState)', () => {
  it('[RS-24] completes for the user who started it', async () => {
    const alice = await env.issuer.sign(env.resource, { sub: 'alice' });
    const first = await confirmGreeting(alice);
    expect(first.result?.resultType).toBe('input_required');
    const requestState = first.result?.requestState;
    expect(typeof requestState).toBe('string');

    const done = await confirmGreeting(alice, { requestState, inputResponses: accept });
    expect(done.result?.content?.[0]?.text).toBe('Hello, joe! (confirmed)');
  });

  it('[RS-24] refuses a state handle replayed with another user’s token, and one from another client', async () => {
    const first = await confirmGreeting(await env.issuer.sign(env.resource, { sub: 'alice' }));
    const requestState = first.result?.requestState;

    const bob = await confirmGreeting(await env.issuer.sign(env.resource, { sub: 'bob' }), {
      requestState,
      inputResponses: accept,
    });
    expect(bob.result).toBeUndefined();
    expect(bob.error).toMatchObject({ code: -32602, message: 'Invalid or expired requestState' });

    const otherClient = await confirmGreeting(
      await env.issuer.sign(env.resource, { sub: 'alice', client_id: 'another-client' }),
      { requestState, inputResponses: accept },
    );
    expect(otherClient.error?.code).toBe(-32602);
  });

  it('[RS-24] refuses a tampered state handle', async () => {
    const alice = await env.issuer.sign(env.resource, { sub: 'alice' });
    const first = await confirmGreeting(alice);
    const [version, body, mac] = String(first.result?.requestState).split('.');
    const forged = `${version}.${Buffer.from(JSON.stringify({ p: { name: 'mallory' }, exp: 9e9 })).toString('base64url')}.${mac}`;
    expect(body).not.toBe(forged.split('.')[1]);
    const answer = await confirmGreeting(alice, { requestState: forged, inputResponses: accept });
    expect(answer.error?.code).toBe(-32602);
  });
});
