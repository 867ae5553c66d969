import { definePackageConfig } from '@portcullis/vitest-config';

export default definePackageConfig({
  test: {
    coverage: {
      // embeddedIdpToken is tested against the real IdP in packages/idp/test: testing it here would need
      // @portcullis/idp, which itself depends on this package.
      exclude: ['src/embedded-idp-token.ts'],
      thresholds: { lines: 95 },
    },
  },
});
