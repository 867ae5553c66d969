import type { RequirementId } from '../requirements/ids.js';
import { isRequirementId } from '../requirements/index.js';
import { findRequirementTags, REQUIREMENT_ID_PATTERN } from '../tags.js';
import { type Token, tokenize } from './tokenize.js';

/** How a test names a requirement: a bracket tag in a title literal, or a `verifies(…)` call. */
export type ReferenceKind = 'tag' | 'verifies';

/** One place where a test file names a requirement of the table. */
export interface RequirementReference {
  readonly id: RequirementId;
  /** The file, relative to the scan root, with `/` separators. */
  readonly file: string;
  /** 1-based line of the tag or of the `verifies` call. */
  readonly line: number;
  /** The title literal as written (without quotes), when it is a literal. */
  readonly title?: string;
  readonly kind: ReferenceKind;
  /** `true` when the test or suite is declared with `.skip` or `.todo`: it does not count as coverage. */
  readonly pending: boolean;
}

/** A string of requirement-ID shape (e.g. `RS-99`) that is not in the table. */
export interface UnknownRequirementReference {
  readonly id: string;
  readonly file: string;
  readonly line: number;
  readonly title?: string;
  readonly kind: ReferenceKind;
}

/** What one source file declares. */
export interface SourceScan {
  readonly references: RequirementReference[];
  readonly unknown: UnknownRequirementReference[];
}

const TITLE_CALLS = new Set(['describe', 'it', 'test', 'suite']);
const FACTORY_MODIFIERS = new Set(['each', 'for', 'skipIf', 'runIf']);
const PENDING_MODIFIERS = new Set(['skip', 'todo']);

/**
 * Find the requirement references of one test file. Grammar (over tokens, so comments are ignored):
 * - a title call `HEAD ("." NAME ("(" … ")")?)* "(" LITERAL`, where HEAD is `describe`, `it`, `test` or `suite`,
 *   a parenthesised part follows only `.each`/`.for`/`.skipIf`/`.runIf`, and LITERAL is a '…', "…" or `…` string
 *   whose bracket tags name the IDs (see `findRequirementTags`);
 * - a call `verifies("(" LITERAL | "[" LITERAL ("," LITERAL)* "]") ("," LITERAL)?`: the first argument names the
 *   IDs, the optional second one is the title.
 * Titles built at run time (variables, concatenations after the first literal) are not followed.
 */
export function scanSource(source: string, file: string): SourceScan {
  const tokens = tokenize(source);
  const lineOf = lineIndex(source);
  const references: RequirementReference[] = [];
  const unknown: UnknownRequirementReference[] = [];
  const seen = new Set<string>();
  const pendingVerifies = new Map<number, boolean>();

  const record = (
    id: string,
    offset: number,
    kind: ReferenceKind,
    pending: boolean,
    title?: string,
  ): void => {
    const line = lineOf(offset);
    const key = `${id}:${line}:${kind}`;
    if (seen.has(key)) return;
    seen.add(key);
    const base = { file, line, kind, ...(title === undefined ? {} : { title }) };
    if (isRequirementId(id)) references.push({ id, ...base, pending });
    else if (REQUIREMENT_ID_PATTERN.test(id)) unknown.push({ id, ...base });
  };

  tokens.forEach((token, index) => {
    const previous = tokens[index - 1];
    if (token.kind !== 'word') return;
    if (TITLE_CALLS.has(token.text) && previous?.text !== '.') {
      const call = readTitleCall(tokens, index);
      const argument = call && tokens[call.open + 1];
      if (!call || !argument) return;
      if (argument.kind === 'word' && argument.text === 'verifies')
        pendingVerifies.set(call.open + 1, call.pending);
      if (argument.kind !== 'string' && argument.kind !== 'template') return;
      const title = literalText(argument);
      for (const tag of findRequirementTags(title)) {
        record(tag.id, argument.start + 1 + tag.index, 'tag', call.pending, title);
      }
    } else if (token.text === 'verifies' && tokens[index + 1]?.text === '(') {
      const { ids, title } = readVerifiesCall(tokens, index + 2);
      const pending = pendingVerifies.get(index) ?? false;
      for (const id of ids) record(id, token.start, 'verifies', pending, title);
    }
  });
  return { references, unknown };
}

function readTitleCall(
  tokens: readonly Token[],
  head: number,
): { open: number; pending: boolean } | undefined {
  let pending = false;
  let factory = false;
  let j = head + 1;
  for (;;) {
    const token = tokens[j];
    const name = tokens[j + 1];
    if (token?.text === '.' && name?.kind === 'word') {
      pending ||= PENDING_MODIFIERS.has(name.text);
      factory = FACTORY_MODIFIERS.has(name.text);
      j += 2;
    } else if (token?.text === '(' && factory) {
      j = closingParen(tokens, j) + 1;
      factory = false;
    } else if (token?.text === '(') {
      return { open: j, pending };
    } else {
      return undefined;
    }
  }
}

function readVerifiesCall(tokens: readonly Token[], from: number): { ids: string[]; title?: string } {
  const ids: string[] = [];
  let j = from;
  const first = tokens[j];
  if (first?.kind === 'string') {
    ids.push(literalText(first));
    j += 1;
  } else if (first?.text === '[') {
    j += 1;
    for (
      let token = tokens[j];
      token && (token.kind === 'string' || token.text === ',');
      token = tokens[++j]
    ) {
      if (token.kind === 'string') ids.push(literalText(token));
    }
    if (tokens[j]?.text === ']') j += 1;
  }
  const title = tokens[j + 1];
  if (tokens[j]?.text === ',' && (title?.kind === 'string' || title?.kind === 'template')) {
    return { ids, title: literalText(title) };
  }
  return { ids };
}

function closingParen(tokens: readonly Token[], open: number): number {
  let depth = 0;
  for (let j = open; j < tokens.length; j += 1) {
    const text = tokens[j]?.text;
    if (text === '(') depth += 1;
    if (text === ')') depth -= 1;
    if (depth === 0) return j;
  }
  return tokens.length;
}

/** The content of a string or template token: the text between the quotes, escapes left as written. */
function literalText(token: Token): string {
  const quote = token.text[0];
  const closed = token.text.length > 1 && token.text.endsWith(quote ?? '');
  return token.text.slice(1, closed ? -1 : undefined);
}

function lineIndex(source: string): (offset: number) => number {
  const starts = [0];
  for (let i = source.indexOf('\n'); i !== -1; i = source.indexOf('\n', i + 1)) starts.push(i + 1);
  return (offset) => {
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const mid = Math.ceil((low + high) / 2);
      if ((starts[mid] ?? 0) <= offset) low = mid;
      else high = mid - 1;
    }
    return low + 1;
  };
}
