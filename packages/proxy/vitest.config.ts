import { definePackageConfig } from '@portcullis/vitest-config';

export default definePackageConfig();
