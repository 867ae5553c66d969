import { createHash } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { type DestinationStream, pino } from 'pino';

/**
 * Paths pino removes from every log line. Covers Fastify's request serializer and any object that carries
 * raw headers.
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/authorization/security-considerations#token-theft
 */
export const REDACTED_LOG_PATHS = Object.freeze([
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
  'authorization',
  'token',
  'accessToken',
  'access_token',
  'authInfo.token',
  // Node.js's `clientError` errors carry the request's raw bytes, `Authorization` included.
  'err.rawPacket',
] as const);

const REDACTED = '[REDACTED]';

/**
 * A URL with the value of every query parameter replaced by `[REDACTED]`; the path and the parameter names
 * are kept (`/mcp?x=1&id_token=abc` → `/mcp?x=[REDACTED]&id_token=[REDACTED]`), a parameter without `=` is
 * replaced whole. Any query value may be a
 * secret (`access_token`, `id_token`, `refresh_token`, `code`, `client_secret`, `password`, …) and an MCP or
 * OAuth endpoint's log never needs one. A fragment, which may carry an implicit-grant token, is replaced
 * whole.
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/authorization/security-considerations#token-theft
 */
export function redactUrl(url: string): string {
  const queryStart = url.indexOf('?');
  const hashStart = url.indexOf('#');
  const pathEnd = Math.min(
    queryStart === -1 ? url.length : queryStart,
    hashStart === -1 ? url.length : hashStart,
  );
  if (pathEnd === url.length) return url;
  let redacted = url.slice(0, pathEnd);
  if (pathEnd === queryStart) {
    const queryEnd = hashStart === -1 ? url.length : hashStart;
    const query = url
      .slice(queryStart + 1, queryEnd)
      .split('&')
      .map(redactParameter)
      .join('&');
    redacted += `?${query}`;
  }
  if (hashStart !== -1) redacted += hashStart + 1 === url.length ? '#' : `#${REDACTED}`;
  return redacted;
}

/** `name=value` → `name=[REDACTED]`; a parameter without `=` may be a bare token, so it goes whole. */
function redactParameter(parameter: string): string {
  const eq = parameter.indexOf('=');
  if (eq === -1) return parameter === '' ? '' : REDACTED;
  return `${parameter.slice(0, eq)}=${REDACTED}`;
}

/**
 * A stable, non-reversible name for a token that may appear in logs and in `AuthInfo.token`: the first 16
 * bytes of its SHA-256, base64url, prefixed `sha256:`.
 */
export function tokenFingerprint(token: string): string {
  return fingerprintOfDigest(createHash('sha256').update(token).digest());
}

/** {@link tokenFingerprint} from an already computed SHA-256 digest of the token. */
export function fingerprintOfDigest(digest: Buffer): string {
  return `sha256:${digest.subarray(0, 16).toString('base64url')}`;
}

/**
 * The pino logger the resource server uses when none is given: JSON lines, authorization headers and token
 * fields redacted, URLs logged without query values.
 * @param destination where to write; default stdout. Tests pass a stream to inspect the output.
 */
export function createRedactingLogger(
  options: { level?: string; destination?: DestinationStream } = {},
): FastifyBaseLogger {
  return pino(
    {
      level: options.level ?? 'info',
      redact: { paths: [...REDACTED_LOG_PATHS], censor: REDACTED },
      serializers: {
        req: (req: { method?: string; url?: string; id?: string }) => ({
          id: req.id,
          method: req.method,
          url: typeof req.url === 'string' ? redactUrl(req.url) : undefined,
        }),
        res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
        err: pino.stdSerializers.err,
      },
    },
    options.destination,
  );
}
