import { authorizeInBrowser, connectCli, firstSignInPages } from '../fixtures/cli-flow.js';
import { type CliProtocol, JWT_LIKE, PortcullisCli } from '../fixtures/portcullis-cli.js';
import { startShortTokenStack } from '../fixtures/short-tokens.js';
import { expect, test } from '../fixtures/test.js';
import { ALICE } from '../fixtures/users.js';

/** The guide's output of `call hello-world {"name":"joe"}` at the `mcp>` prompt. */
const HELLO_JOE_CLI = /🔧 Tool 'hello-world' result:\nHello, joe! Your user agent is: [a-z0-9._-]+\n/;

/** `whoami` prints `👤 {json}`: the stored session without the tokens, and a few token claims. */
interface Whoami {
  readonly issuer: string;
  readonly resource: string;
  readonly scope?: string;
  readonly claims: Record<string, unknown>;
}

function whoami(stdout: string): Whoami {
  const at = stdout.indexOf('👤 {');
  if (at === -1) throw new Error(`whoami printed no session: ${stdout}`);
  return JSON.parse(stdout.slice(at + '👤 '.length)) as Whoami;
}

/** Whether any of `secrets` occurs in `text`, as a boolean so that a failed assertion never prints a token. */
function leaks(text: string, secrets: readonly (string | undefined)[]): boolean {
  return JWT_LIKE.test(text) || secrets.some((secret) => secret !== undefined && text.includes(secret));
}

/** How many times the CLI sent the user to the browser (it prints this line with each authorization URL). */
function logins(stderr: string): number {
  return stderr.split('Log in in your browser').length - 1;
}

