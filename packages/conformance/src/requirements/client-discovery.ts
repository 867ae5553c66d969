// Generated from spec-checklist.md §2 (transcribed once; edit by hand and keep the drift test green).
import type { Requirement } from './types.js';
import { ALL_VERSIONS, SINCE_2025_06_18, SINCE_2025_11_25 } from './types.js';

/** Client rows CL-01…CL-10 (checklist §2.3): discovery, PKCE and the resource indicator. */
export const CLIENT_DISCOVERY: readonly Requirement[] = [
  {
    id: 'CL-01',
    role: 'CL',
    level: 'MUST',
    keyword: 'MUST',
    versions: SINCE_2025_06_18,
    transport: 'any',
    requirement: 'Parse `WWW-Authenticate` on 401 and use its `resource_metadata` URL when present.',
    source: 'Authorization Server Discovery §PRM Discovery Requirements',
    blackBoxTest:
      'RS 401 with `resource_metadata="…/custom/metadata/location.json"` → the client GETs exactly that URL (conformance `auth/metadata-var3`).',
  },
  {
    id: 'CL-02',
    role: 'CL',
    level: 'MUST',
    keyword: 'MUST',
    versions: SINCE_2025_06_18,
    transport: 'any',
    requirement:
      'With no `resource_metadata`, build well-known URLs in order: path-aware `/.well-known/oauth-protected-resource/<path>`, then root. Never probe root first when the path version exists.',
    source: 'same',
    blackBoxTest:
      '(a) PRM only at path-aware → only that URL is requested, root is trapped (conformance `prm-priority-order`); (b) path-aware `404`, root `200` → client uses root (`auth/metadata-var2`).',
  },
  {
    id: 'CL-03',
    role: 'CL',
    level: 'MUST (RFC 9728 §3.3)',
    keyword: 'MUST',
    versions: SINCE_2025_06_18,
    transport: 'any',
    requirement:
      'Validate PRM `resource`. It must be identical to the URL used (header case) or to the resource the well-known suffix was inserted into; on mismatch, do not use the PRM.',
    source: 'RFC 9728 §3.3',
    blackBoxTest:
      'PRM `resource:"https://evil.example.com/mcp"` → client sends no authorization request (conformance `auth/resource-mismatch`, required for 2026-07-28).',
  },
  {
    id: 'CL-04',
    role: 'CL',
    level: 'MUST',
    keyword: 'MUST',
    versions: SINCE_2025_11_25,
    transport: 'any',
    requirement:
      'Try ASM discovery endpoints in order. Issuer with a path `/t1`: `/.well-known/oauth-authorization-server/t1` → `/.well-known/openid-configuration/t1` → `/t1/.well-known/openid-configuration`. Issuer without a path: `/.well-known/oauth-authorization-server` → `/.well-known/openid-configuration`.',
    source: 'Authorization Server Discovery §AS Metadata Discovery; RFC 8414 §3.1, §5',
    blackBoxTest:
      'Mock AS answers at only one location per run → requests follow the prefix order; root `oauth-authorization-server` for a path issuer is trapped (conformance `authorization-server-metadata-wrong-path`; `auth/metadata-default`, `-var1`, `-var2`, `-var3`).',
  },
  {
    id: 'CL-05',
    role: 'CL',
    level: 'MUST (RFC 8414 §3.3; explicit [2026])',
    keyword: 'MUST',
    versions: ALL_VERSIONS,
    transport: 'any',
    requirement:
      'Validate ASM `issuer` === the issuer used to build the URL; if not, do not use the metadata.',
    source: 'Authorization Server Discovery §AS Metadata Discovery',
    blackBoxTest:
      'ASM says `issuer:"https://honest.example"` while fetched from another issuer → no request reaches the endpoints it lists (conformance `auth/metadata-issuer-mismatch`).',
  },
  {
    id: 'CL-06',
    role: 'CL',
    level: 'MUST',
    keyword: 'MUST',
    versions: ALL_VERSIONS,
    transport: 'any',
    requirement:
      'Keep separate registration state (credentials, tokens) per AS. When several are listed, choose per RFC 9728 §7.6.',
    source: 'Authorization Server Discovery §AS Location',
    blackBoxTest: 'Two AS in PRM → separate credential stores keyed by issuer (unit + harness).',
  },
  {
    id: 'CL-07',
    role: 'CL',
    level: 'MUST [≥11-25]',
    keyword: 'MUST',
    versions: SINCE_2025_11_25,
    transport: 'any',
    requirement:
      'Check PKCE support: if `code_challenge_methods_supported` is absent from ASM or OIDC metadata, refuse to proceed.',
    source: 'Security Considerations §Authorization Code Protection',
    blackBoxTest:
      'ASM without the field → no `/authorize` request; error shown. (Not covered by the official conformance suite; add it.)',
  },
  {
    id: 'CL-08',
    role: 'CL',
    level: 'MUST',
    keyword: 'MUST',
    versions: ALL_VERSIONS,
    transport: 'any',
    requirement:
      'PKCE with `S256`: a high-entropy `code_verifier` of 43–128 characters; `code_challenge = BASE64URL(SHA256(verifier))`; send `code_verifier` at the token endpoint.',
    source: 'same; OAuth 2.1 §4.1.1',
    blackBoxTest:
      'Conformance checks `pkce-code-challenge-sent`, `pkce-s256-method-used`, `pkce-code-verifier-sent`, `pkce-verifier-matches-challenge`.',
  },
  {
    id: 'CL-09',
    role: 'CL',
    level: 'MUST',
    keyword: 'MUST',
    versions: SINCE_2025_06_18,
    transport: 'any',
    requirement:
      'Send `resource=<canonical MCP server URI>` in the authorization and the token request. (ref) Also in refresh requests. Send it even when the AS does not advertise support.',
    source: 'index §Resource Parameter Implementation; RFC 8707 §2',
    blackBoxTest:
      'Conformance `resource-parameter-in-authorization`, `-in-token`, `-valid-uri` (has scheme, no fragment), `-consistency` (same value in both). Extra check: PRM `resource:"https://h"` is sent as `https%3A%2F%2Fh`, not `…%2F` (`new URL().href` trailing-slash bug, seen in several SDKs).',
  },
  {
    id: 'CL-10',
    role: 'CL',
    level: 'SHOULD',
    keyword: 'SHOULD',
    versions: ALL_VERSIONS,
    transport: 'any',
    requirement:
      'Send the most specific URI, lowercase scheme and host, without a trailing slash unless it matters. Implementations SHOULD accept uppercase scheme/host.',
    source: 'index §Canonical Server URI',
    blackBoxTest:
      'Server URL `HTTPS://RS.TEST/mcp` → the client normalises the scheme/host case for `resource`.',
  },
];
