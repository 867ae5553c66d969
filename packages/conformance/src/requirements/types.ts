import { MCP_PROTOCOL_VERSIONS, type McpProtocolVersion } from '@portcullis/metadata';
import type { RequirementId } from './ids.js';

export type { McpProtocolVersion };
/** The MCP protocol versions that carry an authorization specification, oldest first (from `@portcullis/metadata`). */
export { MCP_PROTOCOL_VERSIONS };

/**
 * The role a requirement binds: `RS` the MCP server as OAuth resource server, `AS` the authorization server,
 * `CL` the MCP client, `PX` an auth proxy or gateway in front of an MCP server.
 */
export const REQUIREMENT_ROLES = ['RS', 'AS', 'CL', 'PX'] as const;

/** The role a requirement binds. */
export type RequirementRole = (typeof REQUIREMENT_ROLES)[number];

/** The normalised requirement keywords (RFC 2119), strongest first. */
export const REQUIREMENT_KEYWORDS = [
  'MUST',
  'MUST NOT',
  'SHOULD',
  'SHOULD NOT',
  'RECOMMENDED',
  'MAY',
] as const;

/**
 * The normalised keyword of a requirement. Compound levels such as `MUST / SHOULD` keep the strongest keyword;
 * an "optional" level is `MAY`.
 */
export type RequirementKeyword = (typeof REQUIREMENT_KEYWORDS)[number];

/**
 * The transport era a requirement is about: `legacy` is the stateful Streamable HTTP transport of the versions up
 * to 2025-11-25 (sessions, `Mcp-Session-Id`), `stateless` the 2026-07-28 transport, `any` does not depend on it.
 */
export type RequirementTransport = 'any' | 'legacy' | 'stateless';

/** One row of the requirements table (spec-checklist.md §2.1–§2.4), transcribed faithfully. */
export interface Requirement {
  /** The stable ID, e.g. `RS-13`. */
  readonly id: RequirementId;
  /** The role the rule binds. */
  readonly role: RequirementRole;
  /** The Level column verbatim, e.g. `MUST (one of two; (ref) do both)`. "(ref)" marks a reference-stack choice. */
  readonly level: string;
  /** The level normalised to one keyword (the strongest one of a compound level). */
  readonly keyword: RequirementKeyword;
  /** The protocol versions the rule applies to, oldest first, derived from the row's version tags. */
  readonly versions: readonly McpProtocolVersion[];
  /** The transport era the rule is about. */
  readonly transport: RequirementTransport;
  /** The required behaviour, as written in the table (bold markers removed). */
  readonly requirement: string;
  /** Where the rule comes from: MCP spec sections, RFCs, conformance scenarios. */
  readonly source: string;
  /** How a black-box test checks the rule: request → expected outcome. */
  readonly blackBoxTest: string;
}

/** Untagged rows: every version. */
export const ALL_VERSIONS: readonly McpProtocolVersion[] = MCP_PROTOCOL_VERSIONS;

/** `[≥06-18]`: since 2025-06-18. */
export const SINCE_2025_06_18: readonly McpProtocolVersion[] = ['2025-06-18', '2025-11-25', '2026-07-28'];

/** `[≥11-25]`: since 2025-11-25. */
export const SINCE_2025_11_25: readonly McpProtocolVersion[] = ['2025-11-25', '2026-07-28'];

/** `[2026]`: new in 2026-07-28. */
export const ONLY_2026_07_28: readonly McpProtocolVersion[] = ['2026-07-28'];

/** `[legacy]`: the stateful transports up to 2025-11-25. */
export const LEGACY_VERSIONS: readonly McpProtocolVersion[] = ['2025-03-26', '2025-06-18', '2025-11-25'];

/** `[legacy ≥06-18]`: the stateful transports of 2025-06-18 and 2025-11-25. */
export const LEGACY_SINCE_2025_06_18: readonly McpProtocolVersion[] = ['2025-06-18', '2025-11-25'];

/** Rules for 2025-03-26 servers only (back-compat). */
export const ONLY_2025_03_26: readonly McpProtocolVersion[] = ['2025-03-26'];
