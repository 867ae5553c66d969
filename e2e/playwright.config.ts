import { defineConfig } from '@playwright/test';
import type { StackOptions } from './fixtures/test.js';

const REPORTS = '.reports';

/**
 * One project per identity provider and proxy mode: every suite runs against each combination. `pnpm dev`
 * (fixed ports, its own stack) runs once, in its own project.
 */
const DEV_STACK = /dev-stack\.spec\.ts/;
/** Tests of the proxy as authorization server (its consent page) run in the facade projects only. */
const FACADE_ONLY = /@facade-only/;
interface Project {
  name: string;
  use: StackOptions;
  grepInvert?: RegExp;
  testIgnore?: RegExp;
  testMatch?: RegExp;
}
const matrix: Project[] = [
  { name: 'embedded-direct', use: { idpKind: 'embedded', proxyMode: 'direct' }, grepInvert: FACADE_ONLY },
  {
    name: 'keycloak-direct',
    use: { idpKind: 'keycloak', proxyMode: 'direct' },
    grepInvert: /@embedded-only|@facade-only/,
  },
  { name: 'embedded-facade', use: { idpKind: 'embedded', proxyMode: 'facade' } },
  {
    name: 'keycloak-facade',
    use: { idpKind: 'keycloak', proxyMode: 'facade' },
    grepInvert: /@embedded-only/,
  },
];
const projects: Project[] = [
  ...matrix.map((project) => ({ ...project, testIgnore: DEV_STACK })),
  { name: 'dev-stack', use: { idpKind: 'embedded', proxyMode: 'facade' }, testMatch: DEV_STACK },
];

export default defineConfig<StackOptions>({
  testDir: './tests',
  outputDir: `${REPORTS}/test-results`,
  // Two cores, a JVM for Keycloak and a browser: one test at a time.
  workers: 1,
  fullyParallel: false,
  forbidOnly: Boolean(process.env.CI),
  retries: 0,
  timeout: 90_000,
  expect: { timeout: 15_000 },
  reporter: [
    ['list'],
    ['html', { outputFolder: `${REPORTS}/html`, open: 'never' }],
    ['json', { outputFile: `${REPORTS}/playwright.json` }],
  ],
  use: {
    headless: true,
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: {
      // Debian's Chromium; `playwright install` is never run.
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  projects,
});
