// Generated from spec-checklist.md §2 (transcribed once; edit by hand and keep the drift test green).
import type { Requirement } from './types.js';
import { ALL_VERSIONS, ONLY_2026_07_28, SINCE_2025_06_18, SINCE_2025_11_25 } from './types.js';

/** Resource server rows RS-01…RS-11 (checklist §2.1): the 401 challenge and protected resource metadata. */
export const RESOURCE_SERVER_DISCOVERY: readonly Requirement[] = [
  {
    id: 'RS-01',
    role: 'RS',
    level: 'MUST',
    keyword: 'MUST',
    versions: ALL_VERSIONS,
    transport: 'any',
    requirement:
      'A request to a protected MCP endpoint with no token returns 401 and a `WWW-Authenticate: Bearer …` challenge.',
    source:
      'MCP Authorization (2026 index) §Authorization Flow Steps, §Error Handling; RFC 6750 §3; RFC 9728 §5.1',
    blackBoxTest:
      "`POST /mcp` (valid JSON-RPC body, no `Authorization`) → `401`; the header's auth-scheme is `Bearer` (case-insensitive).",
  },
  {
    id: 'RS-02',
    role: 'RS',
    level: 'MUST (one of two; (ref) do both)',
    keyword: 'MUST',
    versions: SINCE_2025_06_18,
    transport: 'any',
    requirement:
      'The 401 challenge carries `resource_metadata="<absolute PRM URL>"`. In 2025-06-18 this was MUST; since 2025-11-25 the server MUST provide *either* this *or* a well-known PRM.',
    source: 'Authorization Server Discovery §PRM Discovery Requirements; RFC 9728 §5.1',
    blackBoxTest:
      'Same request → parse the challenge parameters; `resource_metadata` is an absolute https URL (loopback http in tests); `GET` on it → `200` PRM JSON.',
  },
  {
    id: 'RS-03',
    role: 'RS',
    level: 'SHOULD NOT (RFC 6750)',
    keyword: 'SHOULD NOT',
    versions: ALL_VERSIONS,
    transport: 'any',
    requirement: 'When the request has no credentials at all, the challenge carries no `error` code.',
    source: 'RFC 6750 §3 ("SHOULD NOT include an error code")',
    blackBoxTest:
      'Same request → `error=` absent, or the test reports it as a warning only (the TS SDK sends `invalid_token`; tolerate it).',
  },
  {
    id: 'RS-04',
    role: 'RS',
    level: 'SHOULD [≥11-25]',
    keyword: 'SHOULD',
    versions: SINCE_2025_11_25,
    transport: 'any',
    requirement:
      'Put a `scope="…"` parameter in the 401 challenge with the scopes needed for the request (least privilege).',
    source: 'index §Scope Selection Strategy; RFC 6750 §3',
    blackBoxTest:
      'No-token request → `scope` present and space-delimited; it need not equal `scopes_supported`.',
  },
  {
    id: 'RS-05',
    role: 'RS',
    level: 'SHOULD NOT [2026]',
    keyword: 'SHOULD NOT',
    versions: ONLY_2026_07_28,
    transport: 'any',
    requirement: 'Do not put `offline_access` in the challenge `scope` or in PRM `scopes_supported`.',
    source: 'index §Refresh Tokens',
    blackBoxTest: 'Check the 401 `scope` and the PRM `scopes_supported` → neither contains `offline_access`.',
  },
  {
    id: 'RS-06',
    role: 'RS',
    level: 'MUST',
    keyword: 'MUST',
    versions: SINCE_2025_06_18,
    transport: 'any',
    requirement:
      'Implement RFC 9728 PRM. For the endpoint `https://h/p/mcp`, serve it at the path-aware URL `https://h/.well-known/oauth-protected-resource/p/mcp`.',
    source: 'Authorization Server Discovery §PRM Discovery Requirements; RFC 9728 §3.1',
    blackBoxTest:
      '`GET /.well-known/oauth-protected-resource/mcp` (no auth) → `200`, `Content-Type: application/json`, JSON object.',
  },
  {
    id: 'RS-07',
    role: 'RS',
    level: 'MAY (spec: "either"); (ref) SHOULD',
    keyword: 'SHOULD',
    versions: SINCE_2025_06_18,
    transport: 'any',
    requirement: 'Also serve root PRM `/.well-known/oauth-protected-resource` (clients fall back to it).',
    source: 'same; RFC 9728 §3.1',
    blackBoxTest:
      '`GET /.well-known/oauth-protected-resource` → `200` with the same document, or `404` when several MCP servers share the origin (document which).',
  },
  {
    id: 'RS-08',
    role: 'RS',
    level: 'MUST',
    keyword: 'MUST',
    versions: SINCE_2025_06_18,
    transport: 'any',
    requirement:
      "The PRM `resource` equals the server's canonical URI: the exact URL clients use, with no fragment and no added trailing slash. When the PRM was fetched from a well-known URL, `resource` must equal the resource the suffix was inserted into.",
    source: 'RFC 9728 §3.3; index §Canonical Server URI; RFC 8707 §2',
    blackBoxTest:
      'PRM `resource` === `"https://rs.test/mcp"` (string compare); no `#`; no trailing `/` unless the endpoint really has one.',
  },
  {
    id: 'RS-09',
    role: 'RS',
    level: 'MUST',
    keyword: 'MUST',
    versions: SINCE_2025_06_18,
    transport: 'any',
    requirement: 'PRM includes `authorization_servers` with at least one AS issuer.',
    source: 'Authorization Server Discovery §Authorization Server Location',
    blackBoxTest:
      'PRM `authorization_servers` is a non-empty array of https issuer URLs; ASM is discoverable from each (see AS-01).',
  },
  {
    id: 'RS-10',
    role: 'RS',
    level: 'RECOMMENDED (RFC 9728)',
    keyword: 'RECOMMENDED',
    versions: SINCE_2025_06_18,
    transport: 'any',
    requirement:
      'PRM includes `scopes_supported`: the *minimal* set for basic use. Optional fields: `bearer_methods_supported: ["header"]` and `resource_name`.',
    source: 'RFC 9728 §2; index §Scope Selection Strategy; SBP §Scope Minimization',
    blackBoxTest:
      'PRM has `scopes_supported` (array); if `bearer_methods_supported` is present it is exactly `["header"]`.',
  },
  {
    id: 'RS-11',
    role: 'RS',
    level: 'MUST (implied)',
    keyword: 'MUST',
    versions: SINCE_2025_06_18,
    transport: 'any',
    requirement:
      'PRM is reachable without a token. (Interop for browser clients: allow CORS GET on the PRM.)',
    source: 'RFC 9728 §3',
    blackBoxTest:
      '`GET` PRM without `Authorization` → `200`; (interop) `OPTIONS` preflight → `Access-Control-Allow-Origin` present.',
  },
];
