import { describe, expect, it } from 'vitest';
import { ConformanceError } from '../src/errors.js';
import type { RequirementId } from '../src/requirements/ids.js';
import { findRequirementTags, parseRequirementTags, verifies } from '../src/tags.js';

// IDs reach verifies() through variables: the repo-wide scan reads literal verifies('…') calls as claims of
// coverage, and these calls only exercise the helper.
const audience: RequirementId = 'RS-13';
const issuer: RequirementId = 'RS-14';
const discovery: RequirementId[] = ['CL-02', 'CL-04'];
const typo = ['RS', '99'].join('-') as RequirementId;

describe('parseRequirementTags', () => {
  it('reads a single tag', () => {
    expect(parseRequirementTags('[RS-13] rejects a token for another audience')).toEqual({
      ids: ['RS-13'],
      unknown: [],
    });
  });

  it('reads several IDs in one tag and several tags in one title, in order and without duplicates', () => {
    expect(parseRequirementTags('[CL-02 CL-04] tries the well-known URLs in order').ids).toEqual([
      'CL-02',
      'CL-04',
    ]);
    expect(parseRequirementTags('[PX-01] proxy [RS-13  RS-01] and again [RS-13]').ids).toEqual([
      'PX-01',
      'RS-13',
      'RS-01',
    ]);
  });

  it('returns nothing for a title without tags', () => {
    expect(parseRequirementTags('rejects a token for another audience')).toEqual({ ids: [], unknown: [] });
    expect(parseRequirementTags('')).toEqual({ ids: [], unknown: [] });
  });

  it('ignores look-alikes', () => {
    for (const title of [
      'RS-13 without brackets',
      '[RS-1] one digit',
      '[RS-130] three digits',
      '[XX-01] unknown role',
      '[rs-13] lower case',
      '[RS-13, RS-14] comma',
      '[RS-13 extra] words',
      '[ RS-13] leading space',
      '(RS-13) parentheses',
    ]) {
      expect(parseRequirementTags(title), title).toEqual({ ids: [], unknown: [] });
    }
  });

  it('reports well-formed IDs that are not in the table as unknown', () => {
    expect(parseRequirementTags('[RS-13 RS-99] [AS-24] [PX-00]')).toEqual({
      ids: ['RS-13'],
      unknown: ['RS-99', 'AS-24', 'PX-00'],
    });
  });
});

describe('findRequirementTags', () => {
  it('gives the offset of every ID', () => {
    expect(findRequirementTags('ab [RS-13 CL-02] [PX-01]')).toEqual([
      { id: 'RS-13', index: 4 },
      { id: 'CL-02', index: 10 },
      { id: 'PX-01', index: 18 },
    ]);
  });
});

describe('verifies', () => {
  it('prefixes the title with a tag', () => {
    expect(verifies(audience, 'rejects a token for another audience')).toBe(
      '[RS-13] rejects a token for another audience',
    );
  });

  it('puts several IDs in one tag, without duplicates', () => {
    expect(verifies(discovery, 'tries the well-known URLs in order')).toBe(
      '[CL-02 CL-04] tries the well-known URLs in order',
    );
    expect(verifies([audience, issuer, audience], 'title')).toBe('[RS-13 RS-14] title');
  });

  it('builds titles that parseRequirementTags reads back', () => {
    expect(parseRequirementTags(verifies([audience, issuer], 'title')).ids).toEqual([audience, issuer]);
  });

  it('throws ERR_PORTCULLIS_UNKNOWN_REQUIREMENT for an ID not in the table', () => {
    for (const ids of [typo, [audience, typo], 'rs-13' as RequirementId, 13 as unknown as RequirementId]) {
      expect(() => verifies(ids, 'title')).toThrowError(ConformanceError);
    }
    const error = catchError(() => verifies(typo, 'title'));
    expect(error).toMatchObject({
      name: 'ConformanceError',
      code: 'ERR_PORTCULLIS_UNKNOWN_REQUIREMENT',
      message:
        'unknown requirement ID "RS-99": expected one of RS-01…RS-31, AS-01…AS-23, CL-01…CL-33, PX-01…PX-13',
    });
  });

  it('throws ERR_PORTCULLIS_INVALID_ARGUMENT for an empty ID list or title', () => {
    expect(catchError(() => verifies([], 'title'))).toMatchObject({
      code: 'ERR_PORTCULLIS_INVALID_ARGUMENT',
      message: 'verifies() needs at least one requirement ID',
    });
    expect(catchError(() => verifies(audience, '  '))).toMatchObject({
      code: 'ERR_PORTCULLIS_INVALID_ARGUMENT',
      message: 'verifies() needs a non-empty test title',
    });
  });
});

function catchError(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}
