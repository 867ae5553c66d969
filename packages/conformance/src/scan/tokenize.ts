/** A token of a JavaScript/TypeScript source, as far as the scanner needs one. */
export interface Token {
  /** `word`: identifier, keyword or number; `string`: '…' or "…"; `template`: `…` with its `${}` parts. */
  readonly kind: 'word' | 'punctuator' | 'string' | 'template' | 'regex';
  /** The source text of the token, quotes included. */
  readonly text: string;
  /** Offset of the first character. */
  readonly start: number;
}

const WORD = /[\p{L}\p{N}_$]/u;
const REGEX_AFTER_WORD = new Set([
  'return',
  'typeof',
  'case',
  'do',
  'else',
  'in',
  'of',
  'void',
  'yield',
  'await',
  'delete',
  'instanceof',
  'new',
  'throw',
]);

/**
 * Split a source file into tokens, dropping whitespace and comments. This is a lexer for the scan, not a parser:
 * a `/` starts a regular expression when the previous token cannot end an expression, and unterminated strings or
 * regular expressions end at the line break, so a misread never spreads past one line.
 */
export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const push = (kind: Token['kind'], start: number): void => {
    tokens.push({ kind, text: source.slice(start, i), start });
  };
  while (i < source.length) {
    const c = source[i] ?? '';
    const next = source[i + 1];
    if (/\s/.test(c)) {
      i += 1;
    } else if (c === '/' && next === '/') {
      i = lineEnd(source, i);
    } else if (c === '/' && next === '*') {
      const close = source.indexOf('*/', i + 2);
      i = close === -1 ? source.length : close + 2;
    } else if (c === "'" || c === '"') {
      const start = i;
      i = skipQuoted(source, i, c);
      push('string', start);
    } else if (c === '`') {
      const start = i;
      i = skipTemplate(source, i);
      push('template', start);
    } else if (c === '/' && regexAllowed(tokens.at(-1))) {
      const start = i;
      i = skipRegex(source, i);
      push('regex', start);
    } else if (WORD.test(c)) {
      const start = i;
      while (i < source.length && WORD.test(source[i] ?? '')) i += 1;
      push('word', start);
    } else {
      const start = i;
      i += 1;
      push('punctuator', start);
    }
  }
  return tokens;
}

function lineEnd(source: string, from: number): number {
  const end = source.indexOf('\n', from);
  return end === -1 ? source.length : end;
}

function regexAllowed(previous: Token | undefined): boolean {
  if (previous === undefined) return true;
  if (previous.kind === 'word') return REGEX_AFTER_WORD.has(previous.text);
  if (previous.kind === 'punctuator') return !')]'.includes(previous.text);
  return false;
}

function skipQuoted(source: string, open: number, quote: string): number {
  let i = open + 1;
  while (i < source.length) {
    const c = source[i];
    if (c === '\\') i += 2;
    else if (c === quote) return i + 1;
    else if (c === '\n') return i;
    else i += 1;
  }
  return i;
}

function skipRegex(source: string, open: number): number {
  let i = open + 1;
  let inClass = false;
  while (i < source.length) {
    const c = source[i];
    if (c === '\\') {
      i += 2;
      continue;
    }
    if (c === '\n') return i;
    i += 1;
    if (c === '[') inClass = true;
    else if (c === ']') inClass = false;
    else if (c === '/' && !inClass) break;
  }
  while (i < source.length && WORD.test(source[i] ?? '')) i += 1;
  return i;
}

/** Skip a template literal, including nested code in `${…}` (which may hold strings and templates). */
function skipTemplate(source: string, open: number): number {
  let i = open + 1;
  while (i < source.length) {
    const c = source[i];
    if (c === '\\') i += 2;
    else if (c === '`') return i + 1;
    else if (c === '$' && source[i + 1] === '{') i = skipExpression(source, i + 2);
    else i += 1;
  }
  return i;
}

function skipExpression(source: string, from: number): number {
  let depth = 1;
  let i = from;
  while (i < source.length) {
    const c = source[i] ?? '';
    if (c === "'" || c === '"') i = skipQuoted(source, i, c);
    else if (c === '`') i = skipTemplate(source, i);
    else if (c === '/' && source[i + 1] === '/') i = lineEnd(source, i);
    else if (c === '/' && source[i + 1] === '*') {
      const close = source.indexOf('*/', i + 2);
      i = close === -1 ? source.length : close + 2;
    } else {
      if (c === '{') depth += 1;
      if (c === '}') depth -= 1;
      i += 1;
      if (depth === 0) return i;
    }
  }
  return i;
}
