import { describe, expect, it } from 'vitest';
import {
  assertRedirectUri,
  assertSafeLinkUrl,
  assertSecureUrl,
  isLoopbackHost,
  isSecureUrl,
} from '../src/index.js';
import { expectCode } from './helpers.js';

describe('isLoopbackHost', () => {
  it.each(['localhost', 'LOCALHOST', '127.0.0.1', '127.255.255.254', '127.1.2.3', '[::1]', '::1'])(
    '%s is loopback',
    (h) => {
      expect(isLoopbackHost(h)).toBe(true);
    },
  );
  it.each([
    'localhost.evil.example',
    '128.0.0.1',
    '127.0.0.256',
    '10.0.0.1',
    '[::2]',
    '127.0.0',
    'example.com',
    '',
  ])('%s is not loopback', (h) => {
    expect(isLoopbackHost(h)).toBe(false);
  });
});

describe('assertSecureUrl', () => {
  it('[CL-29 AS-08] accepts https and returns the parsed URL', () => {
    expect(assertSecureUrl('https://as.example/authorize').hostname).toBe('as.example');
    const url = new URL('https://x.example');
    expect(assertSecureUrl(url)).toBe(url);
  });

  it.each([
    'javascript:alert(1)',
    'data:text/html,<script>',
    'vbscript:msgbox',
    'file:///etc/passwd',
    'ftp://x.example/',
  ])('[CL-28] refuses %s', (value) => {
    const error = expectCode(
      () => assertSecureUrl(value, { field: 'authorization_endpoint' }),
      'ERR_PORTCULLIS_METADATA_UNSAFE_URL',
    );
    expect(error.message).toContain('authorization_endpoint');
    expect(error.message).toContain('never allowed; use https:');
  });

  it('[CL-29 RS-31] refuses http on a non-loopback host even when loopback http is allowed', () => {
    const error = expectCode(
      () => assertSecureUrl('http://169.254.169.254/', { allowLoopbackHttp: true }),
      'ERR_PORTCULLIS_METADATA_UNSAFE_URL',
    );
    expect(error.message).toBe(
      'URL "http://169.254.169.254/" MUST use https: (plain http: is accepted only on loopback hosts)',
    );
  });

  it('[RS-31] accepts loopback http only with the explicit option', () => {
    for (const value of ['http://127.0.0.1:8080/cb', 'http://localhost/x', 'http://[::1]:3000/']) {
      expectCode(() => assertSecureUrl(value), 'ERR_PORTCULLIS_METADATA_UNSAFE_URL');
      expect(isSecureUrl(value, { allowLoopbackHttp: true })).toBe(true);
    }
    expect(isSecureUrl('http://127.0.0.1/')).toBe(false);
  });

  it('reports a non-URL with its own code', () => {
    expectCode(() => assertSecureUrl('/relative'), 'ERR_PORTCULLIS_METADATA_INVALID_URL');
    expectCode(() => assertSecureUrl(42 as unknown as string), 'ERR_PORTCULLIS_METADATA_INVALID_URL');
  });
});

describe('assertSafeLinkUrl / assertRedirectUri', () => {
  it('allows http and https links, nothing active', () => {
    expect(assertSafeLinkUrl('http://server.example.com/doc.html').protocol).toBe('http:');
    expectCode(() => assertSafeLinkUrl('javascript:alert(1)'), 'ERR_PORTCULLIS_METADATA_UNSAFE_URL');
    expectCode(() => assertSafeLinkUrl('nope'), 'ERR_PORTCULLIS_METADATA_INVALID_URL');
  });

  it('[AS-07 CL-27] accepts https and loopback http redirect URIs only, without fragment', () => {
    expect(assertRedirectUri('http://127.0.0.1:49152/callback').port).toBe('49152');
    expect(assertRedirectUri('https://app.test/cb').hostname).toBe('app.test');
    expectCode(() => assertRedirectUri('http://evil.test/cb'), 'ERR_PORTCULLIS_METADATA_UNSAFE_URL');
    expectCode(() => assertRedirectUri('cursor://callback'), 'ERR_PORTCULLIS_METADATA_UNSAFE_URL');
    expectCode(() => assertRedirectUri('https://app.test/cb#x'), 'ERR_PORTCULLIS_METADATA_INVALID_URL');
  });

  it('[AS-07 AS-19] refuses redirect URIs that would be shown as one host and followed to another', () => {
    for (const uri of [
      'https://trusted.example@evil.example/cb',
      'https://u:p@app.test/cb',
      'https://app.test/cb\t',
      'http:\\\\127.0.0.1\\cb',
      'https:app.test/cb',
      ' https://app.test/cb',
    ]) {
      expectCode(() => assertRedirectUri(uri), 'ERR_PORTCULLIS_METADATA_INVALID_URL');
    }
  });
});
