import { describe, it } from 'vitest';
import { expectScenarioPasses as pass, SCENARIO_TIMEOUT_MS as T } from './helpers/conformance.js';

// One test per scenario of the official client suite, run with the real built CLI through
// test/conformance/wrapper.mjs. Titles are literal so the requirement tags are seen by the coverage scan.

describe('@modelcontextprotocol/conformance 0.1.16: the whole client auth suite', () => {
  it(
    '[CL-01 CL-02 CL-04 CL-08 CL-16 CL-23] auth/metadata-default',
    () => pass('latest', 'auth/metadata-default'),
    T,
  );
  it('[CL-02 CL-04] auth/metadata-var1', () => pass('latest', 'auth/metadata-var1'), T);
  it('[CL-02 CL-03 CL-04] auth/metadata-var2', () => pass('latest', 'auth/metadata-var2'), T);
  it('[CL-01 CL-04] auth/metadata-var3', () => pass('latest', 'auth/metadata-var3'), T);
  it('[CL-16 CL-17] auth/basic-cimd', () => pass('latest', 'auth/basic-cimd'), T);
  it(
    '[CL-11 CL-12] auth/scope-from-www-authenticate',
    () => pass('latest', 'auth/scope-from-www-authenticate'),
    T,
  );
  it('[CL-11] auth/scope-from-scopes-supported', () => pass('latest', 'auth/scope-from-scopes-supported'), T);
  it(
    '[CL-11] auth/scope-omitted-when-undefined',
    () => pass('latest', 'auth/scope-omitted-when-undefined'),
    T,
  );
  it('[CL-13] auth/scope-step-up', () => pass('latest', 'auth/scope-step-up'), T);
  it('[CL-14] auth/scope-retry-limit', () => pass('latest', 'auth/scope-retry-limit'), T);
  it(
    '[CL-09 CL-20] auth/token-endpoint-auth-basic',
    () => pass('latest', 'auth/token-endpoint-auth-basic'),
    T,
  );
  it('[CL-09 CL-20] auth/token-endpoint-auth-post', () => pass('latest', 'auth/token-endpoint-auth-post'), T);
  it('[CL-09 CL-20] auth/token-endpoint-auth-none', () => pass('latest', 'auth/token-endpoint-auth-none'), T);
  it('[CL-16 CL-20] auth/pre-registration', () => pass('latest', 'auth/pre-registration'), T);
});

describe('@modelcontextprotocol/conformance 0.2.0-alpha.12: the 2026-07-28 scenarios', () => {
  it('[CL-03] auth/resource-mismatch', () => pass('next', 'auth/resource-mismatch', '2026-07-28'), T);
  it('[CL-26] auth/offline-access-scope', () => pass('next', 'auth/offline-access-scope', '2026-07-28'), T);
  it(
    '[CL-26] auth/offline-access-not-supported',
    () => pass('next', 'auth/offline-access-not-supported', '2026-07-28'),
    T,
  );
  it(
    '[CL-06 CL-19] auth/authorization-server-migration',
    () => pass('next', 'auth/authorization-server-migration', '2026-07-28'),
    T,
  );
  it('[CL-21] auth/iss-supported', () => pass('next', 'auth/iss-supported', '2026-07-28'), T);
  it('[CL-21] auth/iss-not-advertised', () => pass('next', 'auth/iss-not-advertised', '2026-07-28'), T);
  it('[CL-21] auth/iss-supported-missing', () => pass('next', 'auth/iss-supported-missing', '2026-07-28'), T);
  it('[CL-21] auth/iss-wrong-issuer', () => pass('next', 'auth/iss-wrong-issuer', '2026-07-28'), T);
  it('[CL-21] auth/iss-unexpected', () => pass('next', 'auth/iss-unexpected', '2026-07-28'), T);
  it('[CL-21] auth/iss-normalized', () => pass('next', 'auth/iss-normalized', '2026-07-28'), T);
  it(
    '[CL-05] auth/metadata-issuer-mismatch',
    () => pass('next', 'auth/metadata-issuer-mismatch', '2026-07-28'),
    T,
  );
});

describe('@modelcontextprotocol/conformance 0.2.0-alpha.12: the auth suite at the 2026-07-28 wire', () => {
  it(
    '[CL-01 CL-02 CL-04 CL-08 CL-16 CL-18] auth/metadata-default (2026-07-28)',
    () => pass('next', 'auth/metadata-default', '2026-07-28'),
    T,
  );
  it(
    '[CL-02 CL-04] auth/metadata-var1 (2026-07-28)',
    () => pass('next', 'auth/metadata-var1', '2026-07-28'),
    T,
  );
  it(
    '[CL-02 CL-03 CL-04] auth/metadata-var2 (2026-07-28)',
    () => pass('next', 'auth/metadata-var2', '2026-07-28'),
    T,
  );
  it(
    '[CL-01 CL-04] auth/metadata-var3 (2026-07-28)',
    () => pass('next', 'auth/metadata-var3', '2026-07-28'),
    T,
  );
  it('[CL-16 CL-17] auth/basic-cimd (2026-07-28)', () => pass('next', 'auth/basic-cimd', '2026-07-28'), T);
  it(
    '[CL-11 CL-12] auth/scope-from-www-authenticate (2026-07-28)',
    () => pass('next', 'auth/scope-from-www-authenticate', '2026-07-28'),
    T,
  );
  it(
    '[CL-11] auth/scope-from-scopes-supported (2026-07-28)',
    () => pass('next', 'auth/scope-from-scopes-supported', '2026-07-28'),
    T,
  );
  it(
    '[CL-11] auth/scope-omitted-when-undefined (2026-07-28)',
    () => pass('next', 'auth/scope-omitted-when-undefined', '2026-07-28'),
    T,
  );
  it('[CL-13] auth/scope-step-up (2026-07-28)', () => pass('next', 'auth/scope-step-up', '2026-07-28'), T);
  it(
    '[CL-14] auth/scope-retry-limit (2026-07-28)',
    () => pass('next', 'auth/scope-retry-limit', '2026-07-28'),
    T,
  );
  it(
    '[CL-09 CL-20] auth/token-endpoint-auth-basic (2026-07-28)',
    () => pass('next', 'auth/token-endpoint-auth-basic', '2026-07-28'),
    T,
  );
  it(
    '[CL-09 CL-20] auth/token-endpoint-auth-post (2026-07-28)',
    () => pass('next', 'auth/token-endpoint-auth-post', '2026-07-28'),
    T,
  );
  it(
    '[CL-09 CL-20] auth/token-endpoint-auth-none (2026-07-28)',
    () => pass('next', 'auth/token-endpoint-auth-none', '2026-07-28'),
    T,
  );
  it(
    '[CL-16 CL-20] auth/pre-registration (2026-07-28)',
    () => pass('next', 'auth/pre-registration', '2026-07-28'),
    T,
  );
});
