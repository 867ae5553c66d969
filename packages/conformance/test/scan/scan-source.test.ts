import { describe, expect, it } from 'vitest';
import { scanSource } from '../../src/scan/scan-source.js';

const scan = (...lines: string[]) => scanSource(lines.join('\n'), 'pkg/test/a.test.ts');
const ids = (...lines: string[]) =>
  scan(...lines).references.map((reference) => `${reference.id}@${reference.line}`);

describe('scanSource: tags in titles', () => {
  it('reads tags in the title of describe, it, test and suite, with file, line and title', () => {
    const result = scan(
      "describe('[RS-13] audience', () => {",
      '  it("[RS-13 RS-14] rejects another audience", () => {});',
      '  test(`[RS-15] expired`, () => {});',
      "  suite('[RS-16] scope', () => {});",
      '});',
    );
    expect(result.unknown).toEqual([]);
    expect(result.references).toEqual([
      {
        id: 'RS-13',
        file: 'pkg/test/a.test.ts',
        line: 1,
        kind: 'tag',
        pending: false,
        title: '[RS-13] audience',
      },
      {
        id: 'RS-13',
        file: 'pkg/test/a.test.ts',
        line: 2,
        kind: 'tag',
        pending: false,
        title: '[RS-13 RS-14] rejects another audience',
      },
      {
        id: 'RS-14',
        file: 'pkg/test/a.test.ts',
        line: 2,
        kind: 'tag',
        pending: false,
        title: '[RS-13 RS-14] rejects another audience',
      },
      {
        id: 'RS-15',
        file: 'pkg/test/a.test.ts',
        line: 3,
        kind: 'tag',
        pending: false,
        title: '[RS-15] expired',
      },
      {
        id: 'RS-16',
        file: 'pkg/test/a.test.ts',
        line: 4,
        kind: 'tag',
        pending: false,
        title: '[RS-16] scope',
      },
    ]);
  });

  it('follows modifiers, including .each/.for/.skipIf/.runIf with their arguments', () => {
    expect(
      ids(
        "it.concurrent('[RS-01] a', () => {});",
        "test.describe.serial('[RS-02] b', () => {});",
        "it.each([[1, (2)]])('[RS-03] case %s', () => {});",
        "it.skipIf(process.env.CI)('[RS-04] local only', () => {});",
        "describe.for(['a'])('[RS-05] %s', () => {});",
      ),
    ).toEqual(['RS-01@1', 'RS-02@2', 'RS-03@3', 'RS-04@4', 'RS-05@5']);
  });

  it('marks .skip and .todo tests as pending', () => {
    const result = scan(
      "it.skip('[RS-01] a', () => {});",
      "it.todo('[RS-02] b');",
      "it.only('[RS-03] c', () => {});",
    );
    expect(result.references.map((reference) => [reference.id, reference.pending])).toEqual([
      ['RS-01', true],
      ['RS-02', true],
      ['RS-03', false],
    ]);
  });

  it('gives the line of the tag inside a multi-line template title', () => {
    expect(ids('it(`first line', '  [RS-07] on the second line`, () => {});')).toEqual(['RS-07@2']);
  });

  it('ignores tags outside titles, in comments, in non-title strings and in look-alike calls', () => {
    expect(
      ids(
        "// it('[RS-01] commented out', () => {});",
        "/* describe('[RS-02] commented out', () => {}); */",
        "const title = '[RS-03] not a title';",
        "expect(parse('[RS-04] data')).toBe(1);",
        "foo.it('[RS-05] method of another object');",
        "it(title + '[RS-06] not the first argument', () => {});",
        'const s = "it(\'[RS-08] code inside a string\')";',
        "it('[RS-1] [XX-01] RS-09 look-alikes', () => {});",
      ),
    ).toEqual([]);
  });

  it('reports IDs of requirement shape that are not in the table', () => {
    const result = scan("it('[RS-13 RS-99] typo', () => {});", "describe('[PX-14] typo', () => {});");
    expect(result.references.map((reference) => reference.id)).toEqual(['RS-13']);
    expect(result.unknown).toEqual([
      { id: 'RS-99', file: 'pkg/test/a.test.ts', line: 1, kind: 'tag', title: '[RS-13 RS-99] typo' },
      { id: 'PX-14', file: 'pkg/test/a.test.ts', line: 2, kind: 'tag', title: '[PX-14] typo' },
    ]);
  });
});

describe('scanSource: verifies() calls', () => {
  it('reads a single ID or a list of IDs, and the title', () => {
    const result = scan(
      "it(verifies('RS-13', 'rejects another audience'), () => {});",
      'test(verifies(["CL-02", "CL-04",], `tries the URLs in order`), async () => {});',
      "const title = conformance.verifies('PX-01', 'proxy');",
    );
    expect(result.references).toEqual([
      {
        id: 'RS-13',
        file: 'pkg/test/a.test.ts',
        line: 1,
        kind: 'verifies',
        pending: false,
        title: 'rejects another audience',
      },
      {
        id: 'CL-02',
        file: 'pkg/test/a.test.ts',
        line: 2,
        kind: 'verifies',
        pending: false,
        title: 'tries the URLs in order',
      },
      {
        id: 'CL-04',
        file: 'pkg/test/a.test.ts',
        line: 2,
        kind: 'verifies',
        pending: false,
        title: 'tries the URLs in order',
      },
      { id: 'PX-01', file: 'pkg/test/a.test.ts', line: 3, kind: 'verifies', pending: false, title: 'proxy' },
    ]);
  });

  it('marks a verifies() title of a skipped test as pending', () => {
    expect(scan("it.skip(verifies('RS-13', 'x'), () => {});").references[0]?.pending).toBe(true);
  });

  it('records the call without a title when the title is not a literal', () => {
    expect(scan('it(verifies("RS-13", name), () => {});').references).toEqual([
      { id: 'RS-13', file: 'pkg/test/a.test.ts', line: 1, kind: 'verifies', pending: false },
    ]);
  });

  it('reports unknown IDs of requirement shape, and skips other strings and non-literal arguments', () => {
    const result = scan(
      "verifies('CL-98', 'typo');",
      "verifies(['RS-13', 'AS-99'], 'one typo');",
      "verifies('rs:401-challenge', fn);",
      'verifies(id, "variable");',
      'export function verifies(ids, title) {}',
    );
    expect(result.references.map((reference) => reference.id)).toEqual(['RS-13']);
    expect(result.unknown.map((reference) => `${reference.id}@${reference.line}`)).toEqual([
      'CL-98@1',
      'AS-99@2',
    ]);
  });
});
