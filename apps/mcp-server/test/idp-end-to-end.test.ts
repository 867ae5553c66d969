import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { type RunningIdp, startIdp } from '@portcullis/idp';
import { embeddedIdpToken, freePort } from '@portcullis/test-support';
import type { FastifyInstance } from 'fastify';
import { decodeJwt } from 'jose';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReferenceMcpServer } from '../src/server.js';

let idp: RunningIdp;
let app: FastifyInstance;
let resource: string;

beforeAll(async () => {
  const port = await freePort();
  resource = `http://localhost:${port}/mcp`;
  idp = await startIdp(
    {
      resources: [{ uri: resource, scopes: ['mcp:tools', 'mcp:admin'], name: 'Reference MCP server' }],
      users: [{ username: 'joe', password: 'joe-pass', name: 'Joe' }],
    },
    { logger: { warn: () => {}, error: () => {} } },
  );
  app = createReferenceMcpServer({ resource, issuer: idp.issuer, logger: pino({ level: 'silent' }) });
  await app.listen({ host: '127.0.0.1', port });
});
afterAll(async () => {
  await app.close();
  await idp.close();
});

describe('end to end with the embedded IdP', () => {
  it('[RS-12 RS-13] a real token for the reference server calls hello-world', async () => {
    const { accessToken: token } = await embeddedIdpToken(idp.issuer, {
      resource,
      scope: 'mcp:tools',
      username: 'joe',
      password: 'joe-pass',
      clientName: 'Reference server e2e',
    });
    expect(decodeJwt(token).aud).toContain(resource);
    for (const mode of ['auto', 'legacy'] as const) {
      const client = new Client(
        { name: 'e2e', version: '1.0.0' },
        mode === 'auto' ? { versionNegotiation: { mode: 'auto' } } : {},
      );
      await client.connect(
        new StreamableHTTPClientTransport(new URL(resource), { authProvider: { token: async () => token } }),
      );
      const result = await client.callTool({ name: 'hello-world', arguments: { name: 'joe' } });
      expect((result.content as { text: string }[])[0]?.text).toBe('Hello, joe! Your user agent is: node');
      const who = JSON.parse(
        ((await client.callTool({ name: 'whoami', arguments: {} })) as { content: { text: string }[] })
          .content[0]?.text ?? '{}',
      );
      expect(who.issuer).toBe(idp.issuer);
      await client.close();
    }
  });
});
