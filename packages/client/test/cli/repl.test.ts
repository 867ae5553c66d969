import { describe, expect, it } from 'vitest';
import { completeLine } from '../../src/cli/repl.js';

describe('mcp> tab completion', () => {
  it('completes command names, then tool names after "call"', () => {
    expect(completeLine('ca', [])).toEqual([['call'], 'ca']);
    expect(completeLine('call he', ['hello-world', 'whoami', 'help-desk'])).toEqual([
      ['hello-world', 'help-desk'],
      'he',
    ]);
    expect(completeLine('call hello-world {', ['hello-world'])).toEqual([[], '{']);
    expect(completeLine('read gr', ['greeting'])).toEqual([[], 'gr']);
  });
});
