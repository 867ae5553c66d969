import { describe, expect, it } from 'vitest';
import { REQUIREMENT_IDS } from '../../src/requirements/ids.js';
import { isRequirementId, REQUIREMENTS, requirementById } from '../../src/requirements/index.js';
import {
  MCP_PROTOCOL_VERSIONS,
  REQUIREMENT_KEYWORDS,
  REQUIREMENT_ROLES,
  type RequirementRole,
} from '../../src/requirements/types.js';

const LEGACY = ['2025-03-26', '2025-06-18', '2025-11-25'];

describe('the requirements table', () => {
  it('has exactly 100 unique IDs, in table order', () => {
    const ids = REQUIREMENTS.map((row) => row.id);
    expect(ids).toHaveLength(100);
    expect(new Set(ids).size).toBe(100);
    expect(ids).toEqual([...REQUIREMENT_IDS]);
  });

  it('has 31 RS, 23 AS, 33 CL and 13 PX rows, each numbered from 01 without gaps', () => {
    const expected: Record<RequirementRole, number> = { RS: 31, AS: 23, CL: 33, PX: 13 };
    for (const role of REQUIREMENT_ROLES) {
      const ids = REQUIREMENTS.filter((row) => row.role === role).map((row) => row.id);
      expect(ids).toEqual(
        Array.from({ length: expected[role] }, (_, i) => `${role}-${String(i + 1).padStart(2, '0')}`),
      );
    }
  });

  it('fills every field, with valid roles, keywords, versions and transports', () => {
    for (const row of REQUIREMENTS) {
      for (const field of ['level', 'requirement', 'source', 'blackBoxTest'] as const) {
        expect(row[field].trim(), `${row.id}.${field}`).not.toBe('');
      }
      expect(row.id.startsWith(`${row.role}-`), row.id).toBe(true);
      expect(REQUIREMENT_KEYWORDS, row.id).toContain(row.keyword);
      expect(row.level, row.id).toMatch(row.keyword === 'MAY' ? /MAY|optional/ : row.keyword);
      expect(row.versions.length, row.id).toBeGreaterThan(0);
      const sorted = [...row.versions].sort();
      expect(row.versions, `${row.id} versions are valid, unique and oldest first`).toEqual([
        ...new Set(sorted),
      ]);
      for (const version of row.versions) expect(MCP_PROTOCOL_VERSIONS, row.id).toContain(version);
      expect(['any', 'legacy', 'stateless'], row.id).toContain(row.transport);
      expect(row.requirement, `${row.id} keeps no bold markers`).not.toContain('**');
    }
  });

  it('derives versions and transport from the version tag of the level', () => {
    for (const row of REQUIREMENTS) {
      if (row.transport === 'legacy')
        expect(LEGACY, row.id).toEqual(expect.arrayContaining([...row.versions]));
      if (row.transport === 'stateless') expect(row.versions, row.id).toEqual(['2026-07-28']);
      if (/\[≥11-25\]/.test(row.level)) expect(row.versions, row.id).toEqual(['2025-11-25', '2026-07-28']);
      if (/^(?:\(ref\) )?[A-Z /]+ \[2026\]$/.test(row.level))
        expect(row.versions, row.id).toEqual(['2026-07-28']);
      if (/\[legacy/.test(row.level)) expect(row.transport, row.id).toBe('legacy');
    }
  });

  it('is frozen', () => {
    expect(Object.isFrozen(REQUIREMENTS)).toBe(true);
    expect(REQUIREMENTS.every((row) => Object.isFrozen(row) && Object.isFrozen(row.versions))).toBe(true);
  });
});

describe('rows checked against the checklist text', () => {
  it.each([
    ['RS-19', 'MUST', 'MUST (status codes)'],
    ['RS-03', 'SHOULD NOT', 'SHOULD NOT (RFC 6750)'],
    ['RS-07', 'SHOULD', 'MAY (spec: "either"); (ref) SHOULD'],
    ['RS-10', 'RECOMMENDED', 'RECOMMENDED (RFC 9728)'],
    ['RS-20', 'MUST NOT', 'MUST NOT (accept)'],
    ['AS-18', 'MUST NOT', 'SHOULD (MCP) / MUST NOT fetch special-use IPs (CIMD draft)'],
    ['AS-19', 'MUST', 'MUST / SHOULD'],
    ['AS-20', 'MAY', 'MAY; deprecated [2026]'],
    ['CL-26', 'MUST', 'MUST / SHOULD / MAY / MUST NOT [2026]'],
    ['CL-29', 'MUST', 'MUST consider / SHOULD (SBP)'],
    ['CL-33', 'MAY', 'optional back-compat'],
  ] as const)('%s has keyword %s from level %j', (id, keyword, level) => {
    expect(requirementById(id)).toMatchObject({ keyword, level });
  });

  it.each([
    ['CL-21', ['2026-07-28'], 'any'],
    ['RS-21', LEGACY, 'legacy'],
    ['RS-27', ['2025-06-18', '2025-11-25'], 'legacy'],
    ['RS-28', ['2026-07-28'], 'stateless'],
    ['PX-10', ['2026-07-28'], 'stateless'],
    ['RS-04', ['2025-11-25', '2026-07-28'], 'any'],
    ['CL-31', ['2025-06-18', '2025-11-25', '2026-07-28'], 'any'],
    ['RS-02', ['2025-06-18', '2025-11-25', '2026-07-28'], 'any'],
    ['CL-05', [...MCP_PROTOCOL_VERSIONS], 'any'],
    ['CL-33', ['2025-03-26'], 'any'],
    ['RS-25', [...MCP_PROTOCOL_VERSIONS], 'any'],
    ['RS-06', ['2025-06-18', '2025-11-25', '2026-07-28'], 'any'],
    ['CL-09', ['2025-06-18', '2025-11-25', '2026-07-28'], 'any'],
    ['CL-04', ['2025-11-25', '2026-07-28'], 'any'],
  ] as const)('%s applies to %j on the %s transport', (id, versions, transport) => {
    expect(requirementById(id)).toMatchObject({ versions, transport });
  });

  it('keeps the texts faithful (RS-13)', () => {
    expect(requirementById('RS-13')).toEqual({
      id: 'RS-13',
      role: 'RS',
      level: 'MUST',
      keyword: 'MUST',
      // §1.2 of the checklist: audience binding arrived with the resource-server model of 2025-06-18.
      versions: ['2025-06-18', '2025-11-25', '2026-07-28'],
      transport: 'any',
      requirement:
        'Audience validation. Accept only tokens issued for *this* server (the audience contains its canonical URI) and reject the rest.',
      source: 'index §Token Handling; RFC 8707 §2; Security Considerations §Token Audience Binding',
      blackBoxTest:
        'Token correctly signed by the trusted AS but `aud="https://other.test/mcp"` → `401 invalid_token`; token with no `aud` → `401`; `aud` array containing our URI → `200`.',
    });
  });
});

describe('requirementById and isRequirementId', () => {
  it('find every ID of the table and nothing else', () => {
    for (const id of REQUIREMENT_IDS) {
      expect(isRequirementId(id)).toBe(true);
      expect(requirementById(id)?.id).toBe(id);
    }
    for (const value of [
      'RS-00',
      'RS-32',
      'AS-24',
      'CL-34',
      'PX-14',
      'rs-01',
      'RS-1',
      ' RS-01',
      'XX-01',
      '',
    ]) {
      expect(isRequirementId(value), value).toBe(false);
      expect(requirementById(value), value).toBeUndefined();
    }
    expect(isRequirementId(13)).toBe(false);
    expect(isRequirementId(undefined)).toBe(false);
  });

  it('counts 77 MUST or MUST NOT rows', () => {
    expect(REQUIREMENTS.filter((row) => row.keyword === 'MUST' || row.keyword === 'MUST NOT')).toHaveLength(
      77,
    );
  });
});
