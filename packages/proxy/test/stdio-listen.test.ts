import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modernCall } from './helpers/proxy.js';
import {
  alive,
  callText,
  connectModern,
  type LocalIssuer,
  type StdioProxy,
  startLocalIssuer,
  startStdioProxy,
  until,
} from './stdio/stack.js';

// 2026-07-28 delivers list changes and resource updates on `subscriptions/listen` streams only. Through a
// stdio upstream they come from the caller's child, which speaks the 2025 era: unsolicited
// notifications, and `resources/subscribe` / `resources/unsubscribe`.

const COUNTER = 'fixture://counter';
let issuer: LocalIssuer;
let proxy: StdioProxy;
let stdinLog: string;

beforeAll(async () => {
  issuer = await startLocalIssuer();
  stdinLog = join(await mkdtemp(join(tmpdir(), 'portcullis-listen-')), 'stdin.log');
  proxy = await startStdioProxy(
    issuer,
    { env: { FIXTURE_STDIN_LOG: stdinLog } },
    { idleMs: 400, clockToleranceSec: 0 },
  );
});
afterAll(async () => {
  await proxy?.close();
  await issuer?.close();
});

/** Every notification of `method` the client receives, in order. */
function collect(
  client: Client,
  method: 'notifications/tools/list_changed' | 'notifications/resources/updated',
) {
  const seen: unknown[] = [];
  client.setNotificationHandler(method, (notification) => {
    seen.push(notification.params);
  });
  return seen;
}

/** The requests of `method` the fixture children received on stdin, with their params. */
async function childRequests(method: string): Promise<{ params?: { uri?: string } }[]> {
  const lines = (await readFile(stdinLog, 'utf8').catch(() => '')).split('\n').filter(Boolean);
  return lines.map((line) => JSON.parse(line)).filter((message) => message.method === method);
}

