// Generated from spec-checklist.md §2 (transcribed once; edit by hand and keep the drift test green).
import type { Requirement } from './types.js';
import { ALL_VERSIONS, ONLY_2026_07_28, SINCE_2025_06_18, SINCE_2025_11_25 } from './types.js';

/** Authorization server rows AS-01…AS-23 (checklist §2.2). */
export const AUTHORIZATION_SERVER: readonly Requirement[] = [
  {
    id: 'AS-01',
    role: 'AS',
    level: 'MUST',
    keyword: 'MUST',
    versions: ALL_VERSIONS,
    transport: 'any',
    requirement: 'Provide RFC 8414 ASM and/or OIDC Discovery (at least one). (ref) Provide both.',
    source: 'index §Overview item 5',
    blackBoxTest:
      '`GET /.well-known/oauth-authorization-server` (or `…/<issuer-path>`) → `200` JSON with `issuer`, `authorization_endpoint`, `token_endpoint`, `response_types_supported` ⊇ `["code"]`.',
  },
  {
    id: 'AS-02',
    role: 'AS',
    level: 'MUST (RFC 8414 §2, §3.3)',
    keyword: 'MUST',
    versions: ALL_VERSIONS,
    transport: 'any',
    requirement:
      '`issuer` is https with no query or fragment. It is identical to the issuer used to build the well-known URL: for issuer `https://a/t1`, the metadata is at `https://a/.well-known/oauth-authorization-server/t1`.',
    source: 'RFC 8414 §3, §3.3; Authorization Server Discovery §AS Metadata Discovery',
    blackBoxTest:
      'Fetch ASM → `issuer` === the configured issuer string; path-insertion URL works for a path issuer.',
  },
  {
    id: 'AS-03',
    role: 'AS',
    level: 'MUST (MCP compat)',
    keyword: 'MUST',
    versions: ALL_VERSIONS,
    transport: 'any',
    requirement:
      '`code_challenge_methods_supported` is present and includes `S256`. OIDC providers MUST include it.',
    source: 'Security Considerations §Authorization Code Protection',
    blackBoxTest: 'ASM and OIDC docs both contain `code_challenge_methods_supported` ∋ `"S256"`.',
  },
  {
    id: 'AS-04',
    role: 'AS',
    level: 'MUST',
    keyword: 'MUST',
    versions: ALL_VERSIONS,
    transport: 'any',
    requirement: 'Implement OAuth 2.1 with PKCE. (ref) Require PKCE and accept only `S256`.',
    source: 'index §Overview item 1; OAuth 2.1 §4.1, §7.5',
    blackBoxTest:
      '`GET /authorize` without `code_challenge` → redirect with `error=invalid_request`; `code_challenge_method=plain` → `invalid_request`; token request with wrong `code_verifier` → `400 invalid_grant`; `code_verifier` sent when no challenge was sent → `400 invalid_grant` (downgrade protection).',
  },
  {
    id: 'AS-05',
    role: 'AS',
    level: 'MUST (OAuth 2.1)',
    keyword: 'MUST',
    versions: ALL_VERSIONS,
    transport: 'any',
    requirement:
      'Authorization codes are single-use and short-lived (≤10 min), bound to client_id, redirect_uri and code_challenge.',
    source: 'OAuth 2.1 §4.1.2, §4.1.3',
    blackBoxTest:
      'Redeem the code twice → second is `400 invalid_grant` (SHOULD also revoke tokens from the first); redeem with another client_id → `400 invalid_grant`.',
  },
  {
    id: 'AS-06',
    role: 'AS',
    level: 'MUST',
    keyword: 'MUST',
    versions: ALL_VERSIONS,
    transport: 'any',
    requirement:
      'Exact match of redirect URI against registered values. Loopback IP redirects may vary in port only.',
    source: 'Security Considerations §Open Redirection; OAuth 2.1 §2.3.1; RFC 8252 §7.3',
    blackBoxTest:
      'Unregistered `redirect_uri` → error page (`400`), no 302 to it; registered `http://127.0.0.1/cb` requested as `http://127.0.0.1:49152/cb` → accepted; `…/cb/extra` → rejected.',
  },
  {
    id: 'AS-07',
    role: 'AS',
    level: 'MUST',
    keyword: 'MUST',
    versions: ALL_VERSIONS,
    transport: 'any',
    requirement: 'Redirect URIs must be `localhost`/loopback or `https`.',
    source: 'Security Considerations §Communication Security',
    blackBoxTest:
      'DCR with `redirect_uris:["http://evil.test/cb"]` → `400 {"error":"invalid_redirect_uri"}`; `https://app.test/cb` and `http://127.0.0.1:3000/cb` → `201`. CIMD doc with an http non-loopback redirect → authorize rejected.',
  },
  {
    id: 'AS-08',
    role: 'AS',
    level: 'MUST',
    keyword: 'MUST',
    versions: ALL_VERSIONS,
    transport: 'any',
    requirement: 'Every AS endpoint is HTTPS (loopback http for tests only).',
    source: 'Security Considerations §Communication Security; OAuth 2.1 §1.5',
    blackBoxTest: 'All URLs in ASM are `https:` in production config.',
  },
  {
    id: 'AS-09',
    role: 'AS',
    level: '(ref) MUST',
    keyword: 'MUST',
    versions: SINCE_2025_06_18,
    transport: 'any',
    requirement:
      'Honour RFC 8707 `resource`: bind the token audience to it. Reject unknown/invalid resources (fragment, relative URI) with `invalid_target`.',
    source: 'RFC 8707 §2; Security Considerations §Token Audience Binding',
    blackBoxTest:
      'authorize+token with `resource=https://rs.test/mcp` → the JWT `aud` contains it exactly; `resource=https://unknown.test` → `invalid_target`; `resource=https://rs.test/mcp#x` → `invalid_target`; token-request resource not granted at authorize → `invalid_target`.',
  },
  {
    id: 'AS-10',
    role: 'AS',
    level: 'MUST (OAuth 2.1 §3.2.3)',
    keyword: 'MUST',
    versions: ALL_VERSIONS,
    transport: 'any',
    requirement:
      'Token response: `200`, `application/json`, `Cache-Control: no-store`, with `access_token` and `token_type: "Bearer"` (+ `expires_in`).',
    source: 'OAuth 2.1; conformance `authorization-code-grant`',
    blackBoxTest: 'Valid code exchange → those headers and fields.',
  },
  {
    id: 'AS-11',
    role: 'AS',
    level: 'SHOULD',
    keyword: 'SHOULD',
    versions: ALL_VERSIONS,
    transport: 'any',
    requirement: 'Issue short-lived access tokens.',
    source: 'Security Considerations §Token Theft',
    blackBoxTest: '`expires_in` ≤ configured maximum (e.g. 3600).',
  },
  {
    id: 'AS-12',
    role: 'AS',
    level: 'MUST',
    keyword: 'MUST',
    versions: ALL_VERSIONS,
    transport: 'any',
    requirement: 'Rotate refresh tokens for public clients.',
    source: 'Security Considerations §Token Theft; OAuth 2.1 §4.3.1',
    blackBoxTest:
      'Refresh with R1 → new R2; refresh with R1 again → `400 invalid_grant` (ref: also revoke R2). The refresh request keeps/narrows `resource`.',
  },
  {
    id: 'AS-13',
    role: 'AS',
    level: 'SHOULD [2026]',
    keyword: 'SHOULD',
    versions: ONLY_2026_07_28,
    transport: 'any',
    requirement:
      'Include `iss` (= issuer) in authorization responses, including error responses (RFC 9207). If it does, it MUST set `authorization_response_iss_parameter_supported: true`.',
    source: 'index §Authorization Response Validation',
    blackBoxTest:
      '`GET /authorize` (auto-approve test user) → `Location` has `iss=<issuer>` exactly once; error redirect also has `iss`; ASM flag is `true`.',
  },
  {
    id: 'AS-14',
    role: 'AS',
    level: '(OAuth) MUST',
    keyword: 'MUST',
    versions: ALL_VERSIONS,
    transport: 'any',
    requirement: 'Return `state` unchanged. `code`, `state` and `iss` appear once each.',
    source: 'RFC 6749 §4.1.2; conformance `authorization-code-grant`',
    blackBoxTest: '`state=xyz` → `Location` has `state=xyz` once.',
  },
  {
    id: 'AS-15',
    role: 'AS',
    level: 'SHOULD [≥11-25]',
    keyword: 'SHOULD',
    versions: SINCE_2025_11_25,
    transport: 'any',
    requirement: 'Support CIMD and advertise `client_id_metadata_document_supported: true`.',
    source: 'Client Registration §CIMD, §Advertising CIMD Support',
    blackBoxTest:
      'ASM has the flag `true` (conformance `authorization-server-metadata-cimd` gives WARNING if missing).',
  },
  {
    id: 'AS-16',
    role: 'AS',
    level: 'MUST (if CIMD)',
    keyword: 'MUST',
    versions: ALL_VERSIONS,
    transport: 'any',
    requirement:
      'On a URL `client_id`: fetch the document, and check it is valid JSON with the required fields (`client_id`, `client_name`, `redirect_uris`). Doc `client_id` === URL (simple string compare). The requested `redirect_uri` is in the doc.',
    source: 'Client Registration §Implementation Requirements; CIMD draft §Client ID Metadata Document',
    blackBoxTest:
      'Mock doc host: (a) doc `client_id` differs → error (`invalid_client`), no redirect; (b) `redirect_uri` not in doc → error; (c) non-JSON or missing `redirect_uris` → error; (d) valid → consent page shows `client_name`.',
  },
  {
    id: 'AS-17',
    role: 'AS',
    level: 'MUST (CIMD draft)',
    keyword: 'MUST',
    versions: ALL_VERSIONS,
    transport: 'any',
    requirement:
      'CIMD fetch: only `200` counts as success; do not follow redirects; do not cache errors or invalid docs; SHOULD respect cache headers; reject shared-secret auth methods (`client_secret_*`) and `client_secret` in the doc.',
    source: 'CIMD draft (client info discovery, credential restrictions, caching)',
    blackBoxTest:
      'Doc URL answers `302` → authorize fails; doc with `token_endpoint_auth_method: client_secret_basic` → rejected; doc with `Cache-Control: max-age=60` is fetched once for two authorizations.',
  },
  {
    id: 'AS-18',
    role: 'AS',
    level: 'SHOULD (MCP) / MUST NOT fetch special-use IPs (CIMD draft)',
    keyword: 'MUST NOT',
    versions: ALL_VERSIONS,
    transport: 'any',
    requirement:
      'SSRF protection on CIMD fetch: block private, loopback and link-local targets (production); (ref) read at most ~5 KB.',
    source:
      'Security Considerations §AS Abuse Protection; CIMD draft §SSRF, §Maximum Response Size; 2026 SBP §SSRF Against AS',
    blackBoxTest:
      '`client_id=https://10.0.0.5/c.json` or a name resolving to 169.254.169.254 → rejected with no outbound fetch (sinkhole sees nothing); 6 KB doc → rejected.',
  },
  {
    id: 'AS-19',
    role: 'AS',
    level: 'MUST / SHOULD',
    keyword: 'MUST',
    versions: ALL_VERSIONS,
    transport: 'any',
    requirement:
      'Clearly show the redirect-URI hostname during authorization (MUST); warn for localhost-only redirects (SHOULD).',
    source: 'Security Considerations §Localhost Redirect URI Risks',
    blackBoxTest: 'Consent HTML contains the redirect host; localhost-only client shows the warning text.',
  },
  {
    id: 'AS-20',
    role: 'AS',
    level: 'MAY; deprecated [2026]',
    keyword: 'MAY',
    versions: ALL_VERSIONS,
    transport: 'any',
    requirement:
      'DCR (RFC 7591): `POST registration_endpoint` JSON → `201` with `client_id` (and `client_secret_expires_at` if a secret is issued); `token_endpoint_auth_method:"none"` for public clients. Bad metadata → `400 invalid_client_metadata` / `invalid_redirect_uri`.',
    source: 'Client Registration §DCR; RFC 7591 §3.2',
    blackBoxTest:
      '`POST /register` `{redirect_uris:["http://127.0.0.1:3000/cb"],token_endpoint_auth_method:"none",application_type:"native"}` → `201` `{client_id,…}`; `{}` → `400`.',
  },
  {
    id: 'AS-21',
    role: 'AS',
    level: '(ref) SHOULD [2026]',
    keyword: 'SHOULD',
    versions: ONLY_2026_07_28,
    transport: 'any',
    requirement:
      'Accept `application_type:"native"` with loopback redirects. If OIDC-style checks are enforced, reject `web` + localhost with a clear `invalid_redirect_uri`.',
    source: 'Client Registration §Application Type and Redirect URI Constraints',
    blackBoxTest:
      'DCR `native` + `http://127.0.0.1:…` → `201`; behaviour for `web` + localhost is documented and tested.',
  },
  {
    id: 'AS-22',
    role: 'AS',
    level: 'MUST',
    keyword: 'MUST',
    versions: ALL_VERSIONS,
    transport: 'any',
    requirement:
      'Never redirect to an untrusted or unregistered URI. SHOULD auto-redirect only to trusted URIs, otherwise inform the user.',
    source: 'Security Considerations §Open Redirection; OAuth 2.1 §7.12.2',
    blackBoxTest: 'Invalid `client_id` or `redirect_uri` → `400` page, no `Location` to the attacker URI.',
  },
  {
    id: 'AS-23',
    role: 'AS',
    level: '(ref) MAY',
    keyword: 'MAY',
    versions: ALL_VERSIONS,
    transport: 'any',
    requirement:
      'Advertise `offline_access` in `scopes_supported` if refresh tokens are issued only on request.',
    source: 'index §Refresh Tokens',
    blackBoxTest: 'ASM `scopes_supported` contains `offline_access` ⇔ the AS config says so.',
  },
];
