// This file defines the complete public surface of @portcullis/test-support.
// Any export added here becomes public API. Use named exports, not wildcards.

export { CookieBrowser } from './cookie-browser.js';
export type { EmbeddedIdpTokenRequest, EmbeddedIdpTokens } from './embedded-idp-token.js';
export { embeddedIdpToken } from './embedded-idp-token.js';
export { freePort } from './free-port.js';
export type { LocalIssuer } from './local-issuer.js';
export { startLocalIssuer } from './local-issuer.js';
export type { PkcePair } from './pkce.js';
export { pkcePair } from './pkce.js';
export type { RawExchange } from './raw-http.js';
export { rawHttpExchange } from './raw-http.js';
