import { describe, expect, it } from 'vitest';
import type { ConformanceError } from '../src/errors.js';
import {
  DEFAULT_OTHER_RESOURCE,
  resolveClientSuiteOptions,
  resolveServerSuiteOptions,
} from '../src/options.js';

describe('server suite options', () => {
  it('applies the defaults and splits user:password', () => {
    const options = resolveServerSuiteOptions({ mcpUrl: 'https://mcp.example.com/mcp', login: 'joe:pa:ss' });
    expect(options).toMatchObject({
      spec: '2026-07-28',
      otherResource: DEFAULT_OTHER_RESOURCE,
      dcr: false,
      gateway: false,
      login: { user: 'joe', secret: 'pa:ss' },
    });
  });

  it('names every bad option', () => {
    const error = (() => {
      try {
        resolveServerSuiteOptions({
          mcpUrl: 'ftp://x',
          spec: '2024-11-05' as never,
          clientCredentials: 'nocolon',
        });
      } catch (e) {
        return e as ConformanceError;
      }
    })();
    expect(error?.code).toBe('ERR_PORTCULLIS_INVALID_ARGUMENT');
    expect(error?.message).toMatch(
      /^invalid server suite options: mcpUrl must be an absolute http\(s\) URL; spec .*; clientCredentials must be <user>:<password>/,
    );
  });
});

describe('client suite options', () => {
  it('needs a command', () => {
    expect(() => resolveClientSuiteOptions({ command: [] })).toThrow(
      'command needs the client command after --',
    );
  });
});