// The real `portcullis` CLI (packages/client/dist/cli.js) as a child process: `portcullis connect <proxy>/mcp`,
// its browser opener hands the authorization URL to this test, Chromium signs in, the redirect lands on the
// CLI's own loopback listener, and the `mcp>` commands come through its piped stdin one line at a time.
test.describe('portcullis CLI', () => {
  // Stateful 2025-11-25 (`initialize`, `Mcp-Session-Id`) and stateless 2026-07-28 (`server/discover`).
  const eras: Record<CliProtocol, RegExp> = {
    legacy: /"method":"initialize"/,
    '2026-07-28': /"method":"server\/discover"/,
  };
  for (const [protocol, era] of Object.entries(eras) as [CliProtocol, RegExp][]) {
    test(`[CL-08 CL-09 CL-30] golden path (--protocol ${protocol}): connect → login → consent → hello-world → whoami`, async ({
      page,
      stack,
      opener,
    }, testInfo) => {
      const cli = await PortcullisCli.create({ mcpUrl: stack.mcpUrl, opener, protocol });
      try {
        const { url, landing } = await connectCli(cli, page, testInfo, { kind: stack.idp.kind, user: ALICE });
        expect(url.origin).toBe(new URL(stack.authorizationServer).origin);
        expect(url.searchParams.get('resource')).toBe(stack.mcpUrl);
        expect(url.searchParams.get('code_challenge_method')).toBe('S256');
        expect(url.searchParams.get('redirect_uri')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
        expect(landing).toMatchObject({ error: null, pages: firstSignInPages(stack.proxyMode) });
        await expect(page.locator('h1')).toHaveText('Sign-in answer received');

        expect((await cli.run('call hello-world {"name":"joe"}')).stdout).toMatch(HELLO_JOE_CLI);
        const session = whoami((await cli.run('whoami')).stdout);
        expect(session).toMatchObject({ issuer: stack.authorizationServer, resource: stack.mcpUrl });
        expect(session.claims).toMatchObject({ iss: stack.idp.issuer, sub: expect.any(String) });
        expect([session.claims.aud].flat()).toContain(stack.mcpUrl);
        expect(String(session.claims.scope).split(' ')).toContain('mcp:tools');

        const run = await cli.exit();
        expect(run.code).toBe(0);
        const log = stack.logText();
        expect(log).toMatch(era);
        if (protocol === '2026-07-28') expect(log).not.toMatch(eras.legacy);
        const tokens = await cli.storedTokens();
        expect(tokens).toHaveLength(1);
        const secrets = tokens.flatMap((t) => [t.accessToken, t.refreshToken]);
        expect(leaks(`${run.stdout}${run.stderr}`, secrets)).toBe(false);
        expect(leaks(log, secrets)).toBe(false);
      } finally {
        await cli.close();
      }
    });
  }

  test('[CL-13] step-up: admin-stats answers 403 insufficient_scope, the CLI asks for the union of scopes, consent, the call succeeds', async ({
    page,
    stack,
    opener,
  }, testInfo) => {
    const cli = await PortcullisCli.create({ mcpUrl: stack.mcpUrl, opener });
    try {
      const first = await connectCli(cli, page, testInfo, { kind: stack.idp.kind, user: ALICE });
      expect(first.url.searchParams.get('scope')?.split(' ')).not.toContain('mcp:admin');
      const call = cli.run('call admin-stats {}');
      const url = await cli.nextAuthorizationUrl();
      expect(url.searchParams.get('scope')?.split(' ')).toEqual(
        expect.arrayContaining(['mcp:tools', 'mcp:admin']),
      );
      const landing = await authorizeInBrowser(page, testInfo, { kind: stack.idp.kind, url, user: ALICE });
      // The browser still has the IdP session and the proxy's approval of this client: no second login and
      // no proxy page, but the IdP's consent for the new scope.
      expect(landing).toMatchObject({ error: null, pages: ['consent'] });
      const output = await call;
      expect(output.stdout).toMatch(/🔧 Tool 'admin-stats' result:\n\S/);
      expect(stack.logText()).toMatch(/insufficient_scope/);
      const session = whoami((await cli.run('whoami')).stdout);
      expect(String(session.claims.scope).split(' ')).toEqual(
        expect.arrayContaining(['mcp:tools', 'mcp:admin']),
      );
      const run = await cli.exit();
      expect(run.code).toBe(0);
      expect(logins(run.stderr)).toBe(2);
    } finally {
      await cli.close();
    }
  });

  test('[CL-30] refresh after the access token expired, then logout: the token leaves the store and the next call needs the browser', async ({
    page,
    keycloak,
    proxyMode,
    opener,
  }, testInfo) => {
    const stack = await startShortTokenStack({ keycloak, proxyMode, seconds: keycloak ? 10 : 3 });
    const cli = await PortcullisCli.create({ mcpUrl: stack.mcpUrl, opener });
    try {
      await connectCli(cli, page, testInfo, { kind: stack.idp.kind, user: ALICE });
      expect((await cli.run('call hello-world {"name":"joe"}')).stdout).toMatch(HELLO_JOE_CLI);
      const before = whoami((await cli.run('whoami')).stdout).claims;
      const [held] = await cli.storedTokens();
      expect(held?.refreshToken).toBeDefined();
      // Let the access token expire (its own `exp`, plus a second for clock rounding).
      await page.waitForTimeout(Math.max(0, Number(before.exp) * 1000 + 1000 - Date.now()));

      expect((await cli.run('call hello-world {"name":"joe"}')).stdout).toMatch(HELLO_JOE_CLI);
      expect(logins(cli.stderr)).toBe(1);
      const after = whoami((await cli.run('whoami')).stdout).claims;
      expect(Number(after.exp)).toBeGreaterThan(Number(before.exp));
      const [refreshed] = await cli.storedTokens();
      expect(refreshed?.accessToken === held?.accessToken).toBe(false);

      expect((await cli.run('logout')).stdout).toContain('🚪 Logged out.');
      expect(await cli.tokenFiles()).toEqual([]);
      const again = cli.run('call hello-world {"name":"joe"}');
      const url = await cli.nextAuthorizationUrl();
      await authorizeInBrowser(page, testInfo, { kind: stack.idp.kind, url, user: ALICE });
      expect((await again).stdout).toMatch(HELLO_JOE_CLI);
      const tokens = await cli.storedTokens();
      expect(tokens).toHaveLength(1);
      const run = await cli.exit();
      expect(run.code).toBe(0);
      expect(logins(run.stderr)).toBe(2);
      const secrets = [held, refreshed, ...tokens].flatMap((t) => [t?.accessToken, t?.refreshToken]);
      expect(leaks(`${run.stdout}${run.stderr}`, secrets)).toBe(false);
    } finally {
      await cli.close();
      await stack.close();
    }
  });
});
