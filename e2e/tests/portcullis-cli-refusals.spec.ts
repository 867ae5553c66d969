import { authorizeInBrowser, firstSignInPages } from '../fixtures/cli-flow.js';
import { PortcullisCli } from '../fixtures/portcullis-cli.js';
import {
  answerConsent,
  attachScreenshot,
  consentForms,
  loginError,
  openAuthorizationUrl,
  submitLogin,
} from '../fixtures/sign-in.js';
import { expect, test } from '../fixtures/test.js';
import { ALICE } from '../fixtures/users.js';

/** `portcullis` exit code 4: login, token or permission failure (packages/client README). */
const EXIT_LOGIN_FAILED = 4;

// Refusals a user (or an attacker) causes in the browser, as the real `portcullis connect` reports them.
test.describe('portcullis CLI refusals', () => {
  test('a denied consent: the CLI reports access_denied, exits 4 and stores no token', async ({
    page,
    stack,
    opener,
  }, testInfo) => {
    const cli = await PortcullisCli.create({ mcpUrl: stack.mcpUrl, opener });
    try {
      cli.connect();
      const url = await cli.nextAuthorizationUrl();
      const landing = await authorizeInBrowser(page, testInfo, {
        kind: stack.idp.kind,
        url,
        user: ALICE,
        decision: 'deny',
      });
      expect(landing).toMatchObject({ error: 'access_denied', pages: firstSignInPages(stack.proxyMode) });
      await expect(page.locator('h1')).toHaveText('Authorization not completed');
      const run = await cli.exited();
      expect(run.code).toBe(EXIT_LOGIN_FAILED);
      expect(run.stderr).toContain(
        `✖ the authorization server ${stack.authorizationServer} answered access_denied`,
      );
      expect(run.stderr).toContain('(ERR_PORTCULLIS_CLIENT_AUTHORIZATION_DENIED)');
      expect(run.stderr).not.toContain('Connected');
      expect(await cli.tokenFiles()).toEqual([]);
    } finally {
      await cli.close();
    }
  });

  test('a wrong password keeps the user on the login page and the CLI waiting; the right one connects', async ({
    page,
    stack,
    opener,
  }, testInfo) => {
    const kind = stack.idp.kind;
    const cli = await PortcullisCli.create({ mcpUrl: stack.mcpUrl, opener });
    try {
      cli.connect();
      await openAuthorizationUrl(page, await cli.nextAuthorizationUrl(), testInfo);
      await submitLogin(page, kind, { ...ALICE, password: 'not-alices-password' }, testInfo);
      expect(await loginError(page, kind)).toMatch(/(wrong|invalid) username or password/i);
      await attachScreenshot(page, testInfo, `${kind} login page after a wrong password`);
      expect(new URL(page.url()).origin).toBe(new URL(stack.idp.issuer).origin);
      await expect(consentForms(page, kind)).toHaveCount(0);
      expect(cli.stderr).not.toContain('Connected');
      expect(await cli.tokenFiles()).toEqual([]);

      await submitLogin(page, kind, ALICE, testInfo);
      await answerConsent(page, kind, 'approve', testInfo);
      await cli.waitForStderr(/✅ Connected to /);
      expect((await cli.run('call hello-world {"name":"joe"}')).stdout).toContain('Hello, joe!');
      expect((await cli.exit()).code).toBe(0);
    } finally {
      await cli.close();
    }
  });

  test('[CL-22] a tampered state on the way to the loopback listener is refused by the CLI; no token', async ({
    page,
    stack,
    opener,
  }, testInfo) => {
    const cli = await PortcullisCli.create({ mcpUrl: stack.mcpUrl, opener });
    try {
      cli.connect();
      const url = await cli.nextAuthorizationUrl();
      let original: string | null = null;
      const landing = await authorizeInBrowser(page, testInfo, {
        kind: stack.idp.kind,
        url,
        user: ALICE,
        tamper: (callback) => {
          original = callback.searchParams.get('state');
          callback.searchParams.set('state', 'forged-by-the-test');
        },
      });
      expect(original).toBe(url.searchParams.get('state'));
      expect(landing.error).toBeNull();
      const run = await cli.exited();
      expect(run.code).toBe(EXIT_LOGIN_FAILED);
      expect(run.stderr).toContain('✖ rejected the authorization response');
      expect(run.stderr).toContain('(ERR_PORTCULLIS_CLIENT_STATE_MISMATCH)');
      expect(await cli.tokenFiles()).toEqual([]);
    } finally {
      await cli.close();
    }
  });
});
