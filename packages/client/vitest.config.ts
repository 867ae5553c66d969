import { definePackageConfig } from '@portcullis/vitest-config';

export default definePackageConfig({ test: { globalSetup: ['test/global-setup.ts'] } });
