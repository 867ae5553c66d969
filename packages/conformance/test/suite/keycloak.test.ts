import { createReferenceMcpServer } from '@portcullis/app-mcp-server';
import {
  keycloakImage,
  keycloakUnavailable,
  type StartedKeycloak,
  startKeycloak,
} from '@portcullis/keycloak';
import { freePort } from '@portcullis/test-support';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runServerSuite } from '../../src/suite/run-server-suite.js';
import { SILENT_LOGGER } from '../helpers/stacks.js';

// A real Keycloak (Testcontainers, the locally built image). In CI a missing runtime is a failure, never a skip.
const problem = await keycloakUnavailable();
const image = keycloakImage();
const inCi = Boolean(process.env.CI);
if (problem !== undefined && !inCi)
  console.warn(`[keycloak.test] skipping the real-Keycloak test: ${problem}`);

describe.skipIf(problem !== undefined && !inCi)(
  'the server suite against the reference server trusting Keycloak',
  () => {
    let kc: StartedKeycloak;
    let app: FastifyInstance;
    let mcpUrl: string;

    beforeAll(async () => {
      if (problem !== undefined) throw new Error(`CI must run the real-Keycloak test, but ${problem}`);
      const port = await freePort();
      mcpUrl = `http://localhost:${port}/mcp`;
      kc = await startKeycloak({ image, runtime: 'testcontainers', resourceUrl: mcpUrl });
      app = createReferenceMcpServer({
        resource: mcpUrl,
        issuer: kc.issuer,
        jwksUri: `${kc.issuer}/protocol/openid-connect/certs`,
        logger: SILENT_LOGGER,
      });
      await app.listen({ host: '127.0.0.1', port });
    }, 240_000);

    afterAll(async () => {
      await app?.close();
      await kc?.stop();
    });

    it('[RS-01 RS-08 RS-12 RS-14 RS-19 RS-20 RS-24 RS-25 RS-28 AS-01 AS-02 AS-03 AS-05 AS-06 AS-07 AS-12 AS-14] passes every applicable MUST, with a browser login on the Keycloak pages', async () => {
      const report = await runServerSuite({
        mcpUrl,
        login: 'alice:alice-pass',
        secondLogin: 'bob:bob-pass',
        mrtrTool: 'confirm-greeting',
        mrtrArguments: { name: 'alice' },
        scope: 'openid mcp:tools',
        dcr: true,
      });
      expect(report.results.filter((r) => r.status === 'fail')).toEqual([]);
      // Keycloak accepts an empty registration (RFC 7591 lets it fill in defaults) and has no CIMD.
      expect(report.results.filter((r) => r.status === 'warn').map((r) => r.key)).toEqual([
        'AS-15/cimd-advertised',
        'AS-20/reject-empty-metadata',
      ]);
      const ran = Object.fromEntries(report.results.map((r) => [r.key, r.status]));
      expect(ran).toMatchObject({
        'RS-12/valid-token-accepted': 'pass',
        'RS-12/altered-signature': 'pass',
        'RS-14/other-issuer': 'pass',
        'RS-20/token-in-query': 'pass',
        'AS-02/issuer': 'pass',
        'AS-03/s256': 'pass',
        'AS-14/state-returned': 'pass',
        'AS-07/reject-insecure-redirect': 'pass',
        'AS-22/unregistered-redirect': 'pass',
        'AS-05/code-single-use': 'pass',
        'AS-06/exact-redirect': 'pass',
        'AS-12/refresh-rotation': 'pass',
        'RS-24/request-state-of-another-user': 'pass',
        'RS-28/method-mismatch': 'pass',
      });
    }, 120_000);
  },
);
