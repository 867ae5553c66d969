import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { containerRuntimeProblem, hasImage, LOCAL_IMAGE, loadServicesEnv } from '@portcullis/keycloak';
import { freePort } from '@portcullis/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// `PORTCULLIS_IDP=keycloak pnpm dev` runs Keycloak instead of the embedded IdP. In CI a missing container runtime
// or image fails this suite (it is never skipped there); elsewhere it is skipped with the reason.
const appDir = fileURLToPath(new URL('..', import.meta.url));

function childEnv(port: number): NodeJS.ProcessEnv {
  return {
    ...loadServicesEnv(undefined, { from: appDir }),
    ...process.env,
    PORTCULLIS_IDP: 'keycloak',
    PORTCULLIS_IDP_PORT: String(port),
  };
}

/** Start main in Keycloak mode; resolve with its log lines once `predicate` matches one. */
function startMain(port: number, predicate: (entry: Record<string, unknown>) => boolean) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: appDir,
    env: childEnv(port),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  const matched = new Promise<Record<string, unknown>>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      const entry = JSON.parse(line) as Record<string, unknown>;
      lines.push(entry);
      if (predicate(entry)) resolve(entry);
    });
    child.once('exit', (code) =>
      reject(new Error(`main exited early with ${code}: ${JSON.stringify(lines)}`)),
    );
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { child, lines, matched, exited };
}

async function portAnswers(port: number): Promise<boolean> {
  return fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(2000) }).then(
    () => true,
    () => false,
  );
}

let unavailable: string | undefined;
const children: ChildProcess[] = [];

beforeAll(async () => {
  loadServicesEnv(undefined, { apply: true, from: appDir });
  const problem = await containerRuntimeProblem();
  const image = process.env.PORTCULLIS_KEYCLOAK_IMAGE ?? LOCAL_IMAGE;
  unavailable = problem ?? ((await hasImage(image)) ? undefined : `image ${image} is not built`);
  if (unavailable && process.env.CI) {
    throw new Error(
      `Keycloak mode cannot be tested: ${unavailable}. Run tooling/scripts/ci-services.sh first.`,
    );
  }
});

afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
});

describe('apps/idp with PORTCULLIS_IDP=keycloak', () => {
  it('[AS-01 AS-02] serves the realm discovery on the chosen port and stops cleanly on SIGINT', async (ctx) => {
    if (unavailable) return ctx.skip(unavailable);
    const port = await freePort();
    const main = startMain(port, (entry) => typeof entry.issuer === 'string');
    children.push(main.child);
    const ready = await main.matched;
    expect(ready.issuer).toBe(`http://127.0.0.1:${port}/realms/mcp`);
    expect(ready).toMatchObject({
      msg: 'Keycloak ready',
      admin: expect.any(String),
      runtime: expect.any(String),
    });
    const res = await fetch(`http://127.0.0.1:${port}/realms/mcp/.well-known/openid-configuration`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { issuer: string }).issuer).toBe(ready.issuer);

    main.child.kill('SIGINT');
    expect(await main.exited).toBe(0);
    expect(await portAnswers(port)).toBe(false);
    // Credentials live in the README, never in the logs.
    expect(JSON.stringify(main.lines)).not.toMatch(/alice-pass|bob-pass|admin \/ admin/);
  }, 240_000);

  it('stops what it started when Ctrl-C arrives while Keycloak is still starting', async (ctx) => {
    if (unavailable) return ctx.skip(unavailable);
    const port = await freePort();
    const main = startMain(port, (entry) => String(entry.msg).startsWith('starting Keycloak'));
    children.push(main.child);
    await main.matched;
    main.child.kill('SIGINT');
    expect(await main.exited).toBe(0);
    expect(main.lines.some((entry) => entry.msg === 'stopping once the start has finished')).toBe(true);
    expect(await portAnswers(port)).toBe(false);
  }, 240_000);
});
