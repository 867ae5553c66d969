import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

/** The two pinned suite versions: the latest release and the newest prerelease. */
export const SUITES = {
  latest: fileURLToPath(
    new URL('../../node_modules/@modelcontextprotocol/conformance/dist/index.js', import.meta.url),
  ),
  next: fileURLToPath(
    new URL('../../node_modules/@modelcontextprotocol/conformance-next/dist/index.js', import.meta.url),
  ),
} as const;

const WRAPPER = fileURLToPath(new URL('../conformance/wrapper.mjs', import.meta.url));

/** Per-scenario budget: the suite's own client timeout is 30 s. */
export const SCENARIO_TIMEOUT_MS = 60_000;

/**
 * Run one client scenario of the official suite against the built CLI (through the wrapper) and expect the
 * suite's verdict PASSED with zero failures and zero warnings. The output is attached to the failure message.
 */
export async function expectScenarioPasses(
  suite: keyof typeof SUITES,
  scenario: string,
  specVersion?: string,
): Promise<void> {
  const args = [
    SUITES[suite],
    'client',
    '--command',
    `${process.execPath} ${WRAPPER}`,
    '--scenario',
    scenario,
  ];
  if (specVersion !== undefined) args.push('--spec-version', specVersion);
  const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve) => {
    const child = spawn(process.execPath, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1', NODE_NO_WARNINGS: '1' },
    });
    let text = '';
    child.stdout.on('data', (chunk) => {
      text += chunk;
    });
    child.stderr.on('data', (chunk) => {
      text += chunk;
    });
    child.on('exit', (exitCode) => resolve({ code: exitCode, output: text }));
  });
  const summary = /Passed: (\d+)\/(\d+), (\d+) failed, (\d+) warnings/.exec(output);
  expect(summary, output).not.toBeNull();
  expect({ failed: summary?.[3], warnings: summary?.[4] }, output).toEqual({ failed: '0', warnings: '0' });
  expect(output, output).toContain('OVERALL: PASSED');
  expect(code, output).toBe(0);
}
