import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CONFORMANCE_ERROR_CODES, ConformanceError, unknownRequirementMessage } from '../src/errors.js';

const README = readFileSync(join(dirname(dirname(fileURLToPath(import.meta.url))), 'README.md'), 'utf8');

describe('ConformanceError', () => {
  it('carries a code, a message, a name and an optional cause', () => {
    const cause = new Error('inner');
    const error = new ConformanceError('ERR_PORTCULLIS_INVALID_ARGUMENT', 'bad', { cause });
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({
      name: 'ConformanceError',
      code: 'ERR_PORTCULLIS_INVALID_ARGUMENT',
      message: 'bad',
    });
    expect(error.cause).toBe(cause);
  });

  it('words the unknown-requirement message with the valid ranges', () => {
    expect(unknownRequirementMessage('RS-99')).toBe(
      'unknown requirement ID "RS-99": expected one of RS-01…RS-31, AS-01…AS-23, CL-01…CL-33, PX-01…PX-13',
    );
  });
});

describe('the README error table', () => {
  it('documents every error code, and no other', () => {
    const documented = [...README.matchAll(/^\| `(ERR_PORTCULLIS_[A-Z_]+)` +\|/gm)].map((match) => match[1]);
    expect(documented.sort()).toEqual([...CONFORMANCE_ERROR_CODES].sort());
  });
});
