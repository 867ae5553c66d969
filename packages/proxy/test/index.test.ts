import { describe, expect, it } from 'vitest';
import * as api from '../src/index.js';

describe('public surface of @portcullis/proxy', () => {
  it('exports exactly these values', () => {
    expect(Object.keys(api).sort()).toEqual(
      [
        'ALLOWED_REQUEST_HEADERS',
        'DEFAULT_BODY_BYTES',
        'DEFAULT_DRAIN_TIMEOUT_MS',
        'DEFAULT_HOST',
        'DEFAULT_IDENTITY_HEADERS',
        'DEFAULT_IDENTITY_TTL_S',
        'DEFAULT_MCP_PATH',
        'DEFAULT_PORT',
        'DEFAULT_PUBLIC_URL',
        'DEFAULT_READINESS_TIMEOUT_MS',
        'DEFAULT_SESSION_IDLE_MS',
        'DEFAULT_UPSTREAM_TIMEOUT_MS',
        'EXPOSED_RESPONSE_HEADERS',
        'FORWARDED_REQUEST_HEADERS',
        'InvalidProxyOptionsError',
        'JWKS_PATH',
        'MCP_HEADER_MISMATCH',
        'MemoryStore',
        'PROXY_ERROR_CODES',
        'RUNTIME_TUNING',
        'RUNTIME_TUNING_VARIABLE',
        'ProxyError',
        'SessionBindings',
        'UpstreamClient',
        'UpstreamError',
        'applyRuntimeTuning',
        'createIdentityForwarder',
        'createProxyMetrics',
        'createProxyServer',
        'describeRuntimeTuning',
        'directModePlugin',
        'directOptionsSchema',
        'headerMismatch',
        'mcpProxyPlugin',
        'missingRuntimeTuning',
        'observabilityPlugin',
        'proxyOptionsSchema',
        'readMcpBody',
        'resolveOptions',
        'resourceServerOptionsFor',
      ].sort(),
    );
  });

  it('lists every error code once, prefixed ERR_PORTCULLIS_PROXY_', () => {
    expect(new Set(api.PROXY_ERROR_CODES).size).toBe(api.PROXY_ERROR_CODES.length);
    expect(api.PROXY_ERROR_CODES.every((c) => c.startsWith('ERR_PORTCULLIS_PROXY_'))).toBe(true);
  });
});
