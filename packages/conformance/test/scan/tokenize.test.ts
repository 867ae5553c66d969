import { describe, expect, it } from 'vitest';
import { tokenize } from '../../src/scan/tokenize.js';

const kinds = (source: string): string[] => tokenize(source).map((token) => `${token.kind}:${token.text}`);

describe('tokenize', () => {
  it('splits words, punctuators and string literals, with offsets', () => {
    expect(tokenize("it('a', fn)")).toEqual([
      { kind: 'word', text: 'it', start: 0 },
      { kind: 'punctuator', text: '(', start: 2 },
      { kind: 'string', text: "'a'", start: 3 },
      { kind: 'punctuator', text: ',', start: 6 },
      { kind: 'word', text: 'fn', start: 8 },
      { kind: 'punctuator', text: ')', start: 10 },
    ]);
  });

  it('drops line and block comments', () => {
    expect(kinds("a // it('x')\n/* it('y') */ b")).toEqual(['word:a', 'word:b']);
  });

  it('keeps comment markers and escaped quotes inside strings', () => {
    expect(kinds(`'a // b' "c /* d" 'e\\'f'`)).toEqual([
      "string:'a // b'",
      'string:"c /* d"',
      "string:'e\\'f'",
    ]);
  });

  it('reads a template literal with nested expressions as one token', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the source text under test
    const source = 'x(`a ${f(`b ${"}"}`)} c`, y)';
    expect(kinds(source)).toEqual([
      'word:x',
      'punctuator:(',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the token text under test
      'template:`a ${f(`b ${"}"}`)} c`',
      'punctuator:,',
      'word:y',
      'punctuator:)',
    ]);
  });

  it('tells regular expressions from division', () => {
    expect(kinds("x = /it\\('[a/]'/g; y = a / b / c")).toEqual([
      'word:x',
      'punctuator:=',
      "regex:/it\\('[a/]'/g",
      'punctuator:;',
      'word:y',
      'punctuator:=',
      'word:a',
      'punctuator:/',
      'word:b',
      'punctuator:/',
      'word:c',
    ]);
    expect(kinds('return /a/')).toEqual(['word:return', 'regex:/a/']);
    expect(kinds('f(x) / 2')).toContain('punctuator:/');
  });

  it('ends an unterminated string or regular expression at the line break', () => {
    expect(kinds("a = 'open\nb")).toEqual(['word:a', 'punctuator:=', "string:'open", 'word:b']);
    expect(kinds('a = /open\nb')).toEqual(['word:a', 'punctuator:=', 'regex:/open', 'word:b']);
  });
});
