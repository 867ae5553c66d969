import { isLoopbackHost } from '@portcullis/metadata';
import escapeHtmlText from 'escape-html';
import type { FastifyReply } from 'fastify';

/** `value` safe to put in HTML text and in double-quoted attributes (`escape-html`, as Express uses). */
export const escapeHtml: (value: string) => string = escapeHtmlText;

/**
 * Headers of every facade page: never framed (clickjacking on the consent button, PX-04), never cached, no
 * scripts, and no referrer to other sites (the URL carries the authorization request). `same-origin`, not
 * `no-referrer`: under `no-referrer` browsers send `Origin: null` with the page's own form POST, which the
 * consent endpoint's same-origin check must refuse.
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/security_best_practices#confused-deputy-problem
 * @see https://fetch.spec.whatwg.org/#origin-header
 */
export function sendPage(reply: FastifyReply, status: number, title: string, body: string): FastifyReply {
  return reply
    .status(status)
    .header(
      'content-security-policy',
      "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
    )
    .header('x-frame-options', 'DENY')
    .header('cache-control', 'no-store')
    .header('referrer-policy', 'same-origin')
    .header('x-content-type-options', 'nosniff')
    .type('text/html; charset=utf-8')
    .send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>` +
        '<meta name="viewport" content="width=device-width, initial-scale=1">' +
        '<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;line-height:1.5}' +
        'code{background:#f3f3f3;padding:0 .2rem}.warn{background:#fff4e5;border-left:4px solid #f0a020;padding:.5rem 1rem}' +
        'button{font-size:1rem;padding:.5rem 1.2rem;margin-right:.5rem}</style></head>' +
        `<body><h1>${escapeHtml(title)}</h1>${body}</body></html>`,
    );
}

/** An error page for a request the proxy must not redirect (unknown client, wrong `redirect_uri`, bad `state`). */
export function sendErrorPage(
  reply: FastifyReply,
  status: number,
  error: string,
  description: string,
): FastifyReply {
  return sendPage(
    reply,
    status,
    'Authorization failed',
    `<p><strong>${escapeHtml(error)}</strong>: ${escapeHtml(description)}</p>` +
      '<p>Nothing was sent to the application. Start again from the application.</p>',
  );
}

/** What the consent page shows. */
export interface ConsentView {
  readonly requestId: string;
  readonly csrf: string;
  readonly clientId: string;
  readonly clientName: string | undefined;
  readonly redirectUri: string;
  readonly scopes: readonly string[];
  readonly idpIssuer: string;
  readonly actionPath: string;
}

/**
 * The consent page: names the client, shows its `redirect_uri` (and host), the scopes it asks the IdP for,
 * warns about loopback redirects, and posts back with a CSRF token (PX-04, AS-19).
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/security_best_practices#consent-ui
 */
export function renderConsent(view: ConsentView): string {
  const redirect = new URL(view.redirectUri);
  const name = view.clientName ?? view.clientId;
  const scopes =
    view.scopes.length === 0
      ? '<li>the default access of the MCP server</li>'
      : view.scopes.map((s) => `<li><code>${escapeHtml(s)}</code></li>`).join('');
  const loopback = isLoopbackHost(redirect.hostname)
    ? '<p class="warn">This application receives the result on this computer (a localhost redirect). ' +
      'Only continue if you started it yourself just now.</p>'
    : '';
  return (
    `<p>The application <strong>${escapeHtml(name)}</strong> wants to access this MCP server on your behalf, ` +
    `after you sign in at <code>${escapeHtml(view.idpIssuer)}</code>.</p>` +
    `<p>Client ID: <code>${escapeHtml(view.clientId)}</code><br>` +
    `It will be sent back to <strong>${escapeHtml(redirect.host)}</strong>: <code>${escapeHtml(view.redirectUri)}</code></p>` +
    `<p>Requested scopes:</p><ul>${scopes}</ul>${loopback}` +
    `<form id="portcullis-consent" method="post" action="${escapeHtml(view.actionPath)}">` +
    `<input type="hidden" name="request" value="${escapeHtml(view.requestId)}">` +
    `<input type="hidden" name="csrf" value="${escapeHtml(view.csrf)}">` +
    '<button type="submit" name="decision" value="approve">Allow</button>' +
    '<button type="submit" name="decision" value="deny">Deny</button></form>'
  );
}
