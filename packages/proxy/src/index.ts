// This file defines the complete public surface of @portcullis/proxy.
// Any export added here becomes public API. Use named exports, not wildcards.

export type { AuthDecision, AuthDecisionEvent, McpCall } from './auth-decision.js';
export type { DirectModePluginOptions } from './direct-mode-plugin.js';
export { directModePlugin } from './direct-mode-plugin.js';
export type { ProxyErrorCode } from './errors.js';
export { InvalidProxyOptionsError, PROXY_ERROR_CODES, ProxyError } from './errors.js';
export {
  ALLOWED_REQUEST_HEADERS,
  EXPOSED_RESPONSE_HEADERS,
  FORWARDED_REQUEST_HEADERS,
} from './forward-headers.js';
export type { IdentityForwarder, PublicJwks } from './identity.js';
export { createIdentityForwarder } from './identity.js';
export type { McpBody, RpcMessage } from './jsonrpc.js';
export { headerMismatch, MCP_HEADER_MISMATCH, readMcpBody } from './jsonrpc.js';
export type { McpProxyPluginOptions } from './mcp-proxy-plugin.js';
export { mcpProxyPlugin } from './mcp-proxy-plugin.js';
export type { ProxyMetrics } from './metrics.js';
export { createProxyMetrics } from './metrics.js';
export type { ObservabilityPluginOptions, ReadinessCheck } from './observability-plugin.js';
export { observabilityPlugin } from './observability-plugin.js';
export type {
  HttpUpstreamOptions,
  IdentityOptions,
  ProxyOptionsInput,
  ResolvedProxyOptions,
  StdioUpstreamOptions,
  StoreOptions,
  StoreOptionsInput,
} from './options.js';
export {
  DEFAULT_BODY_BYTES,
  DEFAULT_DRAIN_TIMEOUT_MS,
  DEFAULT_HOST,
  DEFAULT_IDENTITY_HEADERS,
  DEFAULT_IDENTITY_TTL_S,
  DEFAULT_MCP_PATH,
  DEFAULT_PORT,
  DEFAULT_PUBLIC_URL,
  DEFAULT_READINESS_TIMEOUT_MS,
  DEFAULT_SESSION_IDLE_MS,
  DEFAULT_UPSTREAM_TIMEOUT_MS,
  directOptionsSchema,
  JWKS_PATH,
  proxyOptionsSchema,
  resolveOptions,
} from './options.js';
export type { RedisStoreOptions } from './redis-store.js';
export type { RuntimeTuning, RuntimeTuningOutcome } from './runtime-tuning.js';
export {
  applyRuntimeTuning,
  describeRuntimeTuning,
  missingRuntimeTuning,
  RUNTIME_TUNING,
  RUNTIME_TUNING_VARIABLE,
} from './runtime-tuning.js';
export { createProxyServer, resourceServerOptionsFor } from './server.js';
export { SessionBindings } from './sessions.js';
export type { JsonValue, MemoryStoreOptions, Store } from './store.js';
export { MemoryStore } from './store.js';
export type { UpstreamErrorKind, UpstreamRequest, UpstreamResponse } from './upstream.js';
export { UpstreamClient, UpstreamError } from './upstream.js';
