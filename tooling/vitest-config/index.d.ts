import type { ViteUserConfig } from 'vitest/config';

/** Settings every package shares: Node environment, tests under test/, v8 coverage of src/. */
export declare const base: ViteUserConfig;
/** Build a package's Vitest config on top of the shared base. */
export declare function definePackageConfig(overrides?: ViteUserConfig): ViteUserConfig;
