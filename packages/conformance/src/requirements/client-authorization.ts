// Generated from spec-checklist.md §2 (transcribed once; edit by hand and keep the drift test green).
import type { Requirement } from './types.js';
import { ALL_VERSIONS, ONLY_2026_07_28, SINCE_2025_11_25 } from './types.js';

/** Client rows CL-11…CL-22 (checklist §2.3): scopes, step-up, registration and the authorization response. */
export const CLIENT_AUTHORIZATION: readonly Requirement[] = [
  {
    id: 'CL-11',
    role: 'CL',
    level: 'SHOULD [≥11-25]',
    keyword: 'SHOULD',
    versions: SINCE_2025_11_25,
    transport: 'any',
    requirement:
      'Initial scope selection: (1) `scope` from the 401 challenge; else (2) all PRM `scopes_supported`; else (3) omit `scope`.',
    source: 'index §Scope Selection Strategy',
    blackBoxTest:
      'Conformance `auth/scope-from-www-authenticate`, `auth/scope-from-scopes-supported`, `auth/scope-omitted-when-undefined`.',
  },
  {
    id: 'CL-12',
    role: 'CL',
    level: 'MUST [≥11-25]',
    keyword: 'MUST',
    versions: SINCE_2025_11_25,
    transport: 'any',
    requirement:
      'Treat challenged scopes as authoritative for the current request. Assume no subset/superset relation to `scopes_supported`.',
    source: 'same',
    blackBoxTest:
      'Challenge `scope="x:special"` not in `scopes_supported` → the client still requests `x:special`.',
  },
  {
    id: 'CL-13',
    role: 'CL',
    level: 'SHOULD [≥11-25]',
    keyword: 'SHOULD',
    versions: SINCE_2025_11_25,
    transport: 'any',
    requirement:
      'On 403 `insufficient_scope`, do step-up: re-authorize with the challenged scopes, then retry. [2026] Use the union of previously requested and challenged scopes.',
    source: 'index §Step-Up Authorization Flow',
    blackBoxTest:
      'Conformance `auth/scope-step-up`: checks `scope-step-up-initial`, `scope-step-up-escalation`, `sep-2350-scope-union-on-reauth` (2026 only).',
  },
  {
    id: 'CL-14',
    role: 'CL',
    level: 'SHOULD',
    keyword: 'SHOULD',
    versions: ALL_VERSIONS,
    transport: 'any',
    requirement: 'Retry limits and tracking of scope-upgrade attempts (no infinite loop).',
    source: 'same',
    blackBoxTest: 'Conformance `auth/scope-retry-limit`: RS always returns 403 → ≤3 authorization attempts.',
  },
  {
    id: 'CL-15',
    role: 'CL',
    level: 'MAY',
    keyword: 'MAY',
    versions: ALL_VERSIONS,
    transport: 'any',
    requirement: '`client_credentials` clients may step up or abort immediately.',
    source: 'same',
    blackBoxTest: 'Extension scenario only.',
  },
  {
    id: 'CL-16',
    role: 'CL',
    level: 'SHOULD',
    keyword: 'SHOULD',
    versions: ALL_VERSIONS,
    transport: 'any',
    requirement:
      'Registration priority: pre-registered (if configured for that AS) > CIMD (if `client_id_metadata_document_supported`) > DCR (if `registration_endpoint`) > ask the user.',
    source: 'Client Registration (top)',
    blackBoxTest:
      'Conformance `auth/pre-registration` (uses the given id/secret, no `/register`); `auth/basic-cimd` (`client_id` = CIMD URL, no `/register`); metadata scenarios without CIMD → DCR (`client-registration`).',
  },
  {
    id: 'CL-17',
    role: 'CL',
    level: 'MUST (if CIMD)',
    keyword: 'MUST',
    versions: ALL_VERSIONS,
    transport: 'any',
    requirement:
      'CIMD client: `client_id` is an https URL with a path (no fragment, no userinfo, no dot-segments); the hosted doc has `client_id`, `client_name`, `redirect_uris`; doc `client_id` === URL exactly; no `client_secret`, no `client_secret_*` auth method; MAY use `private_key_jwt` + JWKS.',
    source: 'Client Registration §Implementation Requirements; CIMD draft',
    blackBoxTest:
      'GET our hosted client doc → JSON passes those checks; authorize request has `client_id=<that URL>`.',
  },
  {
    id: 'CL-18',
    role: 'CL',
    level: 'MUST [2026]',
    keyword: 'MUST',
    versions: ONLY_2026_07_28,
    transport: 'any',
    requirement:
      'DCR request includes `application_type` (`native` for localhost/desktop/CLI, `web` for remote browser apps), and handles OIDC redirect-URI rejections with a clear error (MAY retry adjusted).',
    source: 'Client Registration §Application Type…',
    blackBoxTest:
      'Conformance check `sep-837-application-type-present` (emitted at 2026 wire); mock `/register` returns `400 invalid_redirect_uri` → meaningful error surfaced.',
  },
  {
    id: 'CL-19',
    role: 'CL',
    level: 'MUST [2026]',
    keyword: 'MUST',
    versions: ONLY_2026_07_28,
    transport: 'any',
    requirement:
      'Key persisted credentials by AS `issuer`. When PRM moves to a new AS: do not reuse old credentials; re-register. Pre-registered mismatch → SHOULD error.',
    source: 'Client Registration §Authorization Server Binding',
    blackBoxTest:
      'Conformance `auth/authorization-server-migration`: checks `sep-2352-reregister-on-as-change`, `sep-2352-no-reuse-on-as-change`, `sep-2352-no-cross-as-credential-reuse`.',
  },
  {
    id: 'CL-20',
    role: 'CL',
    level: 'MUST',
    keyword: 'MUST',
    versions: ALL_VERSIONS,
    transport: 'any',
    requirement:
      'Use the token-endpoint auth method the registration/AS supports (`client_secret_basic`, `client_secret_post`, `none`).',
    source: 'OAuth 2.1 §2.4; RFC 7591',
    blackBoxTest:
      'Conformance `auth/token-endpoint-auth-basic`, `-post`, `-none` (check `token-endpoint-auth-method`).',
  },
  {
    id: 'CL-21',
    role: 'CL',
    level: 'MUST [2026]',
    keyword: 'MUST',
    versions: ONLY_2026_07_28,
    transport: 'any',
    requirement:
      'Record the expected `issuer` with the PKCE verifier before redirecting. Validate `iss` before sending the code to any token endpoint, per the table: flag true + `iss` present → compare; flag true + absent → reject; flag false/absent + present → compare; both absent → proceed. Simple string compare, no normalization. On mismatch, ignore `error*` parameters.',
    source: 'index §Authorization Response Validation; RFC 9207 §2.4',
    blackBoxTest:
      'Conformance `auth/iss-supported`, `auth/iss-not-advertised`, `auth/iss-supported-missing`, `auth/iss-wrong-issuer`, `auth/iss-unexpected`, `auth/iss-normalized` (trailing-slash variant must be rejected). Pass = no token request in the reject cases.',
  },
  {
    id: 'CL-22',
    role: 'CL',
    level: 'SHOULD',
    keyword: 'SHOULD',
    versions: ALL_VERSIONS,
    transport: 'any',
    requirement: 'Use `state` and verify it; discard responses with a missing or mismatched `state`.',
    source: 'Security Considerations §Open Redirection',
    blackBoxTest: 'Mock AS redirects with a changed `state` → no token request.',
  },
];
