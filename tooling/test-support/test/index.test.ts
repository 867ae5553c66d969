import { describe, expect, it } from 'vitest';
import * as api from '../src/index.js';

describe('public surface of @portcullis/test-support', () => {
  it('exports exactly these values', () => {
    expect(Object.keys(api).sort()).toEqual(
      [
        'CookieBrowser',
        'embeddedIdpToken',
        'freePort',
        'pkcePair',
        'rawHttpExchange',
        'startLocalIssuer',
      ].sort(),
    );
  });
});
