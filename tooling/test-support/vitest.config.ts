import { definePackageConfig } from '@portcullis/vitest-config';

export default definePackageConfig({ test: { coverage: { thresholds: { lines: 95 } } } });
