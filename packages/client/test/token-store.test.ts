import { execFile } from 'node:child_process';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { McpOAuthProvider, McpSession, TokenStore } from '../src/index.js';
import { followingBrowser, type MockStack, startMockStack } from './helpers/mock-as.js';
import { useStoreDirs } from './helpers/stack.js';

const run = promisify(execFile);
const CHILD = fileURLToPath(new URL('./fixtures/refresh-child.mjs', import.meta.url));
const storeDir = useStoreDirs();
let mock: MockStack;
beforeAll(async () => {
  mock = await startMockStack();
});
afterAll(() => mock.close());

async function loggedIn() {
  const dir = await storeDir();
  const session = await McpSession.connect({
    serverUrl: mock.resource,
    storeDir: dir,
    allowLoopbackHttp: true,
    openBrowser: followingBrowser(),
  });
  const info = await session.provider.session();
  await session.close();
  const file = join(
    dir,
    'tokens',
    `${TokenStore.tokenKey(info?.issuer ?? '', info?.resource ?? '', info?.client_id ?? '')}.json`,
  );
  return { dir, file };
}

describe('TokenStore on disk', () => {
  it('[CL-30] keeps tokens in 0600 files inside a 0700 folder', async () => {
    const { dir, file } = await loggedIn();
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'tokens'))).mode & 0o777).toBe(0o700);
    expect((await stat(join(dir, 'clients'))).mode & 0o777).toBe(0o700);
  });

  it('[CL-25 CL-26] two processes refreshing the same token at once spend the refresh token once and agree', async () => {
    const { dir, file } = await loggedIn();
    const stored = JSON.parse(await readFile(file, 'utf8'));
    await writeFile(file, JSON.stringify({ ...stored, expires_at: Math.floor(Date.now() / 1000) - 10 }), {
      mode: 0o600,
    });
    const before = mock.refreshes.length;
    const [one, two] = await Promise.all([
      run(process.execPath, [CHILD, mock.resource, dir]),
      run(process.execPath, [CHILD, mock.resource, dir]),
    ]);
    expect(one.stdout).toMatch(/^[0-9a-f]{64}$/);
    expect(two.stdout).toBe(one.stdout);
    expect(mock.refreshes.slice(before)).toEqual([stored.refresh_token]);
    const after = JSON.parse(await readFile(file, 'utf8'));
    expect(after.refresh_token).not.toBe(stored.refresh_token);
    const provider = new McpOAuthProvider({
      serverUrl: mock.resource,
      storeDir: dir,
      allowLoopbackHttp: true,
    });
    await provider.refreshNow();
    expect(mock.refreshes.at(-1)).toBe(after.refresh_token);
  });
});
