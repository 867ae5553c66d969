import { describe, expect, it } from 'vitest';
import * as api from '../src/index.js';

describe('public surface of @portcullis/idp', () => {
  it('exports exactly these values', () => {
    expect(Object.keys(api).sort()).toEqual(
      [
        'CsrfError',
        'DEFAULT_ACCESS_TOKEN_TTL_S',
        'DEFAULT_AUTHORIZATION_CODE_TTL_S',
        'DEFAULT_CIMD_MAX_BYTES',
        'DEFAULT_CIMD_TIMEOUT_MS',
        'DEFAULT_MAX_REGISTERED_CLIENTS',
        'DEFAULT_REFRESH_TOKEN_TTL_S',
        'IDP_ERROR_CODES',
        'IdpError',
        'PAGE_HEADERS',
        'PageError',
        'ROUTES',
        'createGuardedFetch',
        'createIdp',
        'hashPassword',
        'idpOptionsSchema',
        'isLoopbackRedirect',
        'isPublicAddress',
        'resolveGuardedTarget',
        'resolveOptions',
        'startIdp',
      ].sort(),
    );
  });

  it('error codes are stable and package-prefixed', () => {
    for (const code of api.IDP_ERROR_CODES) expect(code).toMatch(/^ERR_PORTCULLIS_IDP_[A-Z_]+$/);
  });
});
