import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkRealm, KEYCLOAK_VERSION, type StartedKeycloak, startKeycloak } from '../src/index.js';
import { resolveStartOptions } from '../src/options.js';
import { inCi } from './support/real-keycloak.js';

// The fallback runtime, for real: the server distribution (cached by docker/keycloak/build-image.sh) run as a child
// process with `kc.sh start-dev`. Runs after the container suite (fileParallelism is off), never beside it.
const cache = new URL('../../../.cache/keycloak/', import.meta.url);
const dist =
  process.env.PORTCULLIS_KEYCLOAK_DIST ??
  (existsSync(new URL(`dist/keycloak-quarkus-dist-${KEYCLOAK_VERSION}.tar.gz`, cache))
    ? 'cached tarball'
    : undefined);
const javaHome = resolveStartOptions({ runtime: 'process' }).javaHome;
const unavailable =
  dist === undefined
    ? 'no Keycloak distribution in .cache/keycloak (run tooling/scripts/ci-services.sh) or PORTCULLIS_KEYCLOAK_DIST'
    : javaHome === undefined
      ? 'no Java (set JAVA_HOME)'
      : undefined;
if (unavailable && !inCi) console.warn(`[process-runtime.test] skipping: ${unavailable}`);

describe.skipIf(unavailable !== undefined && !inCi)('Keycloak as a child process (fallback runtime)', () => {
  let kc: StartedKeycloak;

  beforeAll(async () => {
    if (unavailable) throw new Error(`CI must run the process-runtime test, but ${unavailable}`);
    kc = await startKeycloak({ runtime: 'process' });
  });

  afterAll(async () => {
    await kc?.stop();
  });

  it('[AS-01 AS-03 AS-20] serves the same MCP-ready realm as the container, issuer pinned', async () => {
    expect(kc.runtime).toBe('process');
    expect(kc.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/realms\/mcp$/);
    const report = await checkRealm(kc.issuer, {
      resource: 'http://localhost:9090/mcp',
      username: 'bob',
      password: 'bob-pass',
    });
    expect(report.ok, JSON.stringify(report.checks, null, 2)).toBe(true);
    expect(report.result).toBe('ready');
  });
});
