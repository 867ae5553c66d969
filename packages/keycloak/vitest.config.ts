import { definePackageConfig } from '@portcullis/vitest-config';

// The real-Keycloak suites start one Keycloak each (30–90 s on 2 cores); files run one after the other so two
// JVMs never compete for the CPUs.
export default definePackageConfig({
  test: {
    hookTimeout: 240_000,
    testTimeout: 60_000,
    fileParallelism: false,
  },
});
