import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The proxy's Prometheus metrics, in a registry of their own (one per proxy instance). */
export interface ProxyMetrics {
  readonly registry: Registry;
  /** HTTP requests by route, method and status. */
  readonly requests: Counter<'route' | 'method' | 'status'>;
  /** Time from request to the end of the response, by route, method and status (streams included). */
  readonly duration: Histogram<'route' | 'method' | 'status'>;
  /** Time until the upstream's response headers, by upstream status. */
  readonly upstreamLatency: Histogram<'status'>;
  /** Authorization decisions on the MCP endpoint by decision and reason. */
  readonly authDecisions: Counter<'decision' | 'reason'>;
  /** Upstream failures by kind (`timeout`, `connect`, `reset`, `rejected_identity`, …). */
  readonly upstreamErrors: Counter<'kind'>;
  /** Responses currently streaming from the upstream. */
  readonly openStreams: Gauge;
  /** Open-ended streams the proxy ended because their token expired or is no longer active, by reason. */
  readonly streamsEnded: Counter<'reason'>;
  /** Child processes of a stdio upstream (one per session or 2026-07-28 caller). */
  readonly stdioProcesses: Gauge;
  /** Facade: IdP clients handled by the RFC 7592 cleanup, by outcome (`deleted`, `retried`, `dropped`). */
  readonly idpClientCleanup: Counter<'outcome'>;
}

/**
 * Create the metrics, named `portcullis_proxy_*`.
 * @see https://prometheus.io/docs/practices/naming/
 */
export function createProxyMetrics(): ProxyMetrics {
  const registry = new Registry();
  const registers = [registry];
  return {
    registry,
    requests: new Counter({
      name: 'portcullis_proxy_http_requests_total',
      help: 'HTTP requests by route, method and status',
      labelNames: ['route', 'method', 'status'],
      registers,
    }),
    duration: new Histogram({
      name: 'portcullis_proxy_http_request_duration_seconds',
      help: 'Time from request to the end of the response (streams included)',
      labelNames: ['route', 'method', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    }),
    upstreamLatency: new Histogram({
      name: 'portcullis_proxy_upstream_response_seconds',
      help: 'Time until the upstream response headers arrived',
      labelNames: ['status'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    authDecisions: new Counter({
      name: 'portcullis_proxy_auth_decisions_total',
      help: 'Authorization decisions on the MCP endpoint by decision and reason',
      labelNames: ['decision', 'reason'],
      registers,
    }),
    upstreamErrors: new Counter({
      name: 'portcullis_proxy_upstream_errors_total',
      help: 'Upstream failures by kind',
      labelNames: ['kind'],
      registers,
    }),
    openStreams: new Gauge({
      name: 'portcullis_proxy_open_streams',
      help: 'Responses currently streaming from the upstream',
      registers,
    }),
    streamsEnded: new Counter({
      name: 'portcullis_proxy_streams_ended_total',
      help: 'Open-ended streams ended by the proxy because the token that opened them expired or is no longer active',
      labelNames: ['reason'],
      registers,
    }),
    stdioProcesses: new Gauge({
      name: 'portcullis_proxy_stdio_processes',
      help: 'Child processes of a stdio upstream (one per MCP session or 2026-07-28 caller)',
      registers,
    }),
    idpClientCleanup: new Counter({
      name: 'portcullis_proxy_facade_idp_client_cleanup_total',
      help: 'IdP clients whose registration expired, by cleanup outcome (RFC 7592)',
      labelNames: ['outcome'],
      registers,
    }),
  };
}
