import { freePort, type LocalIssuer, startLocalIssuer } from '@portcullis/test-support';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll } from 'vitest';
import { createReferenceMcpServer } from '../../src/server.js';

/** What {@link useReferenceServer} provides once `beforeAll` has run. */
export interface ReferenceServerFixture {
  readonly issuer: LocalIssuer;
  readonly app: FastifyInstance;
  /** `http://localhost:<port>/mcp`; the server listens on 127.0.0.1. */
  readonly resource: string;
}

/**
 * Register `beforeAll`/`afterAll` hooks that start a local issuer and the reference server trusting it (silent
 * logger, random port), and close both after the file's tests.
 */
export function useReferenceServer(): ReferenceServerFixture {
  const fixture = {} as { issuer: LocalIssuer; app: FastifyInstance; resource: string };
  beforeAll(async () => {
    fixture.issuer = await startLocalIssuer();
    const port = await freePort();
    fixture.resource = `http://localhost:${port}/mcp`;
    fixture.app = createReferenceMcpServer({
      resource: fixture.resource,
      issuer: fixture.issuer.issuer,
      jwksUri: fixture.issuer.jwksUri,
      logger: pino({ level: 'silent' }),
    });
    await fixture.app.listen({ host: '127.0.0.1', port });
  });
  afterAll(async () => {
    await fixture.app.close();
    await fixture.issuer.close();
  });
  return fixture;
}
