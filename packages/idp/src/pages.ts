import type { ServerResponse } from 'node:http';
import escapeHtmlText from 'escape-html';

/**
 * Response headers of every HTML page the IdP renders: never cached, never framed (clickjacking), no
 * scripts. `form-action` is left open on purpose: browsers apply it to the redirect chain that ends at the
 * client's redirect URI.
 * @see MCP Security Best Practices §Consent UI (frame-ancestors / X-Frame-Options)
 */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  pragma: 'no-cache',
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/** Escape text for HTML element content and double-quoted attribute values (`escape-html`, as Express uses). */
export const escapeHtml: (value: string) => string = escapeHtmlText;

const STYLE = `body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;color:#1b1b1b}
h1{font-size:1.4rem}label{display:block;margin:.8rem 0 .2rem}input{width:100%;padding:.5rem;box-sizing:border-box}
button{margin:1rem .5rem 0 0;padding:.5rem 1.2rem}.error,.warning{padding:.6rem;border-radius:4px}
.error{background:#fde2e1}.warning{background:#fff3cd}code{word-break:break-all}`;

function layout(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><main>${body}</main></body></html>`;
}

/** Write an HTML page with {@link PAGE_HEADERS}. */
export function sendPage(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, { ...PAGE_HEADERS, 'content-length': Buffer.byteLength(html) });
  res.end(html);
}

/** What the login page shows. */
export interface LoginView {
  action: string;
  csrf: string;
  clientName: string;
  username?: string | undefined;
  error?: string | undefined;
}

/** Login page: `form#login`, `input[name=username]`, `input[name=password]`, hidden `csrf`, `button#login`. */
export function loginPage(view: LoginView): string {
  const error = view.error
    ? `<p id="login-error" class="error" role="alert">${escapeHtml(view.error)}</p>`
    : '';
  return layout(
    'Sign in',
    `<h1>Sign in</h1>
<p>to continue to <strong id="client-name">${escapeHtml(view.clientName)}</strong></p>${error}
<form id="login" method="post" action="${escapeHtml(view.action)}" autocomplete="off">
<input type="hidden" name="csrf" value="${escapeHtml(view.csrf)}">
<label for="username">Username</label>
<input id="username" name="username" required autofocus value="${escapeHtml(view.username ?? '')}">
<label for="password">Password</label>
<input id="password" name="password" type="password" required>
<button id="login" type="submit">Sign in</button>
</form>`,
  );
}

/** What the consent page shows. */
export interface ConsentView {
  action: string;
  csrf: string;
  clientName: string;
  clientId: string;
  /** True when the client ID is a client ID metadata document URL. */
  metadataDocument: boolean;
  redirectUri: string;
  redirectHost: string;
  localhostRedirect: boolean;
  userName: string;
  scopes: readonly string[];
  resources: readonly { uri: string; name: string }[];
}

/**
 * Consent page: `form#consent` with hidden `csrf`, `button#approve` / `button#deny` (`name=decision`); shows
 * `#client-name`, `#client-id`, `#redirect-host`, `#redirect-uri`, `ul#scopes`, `ul#resources` and, for a
 * loopback redirect, `#localhost-warning`.
 * @see MCP Security Considerations §Localhost Redirect URI Risks (AS-19)
 */
export function consentPage(view: ConsentView): string {
  const warning = view.localhostRedirect
    ? `<p id="localhost-warning" class="warning" role="alert"><strong>Warning:</strong> this application will
receive access at a local address on your computer (<code>${escapeHtml(view.redirectHost)}</code>). Any program on
this device could be listening there. Continue only if you started this sign-in from an application on this
device.</p>`
    : '';
  const origin = view.metadataDocument
    ? `<p>Client identity published by <code id="client-id">${escapeHtml(view.clientId)}</code></p>`
    : `<p>Client ID <code id="client-id">${escapeHtml(view.clientId)}</code></p>`;
  const scopes = view.scopes.length
    ? view.scopes.map((s) => `<li data-scope="${escapeHtml(s)}"><code>${escapeHtml(s)}</code></li>`).join('')
    : '<li>(no scopes)</li>';
  const resources = view.resources
    .map(
      (r) =>
        `<li data-resource="${escapeHtml(r.uri)}">${escapeHtml(r.name)} <code>${escapeHtml(r.uri)}</code></li>`,
    )
    .join('');
  return layout(
    'Authorize access',
    `<h1>Authorize <span id="client-name">${escapeHtml(view.clientName)}</span></h1>
${origin}
<p>Signed in as <strong id="user-name">${escapeHtml(view.userName)}</strong>.</p>
<p>After you decide, you will be sent to <strong id="redirect-host">${escapeHtml(view.redirectHost)}</strong>
(<code id="redirect-uri">${escapeHtml(view.redirectUri)}</code>).</p>${warning}
<p>It asks for these permissions:</p><ul id="scopes">${scopes}</ul>
${resources ? `<p>on these servers:</p><ul id="resources">${resources}</ul>` : ''}
<form id="consent" method="post" action="${escapeHtml(view.action)}">
<input type="hidden" name="csrf" value="${escapeHtml(view.csrf)}">
<button id="approve" type="submit" name="decision" value="approve">Allow</button>
<button id="deny" type="submit" name="decision" value="deny">Deny</button>
</form>`,
  );
}

/** Error page: `#error-code` holds the RFC 6749 code, `#error-description` the description. */
export function errorPage(error: string, description: string | undefined): string {
  return layout(
    'Sign-in error',
    `<h1 id="error">Something went wrong</h1>
<p><code id="error-code">${escapeHtml(error)}</code></p>
<p id="error-description">${escapeHtml(description ?? '')}</p>
<p>Close this window and start again from your application.</p>`,
  );
}
