import { AUTHORIZATION_SERVER } from './authorization-server.js';
import { CLIENT_AUTHORIZATION } from './client-authorization.js';
import { CLIENT_DISCOVERY } from './client-discovery.js';
import { CLIENT_REQUESTS } from './client-requests.js';
import { REQUIREMENT_IDS, type RequirementId } from './ids.js';
import { PROXY } from './proxy.js';
import { RESOURCE_SERVER_ACCESS } from './resource-server-access.js';
import { RESOURCE_SERVER_DISCOVERY } from './resource-server-discovery.js';
import type { Requirement } from './types.js';

/**
 * The whole requirements table of spec-checklist.md §2.1–§2.4, in table order: 31 RS, 23 AS, 33 CL and 13 PX
 * rows. The array and its rows are frozen.
 *
 * @example
 * ```ts
 * const mustRows = REQUIREMENTS.filter((r) => r.keyword === 'MUST');
 * ```
 */
export const REQUIREMENTS: readonly Requirement[] = Object.freeze(
  [
    ...RESOURCE_SERVER_DISCOVERY,
    ...RESOURCE_SERVER_ACCESS,
    ...AUTHORIZATION_SERVER,
    ...CLIENT_DISCOVERY,
    ...CLIENT_AUTHORIZATION,
    ...CLIENT_REQUESTS,
    ...PROXY,
  ].map((row) => Object.freeze({ ...row, versions: Object.freeze([...row.versions]) })),
);

const BY_ID: ReadonlyMap<string, Requirement> = new Map(REQUIREMENTS.map((row) => [row.id, row]));
const KNOWN_IDS: ReadonlySet<string> = new Set<string>(REQUIREMENT_IDS);

/**
 * Tell whether a string is the ID of a requirement in the table. Matching is exact and case-sensitive:
 * `'RS-13'` is an ID, `'rs-13'`, `'RS-13 '` and `'RS-99'` are not.
 */
export function isRequirementId(value: unknown): value is RequirementId {
  return typeof value === 'string' && KNOWN_IDS.has(value);
}

/**
 * Look a requirement up by its ID.
 *
 * @returns the row, or `undefined` when the ID is not in the table.
 */
export function requirementById(id: RequirementId): Requirement;
export function requirementById(id: string): Requirement | undefined;
export function requirementById(id: string): Requirement | undefined {
  return BY_ID.get(id);
}
