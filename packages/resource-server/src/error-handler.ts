import {
  formatBearerChallenge,
  formatScope,
  InsufficientScopeError,
  OAuthError,
  type OAuthErrorResponseBody,
  ServerError,
} from '@portcullis/metadata';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { MissingTokenError } from './errors.js';

/** What every challenge of one resource server shares. */
export interface ChallengeContext {
  /** Absolute URL of the protected resource metadata (RFC 9728 §5.1 `resource_metadata`). */
  readonly resourceMetadataUrl: string;
  /** Scopes named in 401 challenges: what a request to this server needs at least. */
  readonly defaultScopes: readonly string[];
}

/**
 * The `WWW-Authenticate` value for a wire error: no `error` when no credentials came (RFC 6750 §3.1),
 * `scope` = the scopes needed (all of them for `insufficient_scope`), always `resource_metadata`.
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-5.1
 */
export function bearerChallengeFor(error: OAuthError, context: ChallengeContext): string {
  const scope = context.defaultScopes.length > 0 ? formatScope(context.defaultScopes) : undefined;
  if (error instanceof MissingTokenError) {
    return formatBearerChallenge({ scope, resource_metadata: context.resourceMetadataUrl });
  }
  const useErrorScope = error instanceof InsufficientScopeError && error.scopes.length > 0;
  return error.toWwwAuthenticate({
    resourceMetadata: context.resourceMetadataUrl,
    scope: useErrorScope ? undefined : scope,
  });
}

/**
 * The JSON body of a wire error: RFC 6749 §5.2's, except that a request without credentials gets only
 * `error_description`, like its challenge carries no `error` (RFC 6750 §3.1).
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
function responseBodyFor(error: OAuthError): Partial<OAuthErrorResponseBody> {
  const body = error.toResponseBody();
  if (!(error instanceof MissingTokenError)) return body;
  const { error: _code, ...described } = body;
  return described;
}

/** `Retry-After` of a 503 wire error that does not say how long to wait, in seconds. */
const DEFAULT_RETRY_AFTER_S = 5;

/**
 * Send a wire error: RFC 6749 §5.2 JSON body (without `error` for a missing token, like its challenge) plus,
 * for 400/401/403, the RFC 6750 §3 challenge. A 503 (`temporarily_unavailable`: the authorization server could
 * not be asked) gets no challenge, so clients keep their token, and a `Retry-After` (the error's
 * `retryAfterSec`, else 5 s).
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-10.2.3
 */
export function sendWireError(
  reply: FastifyReply,
  error: OAuthError,
  context: ChallengeContext,
): FastifyReply {
  reply.code(error.status).header('cache-control', 'no-store');
  if (error.status === 400 || error.status === 401 || error.status === 403) {
    reply.header('www-authenticate', bearerChallengeFor(error, context));
  }
  if (error.status === 503) {
    const seconds = (error as OAuthError & { retryAfterSec?: unknown }).retryAfterSec;
    reply.header(
      'retry-after',
      String(
        typeof seconds === 'number' && Number.isInteger(seconds) && seconds > 0
          ? seconds
          : DEFAULT_RETRY_AFTER_S,
      ),
    );
  }
  return reply.type('application/json').send(responseBodyFor(error));
}

/**
 * The one error handler of a resource server. Wire errors are rendered with their challenge (a 5xx one's cause
 * is logged at `warn`); Fastify's own
 * client errors (bad JSON, wrong media type, body too large) keep their 4xx status with a JSON-RPC error
 * body; anything else is logged and answered `500 server_error` without detail.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
export function createErrorHandler(context: ChallengeContext) {
  return (error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) => {
    if (error instanceof OAuthError) {
      request.log.info(
        {
          decision: 'deny',
          reason: error instanceof MissingTokenError ? 'no_token' : error.error,
          description: error.error_description,
          status: error.status,
          tokenSha256: request.mcpAuth?.token,
          clientId: request.mcpAuth?.clientId,
        },
        'authorization decision',
      );
      // A 5xx says the authorization server could not be asked: the operator needs the cause.
      if (error.status >= 500) request.log.warn({ err: error.cause ?? error }, error.message);
      return sendWireError(reply, error, context);
    }
    const status = (error as FastifyError).statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      const code = status === 400 ? -32700 : -32600;
      return reply.code(status).send({ jsonrpc: '2.0', id: null, error: { code, message: error.message } });
    }
    request.log.error({ err: error }, 'unhandled error');
    return reply.code(500).send(new ServerError().toResponseBody());
  };
}
