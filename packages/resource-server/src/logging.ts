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
] as const);

const QUERY_SECRET = /([?&](?:access_token|token|code|client_secret)=)[^&#]*/gi;

/** A URL with the values of secret-bearing query parameters (`access_token`, `code`, …) replaced. */
export function redactUrl(url: string): string {
  return url.replace(QUERY_SECRET, '$1[REDACTED]');
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
 * fields redacted, URLs logged without secret query values.
 * @param destination where to write; default stdout. Tests pass a stream to inspect the output.
 */
export function createRedactingLogger(
  options: { level?: string; destination?: DestinationStream } = {},
): FastifyBaseLogger {
  return pino(
    {
      level: options.level ?? 'info',
      redact: { paths: [...REDACTED_LOG_PATHS], censor: '[REDACTED]' },
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
