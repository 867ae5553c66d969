// Generated from spec-checklist.md §2 (transcribed once; edit by hand and keep the drift test green).
import type { Requirement } from './types.js';
import { ALL_VERSIONS, LEGACY_VERSIONS, ONLY_2026_07_28, SINCE_2025_06_18 } from './types.js';

/** Proxy / gateway rows PX-01…PX-13 (checklist §2.4). */
export const PROXY: readonly Requirement[] = [
  {
    id: 'PX-01',
    role: 'PX',
    level: 'MUST',
    keyword: 'MUST',
    versions: SINCE_2025_06_18,
    transport: 'any',
    requirement:
      "Toward MCP clients the proxy is the resource server, so RS-01…RS-31 apply. PRM `resource` is the proxy's public URL, not the upstream URL.",
    source: 'index §Roles; RFC 9728 §3.3',
    blackBoxTest: 'Run the whole RS test set against the proxy URL; PRM `resource` === the proxy URL.',
  },
  {
    id: 'PX-02',
    role: 'PX',
    level: 'MUST NOT',
    keyword: 'MUST NOT',
    versions: ALL_VERSIONS,
    transport: 'any',
    requirement:
      "Never pass the client's token to the upstream MCP server or API. Remove `Authorization` and use the proxy's own upstream credential or an exchanged token (RFC 8693) with the upstream audience.",
    source: 'Security Considerations §Access Token Privilege Restriction; SBP §Token Passthrough',
    blackBoxTest:
      'Mock upstream records headers → `Authorization` is absent or ≠ the client token; its `aud` is the upstream.',
  },
  {
    id: 'PX-03',
    role: 'PX',
    level: 'MUST',
    keyword: 'MUST',
    versions: ALL_VERSIONS,
    transport: 'any',
    requirement:
      'A proxy using a static client ID at a third-party AS must get user consent for each dynamically registered (or CIMD) client *before* forwarding to the third-party AS (confused deputy).',
    source: 'Security Considerations §Confused Deputy Problem; SBP §Confused Deputy Problem',
    blackBoxTest:
      'Register client C2 → `GET /authorize?client_id=C2…` → `200` consent page, not a `302` to the third-party IdP, even when the user already approved C1 and the IdP cookie exists.',
  },
  {
    id: 'PX-04',
    role: 'PX',
    level: 'MUST',
    keyword: 'MUST',
    versions: ALL_VERSIONS,
    transport: 'any',
    requirement:
      'Keep a per-user registry of approved `client_id`s, checked before the third-party flow. The consent page names the client, shows the third-party scopes and the `redirect_uri`, has CSRF protection, and blocks framing (`frame-ancestors` CSP or `X-Frame-Options: DENY`).',
    source: 'SBP §Required Protections',
    blackBoxTest:
      "Consent response headers include `Content-Security-Policy: frame-ancestors 'none'` or `X-Frame-Options: DENY`; HTML contains the client name and redirect URI; POST without the CSRF token → `403`.",
  },
  {
    id: 'PX-05',
    role: 'PX',
    level: 'MUST',
    keyword: 'MUST',
    versions: ALL_VERSIONS,
    transport: 'any',
    requirement:
      'Consent cookies use the `__Host-` prefix, `Secure`, `HttpOnly`, `SameSite=Lax`, are signed (or are server-side sessions), and are bound to the `client_id`.',
    source: 'SBP §Consent Cookie Security',
    blackBoxTest:
      'Inspect `Set-Cookie` after approval; a cookie replayed for another `client_id` is not accepted as consent.',
  },
  {
    id: 'PX-06',
    role: 'PX',
    level: 'MUST',
    keyword: 'MUST',
    versions: ALL_VERSIONS,
    transport: 'any',
    requirement:
      '`redirect_uri` matches the registered one exactly (string compare, no wildcards). A changed `redirect_uri` without re-registration is rejected.',
    source: 'SBP §Redirect URI Validation',
    blackBoxTest: 'Authorize with a different `redirect_uri` → `400`, no redirect.',
  },
  {
    id: 'PX-07',
    role: 'PX',
    level: 'MUST',
    keyword: 'MUST',
    versions: ALL_VERSIONS,
    transport: 'any',
    requirement:
      'Upstream OAuth `state`: cryptographically random; stored only after consent and set just before redirecting upstream; compared exactly at the callback; single-use; short expiry (~10 min). Missing or mismatched → reject.',
    source: 'SBP §OAuth State Parameter Validation',
    blackBoxTest:
      'Callback with missing, wrong, replayed or expired `state` → `400`; no consent cookie is set before approval (check `Set-Cookie` on the consent GET).',
  },
  {
    id: 'PX-08',
    role: 'PX',
    level: 'MUST',
    keyword: 'MUST',
    versions: ALL_VERSIONS,
    transport: 'any',
    requirement:
      'Keep a secure mapping between third-party tokens and the MCP tokens the proxy issues. Check the third-party token before honouring the MCP token. Handle expiry and renewal.',
    source: '2025-03-26 §Session Binding Requirements (third-party flow)',
    blackBoxTest:
      'Revoke the upstream token → the next MCP call with the proxy-issued token → `401` (or a transparent refresh).',
  },
  {
    id: 'PX-09',
    role: 'PX',
    level: 'MUST',
    keyword: 'MUST',
    versions: ALL_VERSIONS,
    transport: 'any',
    requirement: 'Origin / DNS-rebinding checks (RS-25) when the proxy serves Streamable HTTP.',
    source: 'transports §Security',
    blackBoxTest: 'Same as RS-25.',
  },
  {
    id: 'PX-10',
    role: 'PX',
    level: 'MUST [2026]',
    keyword: 'MUST',
    versions: ONLY_2026_07_28,
    transport: 'stateless',
    requirement:
      'An intermediary that validates mirrored headers returns a `4xx` (e.g. `400`) on failure. SHOULD check that `MCP-Protocol-Version` is a header-validating version before trusting `Mcp-Method`/`Mcp-Name` for policy.',
    source: '2026 streamable-http §Server Validation notes',
    blackBoxTest:
      '`Mcp-Method: tools/list` with body method `tools/call` → `400`; an old or absent version header with a policy based on `Mcp-Method` → rejected.',
  },
  {
    id: 'PX-11',
    role: 'PX',
    level: 'MUST [legacy]',
    keyword: 'MUST',
    versions: LEGACY_VERSIONS,
    transport: 'legacy',
    requirement:
      'Do not treat `Mcp-Session-Id` as authentication. Bind sessions to the authenticated user, and never reuse one upstream session across users.',
    source: '2025-11-25 SBP §Session Hijacking',
    blackBoxTest: "User B presents user A's session id with B's token → not served from A's session.",
  },
  {
    id: 'PX-12',
    role: 'PX',
    level: 'SHOULD',
    keyword: 'SHOULD',
    versions: ALL_VERSIONS,
    transport: 'any',
    requirement: 'SSRF defences on any metadata or CIMD fetch the proxy does (same rules as CL-29, AS-18).',
    source: 'SBP §SSRF',
    blackBoxTest: 'Same as CL-29.',
  },
  {
    id: 'PX-13',
    role: 'PX',
    level: 'MUST',
    keyword: 'MUST',
    versions: ALL_VERSIONS,
    transport: 'any',
    requirement: 'Never log or leak tokens or upstream credentials.',
    source: 'Security Considerations §Token Theft',
    blackBoxTest: 'Log grep after the run.',
  },
];
