// Generated from spec-checklist.md §2 (transcribed once; edit by hand and keep the drift test green).
import type { Requirement } from './types.js';
import {
  ALL_VERSIONS,
  LEGACY_SINCE_2025_06_18,
  LEGACY_VERSIONS,
  ONLY_2026_07_28,
  SINCE_2025_06_18,
  SINCE_2025_11_25,
} from './types.js';

/** Resource server rows RS-12…RS-31 (checklist §2.1): token validation, scopes, sessions, transport and token hygiene. */
export const RESOURCE_SERVER_ACCESS: readonly Requirement[] = [
  {
    id: 'RS-12',
    role: 'RS',
    level: 'MUST',
    keyword: 'MUST',
    versions: ALL_VERSIONS,
    transport: 'any',
    requirement:
      'Validate the access token per OAuth 2.1 §5.2 (signature/introspection, expiry, issuer) before processing the request.',
    source: 'index §Token Handling; Security Considerations §Access Token Privilege Restriction',
    blackBoxTest:
      'Bad signature / `exp` in the past / `nbf` in the future / unknown `kid` → `401`, `WWW-Authenticate: Bearer error="invalid_token"`, `resource_metadata=…`; the JSON-RPC handler is never invoked (check with a tool that has a side effect).',
  },
  {
    id: 'RS-13',
    role: 'RS',
    level: 'MUST',
    keyword: 'MUST',
    versions: SINCE_2025_06_18,
    transport: 'any',
    requirement:
      'Audience validation. Accept only tokens issued for *this* server (the audience contains its canonical URI) and reject the rest.',
    source: 'index §Token Handling; RFC 8707 §2; Security Considerations §Token Audience Binding',
    blackBoxTest:
      'Token correctly signed by the trusted AS but `aud="https://other.test/mcp"` → `401 invalid_token`; token with no `aud` → `401`; `aud` array containing our URI → `200`.',
  },
  {
    id: 'RS-14',
    role: 'RS',
    level: 'MUST',
    keyword: 'MUST',
    versions: ALL_VERSIONS,
    transport: 'any',
    requirement: 'Accept only tokens from the configured AS ("MUST NOT accept or transit any other tokens").',
    source: 'index §Token Handling',
    blackBoxTest: 'Token signed by a different issuer/key with correct `aud` → `401 invalid_token`.',
  },
  {
    id: 'RS-15',
    role: 'RS',
    level: 'MUST',
    keyword: 'MUST',
    versions: ALL_VERSIONS,
    transport: 'any',
    requirement:
      'Invalid or expired tokens get HTTP 401, answered per OAuth 2.1 §5.3: `error="invalid_token"`, optional `error_description`, and (ref) `resource_metadata`.',
    source: 'index §Token Handling, §Error Handling',
    blackBoxTest: 'Expired token → `401`; challenge has `error="invalid_token"`.',
  },
  {
    id: 'RS-16',
    role: 'RS',
    level: 'SHOULD [≥11-25]',
    keyword: 'SHOULD',
    versions: SINCE_2025_11_25,
    transport: 'any',
    requirement:
      'Insufficient scope gets 403 with `WWW-Authenticate: Bearer error="insufficient_scope", scope="<needed>", resource_metadata="…"`. `error_description` is optional.',
    source: 'index §Runtime Insufficient Scope Errors; RFC 6750 §3.1',
    blackBoxTest:
      'Token with `mcp:read` calls a tool that needs `mcp:write` → `403`, `error="insufficient_scope"`, `scope` contains `mcp:write`, `resource_metadata` present.',
  },
  {
    id: 'RS-17',
    role: 'RS',
    level: 'SHOULD [2026]',
    keyword: 'SHOULD',
    versions: ONLY_2026_07_28,
    transport: 'any',
    requirement:
      'Put all scopes needed for the operation in a single challenge (no incremental challenges). Previously granted scopes need not be listed.',
    source: 'index §Server Scope Management',
    blackBoxTest:
      'An operation needing `a b` with a token holding neither → the first 403 lists both `a` and `b`.',
  },
  {
    id: 'RS-18',
    role: 'RS',
    level: 'MUST [2026]',
    keyword: 'MUST',
    versions: ONLY_2026_07_28,
    transport: 'any',
    requirement: 'Account for scope hierarchies: a broader scope satisfies narrower ones.',
    source: 'index §Step-Up Authorization Flow',
    blackBoxTest:
      'Token with `files` (configured parent of `files:read`) calls a `files:read` operation → `200`, not `403`.',
  },
  {
    id: 'RS-19',
    role: 'RS',
    level: 'MUST (status codes)',
    keyword: 'MUST',
    versions: ALL_VERSIONS,
    transport: 'any',
    requirement: 'Malformed authorization request → 400 (`invalid_request`).',
    source: 'index §Error Handling table; RFC 6750 §3.1',
    blackBoxTest:
      '`Authorization: Bearer` with an empty token, or two `Authorization` headers → `400` with `error="invalid_request"`. Allow `401` only if documented: the table says 400; many SDKs send 401.',
  },
  {
    id: 'RS-20',
    role: 'RS',
    level: 'MUST NOT (accept)',
    keyword: 'MUST NOT',
    versions: ALL_VERSIONS,
    transport: 'any',
    requirement:
      'A token in the URI query string is not accepted. (CL MUST NOT send it that way; OAuth 2.1 dropped the query method.)',
    source: 'index §Token Requirements',
    blackBoxTest:
      '`POST /mcp?access_token=<valid>` with no header → `401` (never `200`). Token inside JSON body/`_meta` → ignored (`401`).',
  },
  {
    id: 'RS-21',
    role: 'RS',
    level: 'MUST',
    keyword: 'MUST',
    versions: LEGACY_VERSIONS,
    transport: 'legacy',
    requirement:
      'Authorization is checked on every HTTP request. [legacy] This includes requests in the same session: GET SSE stream, DELETE, and POST with `Mcp-Session-Id`.',
    source: 'index §Token Requirements ("every HTTP request")',
    blackBoxTest:
      '[legacy] Initialize with token → get `Mcp-Session-Id`; next POST with the session id but no token → `401`. Also `GET /mcp` without a token → `401`.',
  },
  {
    id: 'RS-22',
    role: 'RS',
    level: 'MUST NOT [legacy]',
    keyword: 'MUST NOT',
    versions: LEGACY_VERSIONS,
    transport: 'legacy',
    requirement:
      'Do not use sessions for authentication; SHOULD bind session IDs to the user (`<user_id>:<session_id>`).',
    source: '2025-11-25 SBP §Session Hijacking',
    blackBoxTest:
      "Session created with user A's token; request with the same `Mcp-Session-Id` and user B's valid token → not `200`. The spec gives no status code; (ref) `404`, or `403`.",
  },
  {
    id: 'RS-23',
    role: 'RS',
    level: 'MUST [legacy]',
    keyword: 'MUST',
    versions: LEGACY_VERSIONS,
    transport: 'legacy',
    requirement: 'Session IDs are secure and non-deterministic; visible ASCII 0x21–0x7E only.',
    source: '2025-11-25 transports §Session Management; SBP',
    blackBoxTest: 'Collect 100 IDs → all unique, charset OK, ≥128 bits (e.g. UUIDv4 / 22+ base64url chars).',
  },
  {
    id: 'RS-24',
    role: 'RS',
    level: 'MUST NOT [2026]',
    keyword: 'MUST NOT',
    versions: ONLY_2026_07_28,
    transport: 'stateless',
    requirement:
      'Possession of a server-minted state handle is never authentication; SHOULD bind handles to the user derived from the token.',
    source: '2026 SBP §State Handle Hijacking',
    blackBoxTest:
      "Handle minted for user A, used in a tool call with user B's token → rejected (tool error / `403`), no data from A.",
  },
  {
    id: 'RS-25',
    role: 'RS',
    level: 'MUST',
    keyword: 'MUST',
    versions: ALL_VERSIONS,
    transport: 'any',
    requirement:
      'DNS rebinding: validate `Origin` on all incoming connections. An `Origin` that is present and invalid gets 403 [≥11-25].',
    source: 'transports §Security Warning (2025-11-25) / streamable-http §Security & Endpoint (2026)',
    blackBoxTest:
      '`POST /mcp` with `Origin: http://evil.example.com` (even with a valid token) → `403`; allowed origin → normal handling; no `Origin` (non-browser) → normal handling. Conformance `dns-rebinding-protection` also sends `Host: evil.example.com` to localhost servers and expects `4xx`.',
  },
  {
    id: 'RS-26',
    role: 'RS',
    level: 'SHOULD',
    keyword: 'SHOULD',
    versions: ALL_VERSIONS,
    transport: 'any',
    requirement: 'When running locally, bind to 127.0.0.1, not 0.0.0.0.',
    source: 'same',
    blackBoxTest: 'Config/startup check: the listening socket address is loopback in local mode.',
  },
  {
    id: 'RS-27',
    role: 'RS',
    level: 'MUST [legacy ≥06-18]',
    keyword: 'MUST',
    versions: LEGACY_SINCE_2025_06_18,
    transport: 'legacy',
    requirement:
      'An invalid or unsupported `MCP-Protocol-Version` gets `400`. If the header is missing (and the version is not otherwise known), SHOULD assume `2025-03-26`.',
    source: '2025-11-25 transports §Protocol Version Header',
    blackBoxTest:
      'After init, `MCP-Protocol-Version: 1999-01-01` → `400`. (ref) The auth check runs before the version check, so an unauthenticated request always gets `401`.',
  },
  {
    id: 'RS-28',
    role: 'RS',
    level: 'MUST [2026]',
    keyword: 'MUST',
    versions: ONLY_2026_07_28,
    transport: 'stateless',
    requirement:
      'Every POST has `MCP-Protocol-Version` equal to `_meta` protocolVersion (mismatch → `400` + JSON-RPC `-32020 HeaderMismatch`). Unsupported version → `400` + `-32022`. Missing `Mcp-Method` / `Mcp-Name` → `400` `-32020`.',
    source: '2026 streamable-http §Protocol Version Header, §Server Validation',
    blackBoxTest:
      'Authenticated POST with header `2026-07-28` and `_meta` `2025-11-25` → `400`, error code `-32020`.',
  },
  {
    id: 'RS-29',
    role: 'RS',
    level: 'MUST NOT',
    keyword: 'MUST NOT',
    versions: SINCE_2025_06_18,
    transport: 'any',
    requirement:
      "No token passthrough: never forward the client's token to upstream APIs. Upstream calls use a separate token issued by the upstream AS.",
    source: 'Security Considerations §Access Token Privilege Restriction; SBP §Token Passthrough',
    blackBoxTest:
      'A tool that calls a mock upstream API → the upstream sees no `Authorization` equal to the client token (byte compare); its token has `aud` = upstream.',
  },
  {
    id: 'RS-30',
    role: 'RS',
    level: 'MUST',
    keyword: 'MUST',
    versions: ALL_VERSIONS,
    transport: 'any',
    requirement: 'Store tokens securely and never log them (token theft).',
    source: 'Security Considerations §Token Theft; OAuth 2.1 §7.1',
    blackBoxTest:
      'After a full test run, grep server logs and output for the issued access/refresh token strings → no matches.',
  },
  {
    id: 'RS-31',
    role: 'RS',
    level: 'MUST (OAuth 2.1 §1.5; RFC 6750 §5.3)',
    keyword: 'MUST',
    versions: ALL_VERSIONS,
    transport: 'any',
    requirement: 'Bearer tokens only over TLS. Plain http is allowed only on loopback for development.',
    source: 'Security Considerations §Communication Security',
    blackBoxTest:
      'Production config refuses to start with a non-loopback http public URL, or the PRM `resource` is https.',
  },
];
