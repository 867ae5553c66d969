import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { ProxyMetrics } from './metrics.js';
import type { ResolvedProxyOptions, StdioUpstreamOptions } from './options.js';
import { stdioCommandProblem } from './stdio-command.js';
import type { Store } from './store.js';

/** Options of {@link observabilityPlugin}. */
export interface ObservabilityPluginOptions {
  readonly options: ResolvedProxyOptions;
  readonly metrics: ProxyMetrics;
  /** The state store, probed by `/readyz` (`checks.store`) when given. */
  readonly store?: Store;
}

/** One `/readyz` check. */
export interface ReadinessCheck {
  readonly ok: boolean;
  readonly url: string;
  readonly status?: number;
  readonly error?: string;
  readonly ms: number;
}

async function probeStore(store: Store, timeoutMs: number): Promise<ReadinessCheck> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([store.ping(), timeout]);
    return { ok: true, url: store.url, ms: ms() };
  } catch (error) {
    return {
      ok: false,
      url: store.url,
      error: error instanceof Error ? error.message : String(error),
      ms: ms(),
    };
  } finally {
    clearTimeout(timer);
  }
}

/** A stdio upstream is spawned per session: ready when its command resolves to an executable file. */
async function probeStdio(upstream: StdioUpstreamOptions): Promise<ReadinessCheck> {
  const started = performance.now();
  const error = await stdioCommandProblem(upstream);
  const ms = Math.round(performance.now() - started);
  const url = `stdio:${upstream.command}`;
  return error === undefined ? { ok: true, url, ms } : { ok: false, url, error, ms };
}

async function probe(url: string, timeoutMs: number, accept: (res: Response) => Promise<boolean>) {
  const started = performance.now();
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    const ok = await accept(res);
    return { ok, url, status: res.status, ms: Math.round(performance.now() - started) };
  } catch (error) {
    const message =
      error instanceof Error
        ? error.cause instanceof Error
          ? error.cause.message
          : error.message
        : String(error);
    return { ok: false, url, error: message, ms: Math.round(performance.now() - started) };
  }
}

/**
 * `/healthz` (the process is up), `/readyz` (the IdP's JWKS answers with keys and the upstream answers at
 * all, or a stdio upstream's command is an executable file; 503 with details otherwise), `/metrics`
 * (Prometheus text format), and the per-request metrics.
 * @see https://prometheus.io/docs/instrumenting/exposition_formats/
 */
export const observabilityPlugin = fp(
  async (app: FastifyInstance, { options, metrics, store }: ObservabilityPluginOptions) => {
    app.addHook('onResponse', async (request, reply) => {
      const labels = {
        route: request.routeOptions.url ?? 'unmatched',
        method: request.method,
        status: String(reply.statusCode),
      };
      metrics.requests.inc(labels);
      metrics.duration.observe(labels, reply.elapsedTime / 1000);
    });

    app.get('/healthz', async (_request, reply) =>
      reply.header('cache-control', 'no-store').send({ status: 'ok' }),
    );

    app.get('/readyz', async (_request, reply) => {
      const timeout = options.readiness.timeoutMs;
      const [idpJwks, upstream, storeCheck] = await Promise.all([
        probe(options.idp.jwksUri, timeout, async (res) => {
          if (res.status !== 200) return false;
          const body = (await res.json().catch(() => undefined)) as { keys?: unknown } | undefined;
          return Array.isArray(body?.keys) && body.keys.length > 0;
        }),
        options.upstream.kind === 'http'
          ? probe(options.upstream.url, timeout, async (res) => {
              await res.body?.cancel();
              return res.status < 500;
            })
          : probeStdio(options.upstream),
        store === undefined ? undefined : probeStore(store, timeout),
      ]);
      const ready = idpJwks.ok && upstream.ok && storeCheck?.ok !== false;
      return reply
        .code(ready ? 200 : 503)
        .header('cache-control', 'no-store')
        .send({
          status: ready ? 'ready' : 'not_ready',
          checks: { idpJwks, upstream, ...(storeCheck === undefined ? {} : { store: storeCheck }) },
        });
    });

    app.get('/metrics', async (_request, reply) =>
      reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
    );
  },
  { name: '@portcullis/proxy/observability', fastify: '5.x' },
);
