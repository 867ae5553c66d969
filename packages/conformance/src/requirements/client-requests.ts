// Generated from spec-checklist.md §2 (transcribed once; edit by hand and keep the drift test green).
import type { Requirement } from './types.js';
import {
  ALL_VERSIONS,
  LEGACY_VERSIONS,
  ONLY_2025_03_26,
  ONLY_2026_07_28,
  SINCE_2025_06_18,
} from './types.js';

/** Client rows CL-23…CL-33 (checklist §2.3): token use, refresh, URL safety and the transport. */
export const CLIENT_REQUESTS: readonly Requirement[] = [
  {
    id: 'CL-23',
    role: 'CL',
    level: 'MUST',
    keyword: 'MUST',
    versions: ALL_VERSIONS,
    transport: 'any',
    requirement:
      'Send `Authorization: Bearer <token>` on every HTTP request to the MCP server (every POST, and [legacy] GET/DELETE); never in the query string.',
    source: 'index §Token Requirements',
    blackBoxTest: 'RS log: every request after auth has the header; no URL contains `access_token`.',
  },
  {
    id: 'CL-24',
    role: 'CL',
    level: 'MUST NOT',
    keyword: 'MUST NOT',
    versions: ALL_VERSIONS,
    transport: 'any',
    requirement: 'Send the MCP server only tokens issued by *its* AS (no cross-server reuse).',
    source: 'index §Token Handling',
    blackBoxTest: 'Two mock RS with different AS: a token obtained for RS-A is never sent to RS-B.',
  },
  {
    id: 'CL-25',
    role: 'CL',
    level: 'MUST',
    keyword: 'MUST',
    versions: ALL_VERSIONS,
    transport: 'any',
    requirement:
      'Respond to 401 appropriately. With a refresh token: refresh (with `resource`) and retry once. Without one, or if refresh fails: run the full flow again.',
    source:
      'Authorization Server Discovery §PRM Discovery Requirements ("respond appropriately" to 401); OAuth 2.1 §4.3',
    blackBoxTest:
      'RS returns `401 invalid_token` for T1 → client sends `grant_type=refresh_token` + `resource`, retries with T2; the retry loop is bounded.',
  },
  {
    id: 'CL-26',
    role: 'CL',
    level: 'MUST / SHOULD / MAY / MUST NOT [2026]',
    keyword: 'MUST',
    versions: ONLY_2026_07_28,
    transport: 'any',
    requirement:
      'Refresh tokens: keep them confidential (MUST); put `refresh_token` in `grant_types` (SHOULD); add `offline_access` only if ASM `scopes_supported` lists it (MAY); never assume a refresh token will be issued (MUST NOT).',
    source: 'index §Refresh Tokens',
    blackBoxTest:
      'Conformance `auth/offline-access-scope` (`sep-2207-client-metadata-grant-types`, `sep-2207-offline-access-requested` INFO) and `auth/offline-access-not-supported` (`sep-2207-offline-access-not-requested`: FAIL if requested).',
  },
  {
    id: 'CL-27',
    role: 'CL',
    level: 'MUST',
    keyword: 'MUST',
    versions: ALL_VERSIONS,
    transport: 'any',
    requirement: 'Redirect URIs are registered with the AS and are loopback/localhost or https.',
    source: 'Security Considerations §Open Redirection, §Communication Security',
    blackBoxTest: 'Inspect the DCR body / CIMD doc `redirect_uris`.',
  },
  {
    id: 'CL-28',
    role: 'CL',
    level: 'MUST (SBP)',
    keyword: 'MUST',
    versions: ALL_VERSIONS,
    transport: 'any',
    requirement:
      'Check the authorization URL before opening it: allow only `https`, or `http` on loopback; reject `javascript:`, `data:`, `file:`, `vbscript:`; never open it through a shell.',
    source: 'SBP §OAuth Authorization URL Validation',
    blackBoxTest:
      'ASM `authorization_endpoint:"javascript:alert(1)"` or `file:///etc/passwd` → the client refuses; no browser or process is spawned.',
  },
  {
    id: 'CL-29',
    role: 'CL',
    level: 'MUST consider / SHOULD (SBP)',
    keyword: 'MUST',
    versions: ALL_VERSIONS,
    transport: 'any',
    requirement:
      'SSRF defences for server-side clients: HTTPS for OAuth URLs (loopback only with an explicit dev opt-out); block private, link-local and cloud-metadata IPs; check each redirect hop.',
    source: 'SBP §Server-Side Request Forgery',
    blackBoxTest:
      'PRM `authorization_servers:["http://169.254.169.254/"]` → refused without a request; a 302 to `http://10.0.0.1` during discovery → not followed.',
  },
  {
    id: 'CL-30',
    role: 'CL',
    level: 'MUST',
    keyword: 'MUST',
    versions: ALL_VERSIONS,
    transport: 'any',
    requirement: 'Store tokens securely; never log them.',
    source: 'Security Considerations §Token Theft',
    blackBoxTest: 'Grep client logs for the token strings → none.',
  },
  {
    id: 'CL-31',
    role: 'CL',
    level: 'MUST [≥06-18]',
    keyword: 'MUST',
    versions: SINCE_2025_06_18,
    transport: 'any',
    requirement:
      'Send the `MCP-Protocol-Version` header ([legacy] on all requests after init; [2026] on every POST, equal to `_meta`, plus `Mcp-Method`/`Mcp-Name`).',
    source: 'transports §Protocol Version Header',
    blackBoxTest: 'RS log shows the header on every request; conformance `http-standard-headers` (2026).',
  },
  {
    id: 'CL-32',
    role: 'CL',
    level: 'MUST [legacy]',
    keyword: 'MUST',
    versions: LEGACY_VERSIONS,
    transport: 'legacy',
    requirement:
      'Echo `Mcp-Session-Id` on later requests; on a 404 for that session, start a new session. The `Authorization` header is still sent.',
    source: '2025-11-25 transports §Session Management',
    blackBoxTest:
      'RS assigns a session → the client echoes it together with a Bearer token; RS returns 404 → the client re-initializes.',
  },
  {
    id: 'CL-33',
    role: 'CL',
    level: 'optional back-compat',
    keyword: 'MAY',
    versions: ONLY_2025_03_26,
    transport: 'any',
    requirement:
      '2025-03-26 servers: if there is no PRM, use ASM at the MCP origin root; if no ASM, use the default `/authorize`, `/token`, `/register`.',
    source: '2025-03-26 §Server Metadata Discovery, §Fallbacks',
    blackBoxTest:
      'Conformance `auth/2025-03-26-oauth-metadata-backcompat`, `auth/2025-03-26-oauth-endpoint-fallback` (backcompat suite, not scored).',
  },
];
