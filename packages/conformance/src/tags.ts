import { ConformanceError, unknownRequirementMessage } from './errors.js';
import type { RequirementId } from './requirements/ids.js';
import { isRequirementId } from './requirements/index.js';

/**
 * The shape of a requirement ID: a role prefix, a hyphen and exactly two digits. Strings of this shape that are
 * not in the table (e.g. `RS-99`) are typos: the scanner reports them as errors.
 */
export const REQUIREMENT_ID_PATTERN = /^(?:RS|AS|CL|PX)-\d{2}$/;

const ID = '(?:RS|AS|CL|PX)-\\d{2}';
const TAG = new RegExp(`\\[(${ID}(?: +${ID})*)\\]`, 'g');
const ID_IN_TAG = new RegExp(ID, 'g');

/** One requirement ID found in a bracket tag, with its offset in the searched text. */
export interface TagMatch {
  readonly id: string;
  readonly index: number;
}

/**
 * Find every ID in the bracket tags of `text`. Grammar: `"[" ID (" "+ ID)* "]"` with
 * `ID = ("RS" | "AS" | "CL" | "PX") "-" DIGIT DIGIT`, case-sensitive. Anything else in the brackets makes it not a
 * tag (`[RS-13 foo]`, `[RS-1]`, `[XX-01]`, `[rs-13]`), and an ID outside brackets is not a tag.
 */
export function findRequirementTags(text: string): TagMatch[] {
  const matches: TagMatch[] = [];
  for (const tag of text.matchAll(TAG)) {
    const body = tag[1] ?? '';
    for (const id of body.matchAll(ID_IN_TAG)) {
      matches.push({ id: id[0], index: tag.index + 1 + id.index });
    }
  }
  return matches;
}

/** The requirement IDs named by the tags of one test title. */
export interface ParsedRequirementTags {
  /** The IDs in the table, in order of appearance, without duplicates. */
  readonly ids: RequirementId[];
  /** IDs of the right shape that are not in the table (typos such as `RS-99`), without duplicates. */
  readonly unknown: string[];
}

/**
 * Read the requirement tags of a test title.
 *
 * @example
 * ```ts
 * parseRequirementTags('[CL-02 CL-04] tries the well-known URLs in order');
 * // → { ids: ['CL-02', 'CL-04'], unknown: [] }
 * ```
 */
export function parseRequirementTags(title: string): ParsedRequirementTags {
  const ids = new Set<RequirementId>();
  const unknown = new Set<string>();
  for (const { id } of findRequirementTags(title)) {
    if (isRequirementId(id)) ids.add(id);
    else unknown.add(id);
  }
  return { ids: [...ids], unknown: [...unknown] };
}

/**
 * Build a test title that declares the requirements the test verifies: `verifies('RS-13', 'rejects …')` returns
 * `'[RS-13] rejects …'`, and `verifies(['CL-02', 'CL-04'], 'title')` returns `'[CL-02 CL-04] title'`.
 * IDs are checked at run time, because callers may pass plain strings.
 *
 * @throws {ConformanceError} `ERR_PORTCULLIS_UNKNOWN_REQUIREMENT` when an ID is not in the table;
 *   `ERR_PORTCULLIS_INVALID_ARGUMENT` when the ID list or the title is empty.
 */
export function verifies(ids: RequirementId | readonly RequirementId[], title: string): string {
  const list: readonly unknown[] = Array.isArray(ids) ? ids : [ids];
  if (list.length === 0) {
    throw new ConformanceError(
      'ERR_PORTCULLIS_INVALID_ARGUMENT',
      'verifies() needs at least one requirement ID',
    );
  }
  for (const id of list) {
    if (!isRequirementId(id)) {
      throw new ConformanceError('ERR_PORTCULLIS_UNKNOWN_REQUIREMENT', unknownRequirementMessage(String(id)));
    }
  }
  if (typeof title !== 'string' || title.trim() === '') {
    throw new ConformanceError('ERR_PORTCULLIS_INVALID_ARGUMENT', 'verifies() needs a non-empty test title');
  }
  return `[${[...new Set(list)].join(' ')}] ${title}`;
}