/** Wait until the children received `count` requests of `method` (the log is written asynchronously). */
async function childRequestsReach(method: string, count: number): Promise<void> {
  const deadline = Date.now() + 5_000;
  while ((await childRequests(method)).length < count) {
    if (Date.now() > deadline) throw new Error(`${method} did not reach the child ${count} times within 5 s`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('stdio upstream, 2026-07-28: subscriptions/listen', () => {
  it("delivers the child's tools/list_changed to its caller's listen stream, and to no other caller's [PX-11]", async () => {
    const joe = await connectModern(proxy.mcp, await issuer.token(proxy.mcp, 'listen-joe'));
    const alice = await connectModern(proxy.mcp, await issuer.token(proxy.mcp, 'listen-alice'));
    try {
      const joeSeen = collect(joe, 'notifications/tools/list_changed');
      const aliceSeen = collect(alice, 'notifications/tools/list_changed');
      const joeSub = await joe.listen({ toolsListChanged: true });
      const aliceSub = await alice.listen({ toolsListChanged: true });
      expect(joeSub.honoredFilter).toEqual({ toolsListChanged: true });

      const added = await callText(joe, 'add-tool');
      await until(() => joeSeen.length === 1);
      expect((await joe.listTools()).tools.map((tool) => tool.name)).toContain(added);
      // Alice's child is another process. A leak would have reached her stream with Joe's change, at the
      // same moment; two round trips later, each stream has carried its own caller's changes only.
      await callText(alice, 'add-tool');
      await until(() => aliceSeen.length >= 1);
      await callText(joe, 'add-tool');
      await until(() => joeSeen.length >= 2);
      expect(aliceSeen).toHaveLength(1);
      expect(joeSeen).toHaveLength(2);

      await joeSub.close();
      await aliceSub.close();
      expect(await joeSub.closed).toBe('local');
    } finally {
      await joe.close();
      await alice.close();
    }
  });

  it('subscribes the resources a listen stream asks for at the child, delivers their updates, and unsubscribes when it closes', async () => {
    const client = await connectModern(proxy.mcp, await issuer.token(proxy.mcp, 'listen-res'));
    try {
      const updates = collect(client, 'notifications/resources/updated');
      const subscribedBefore = (await childRequests('resources/subscribe')).length;
      const sub = await client.listen({ resourceSubscriptions: [COUNTER] });
      expect(sub.honoredFilter).toEqual({ resourceSubscriptions: [COUNTER] });
      await childRequestsReach('resources/subscribe', subscribedBefore + 1);
      const subscribes = await childRequests('resources/subscribe');
      expect(subscribes).toHaveLength(subscribedBefore + 1);
      expect(subscribes.at(-1)?.params?.uri).toBe(COUNTER);

      // A second stream of the same caller shares the child's subscription.
      const second = await client.listen({ resourceSubscriptions: [COUNTER] });
      expect(await childRequests('resources/subscribe')).toHaveLength(subscribedBefore + 1);

      expect(await callText(client, 'bump')).toBe('1');
      await until(() => updates.length >= 2);
      expect(updates[0]).toMatchObject({ uri: COUNTER });

      const unsubscribedBefore = (await childRequests('resources/unsubscribe')).length;
      await second.close();
      await sub.close();
      await childRequestsReach('resources/unsubscribe', unsubscribedBefore + 1);
      const unsubscribes = await childRequests('resources/unsubscribe');
      expect(unsubscribes).toHaveLength(unsubscribedBefore + 1);
      expect(unsubscribes.at(-1)?.params?.uri).toBe(COUNTER);
    } finally {
      await client.close();
    }
  });

  it('[RS-12] ends a listen stream when its token expires, and unsubscribes its resources at the child', async () => {
    const unsubscribedBefore = (await childRequests('resources/unsubscribe')).length;
    const res = await modernCall(proxy.mcp, await issuer.tokenExpiringIn(proxy.mcp, 'listen-expiring', 2), {
      method: 'subscriptions/listen',
      params: { notifications: { resourceSubscriptions: [COUNTER] } },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    await res.text(); // ends once the token has expired
    await childRequestsReach('resources/unsubscribe', unsubscribedBefore + 1);
    expect((await childRequests('resources/unsubscribe')).at(-1)?.params?.uri).toBe(COUNTER);
    expect(proxy.logText()).toContain('stream ended: the token that opened it expired');
  });

  it("answers a listen request with the child's refusal to subscribe a resource", async () => {
    const client = await connectModern(proxy.mcp, await issuer.token(proxy.mcp, 'listen-refused'));
    try {
      await expect(client.listen({ resourceSubscriptions: ['fixture://nothing'] })).rejects.toThrow(
        /no resource fixture:\/\/nothing/,
      );
      // Nothing stays subscribed: the next listen stream for the counter subscribes it afresh.
      const before = (await childRequests('resources/subscribe')).length;
      const sub = await client.listen({ resourceSubscriptions: [COUNTER] });
      await childRequestsReach('resources/subscribe', before + 1);
      await sub.close();
    } finally {
      await client.close();
    }
  });

  it('keeps the child past sessions.idleMs while a listen stream is open, and stops it once the stream closes', async () => {
    const client = await connectModern(proxy.mcp, await issuer.token(proxy.mcp, 'listen-idle'));
    try {
      const pid = Number(await callText(client, 'pid'));
      const sub = await client.listen({ toolsListChanged: true });
      await new Promise((resolve) => setTimeout(resolve, 1_200)); // three times sessions.idleMs
      expect(alive(pid)).toBe(true);
      await sub.close();
      await until(() => !alive(pid));
    } finally {
      await client.close();
    }
  });

  it('tears down a listen stream whose client left while its child was starting: the child idles out, no stream stays open', async () => {
    const slow = await startStdioProxy(issuer, { env: { FIXTURE_START_DELAY_MS: '500' } }, { idleMs: 400 });
    try {
      const left = new AbortController();
      const listen = modernCall(
        slow.mcp,
        await issuer.token(slow.mcp, 'listen-gone'),
        { method: 'subscriptions/listen', params: { notifications: { toolsListChanged: true } } },
        {},
        left.signal,
      ).catch(() => undefined);
      await until(() => slow.logText().includes('fixture: starting late'));
      left.abort();
      await listen;
      const pid = Number(/\[stdio (\d+)\] fixture: starting late/.exec(slow.logText())?.[1]);
      await until(() => !alive(pid));
      const metrics = await (await fetch(slow.mcp.replace('/mcp', '/metrics'))).text();
      expect(metrics).toMatch(/^portcullis_proxy_open_streams 0$/m);
    } finally {
      await slow.close();
    }
  });

  it('cuts the listen stream when the child exits, and the next request gets a new child', async () => {
    const client = await connectModern(proxy.mcp, await issuer.token(proxy.mcp, 'listen-crash'));
    try {
      const pid = Number(await callText(client, 'pid'));
      const sub = await client.listen({ toolsListChanged: true });
      await expect(client.callTool({ name: 'crash', arguments: {} })).rejects.toThrow(/exited/);
      expect(await sub.closed).toBe('remote');
      const next = Number(await callText(client, 'pid'));
      expect(next).not.toBe(pid);
    } finally {
      await client.close();
    }
  });
});
