import { CookieBrowser } from '@portcullis/test-support';

/** The IdP's answer to the proxy's callback: its code, and the `state` and `iss` it sent with it. */
export interface IdpAnswer {
  readonly code: string;
  readonly state?: string | undefined;
  readonly iss?: string | undefined;
}

function hidden(html: string, name: string): string {
  return new RegExp(`name="${name}" value="([^"]+)"`).exec(html)?.[1] ?? '';
}

/**
 * A browser's way through the facade when the IdP's pages need their own driver (Keycloak's, over plain HTTP):
 * the proxy's consent page, allowed; then `atIdp`, from the proxy's redirect to the IdP up to the IdP's
 * redirect to the proxy's callback; then that callback in this browser (it holds the relay cookie), which sends
 * it on to the client. Returns the redirect to the client.
 */
export async function authorizeThroughProxy(
  authorizeUrl: string,
  atIdp: (idpAuthorization: URL) => Promise<IdpAnswer>,
): Promise<URL> {
  const browser = new CookieBrowser();
  const page = await browser.get(authorizeUrl);
  const html = await page.text();
  if (page.status !== 200)
    throw new Error(`no proxy consent page: HTTP ${page.status} ${html.slice(0, 200)}`);
  const allowed = await browser.post(new URL('/consent', authorizeUrl).href, {
    request: hidden(html, 'request'),
    csrf: hidden(html, 'csrf'),
    decision: 'approve',
  });
  const idpAuthorization = new URL(allowed.headers.get('location') ?? '');
  const answer = await atIdp(idpAuthorization);
  const callback = new URL(idpAuthorization.searchParams.get('redirect_uri') ?? '');
  const back: Record<string, string> = { code: answer.code };
  if (answer.state !== undefined) back.state = answer.state;
  if (answer.iss !== undefined) back.iss = answer.iss;
  callback.search = new URLSearchParams(back).toString();
  const toClient = await browser.get(callback.href);
  if (toClient.status !== 302) throw new Error(`the proxy callback answered HTTP ${toClient.status}`);
  return new URL(toClient.headers.get('location') ?? '');
}
