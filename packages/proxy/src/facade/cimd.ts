import type { GuardedFetch } from '@portcullis/idp/guarded-fetch';
import {
  InvalidClientError,
  MetadataValidationError,
  validateClientIdMetadataDocument,
} from '@portcullis/metadata';
import { type FacadeClient, registeredGrants } from './clients.js';

/**
 * The longest a fetched and valid client ID metadata document is reused, in ms (errors are never kept).
 * @see cacheLifetime
 */
export const CIMD_CACHE_MS = 5 * 60_000;

/** How to fetch client ID metadata documents. */
export interface CimdFetchOptions {
  readonly fetchDocument: GuardedFetch;
  readonly allowLoopbackHttp: boolean;
  /** Where a failed document fetch is logged in full (the client is told less). */
  readonly log?: { info(details: object, message: string): void } | undefined;
}

/** A valid document as a client, and how long it may be reused (0: not at all). */
export interface FetchedDocument {
  readonly client: FacadeClient;
  readonly cacheMs: number;
}

/**
 * How long a document may be reused by its `Cache-Control` (RFC 9111 §5.2.2): not at all with `no-store`,
 * `no-cache` or `max-age=0`; `max-age` otherwise, at most {@link CIMD_CACHE_MS}, which is also the lifetime
 * of a document that says nothing. Nothing between `/authorize` and `/token` depends on the document being
 * kept: `/token` fetches it again when it is not.
 * @see https://www.rfc-editor.org/rfc/rfc9111#section-5.2.2
 */
export function cacheLifetime(cacheControl: string | null): number {
  let lifetime = CIMD_CACHE_MS;
  for (const directive of (cacheControl ?? '').split(',')) {
    const [name = '', value] = directive.trim().toLowerCase().split('=', 2);
    if (name === 'no-store' || name === 'no-cache') return 0;
    if (name === 'max-age') {
      const seconds = /^"?(\d+)"?$/.exec(value ?? '')?.[1];
      lifetime = seconds === undefined ? 0 : Math.min(Number(seconds) * 1000, lifetime);
    }
  }
  return lifetime;
}

/**
 * Why a document fetch failed, as the client may hear it: never the addresses a host resolves to (the
 * endpoints that call this answer anyone, so that would map internal names), nor connection details.
 */
function publicReason(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  switch (code) {
    case 'ERR_PORTCULLIS_IDP_SSRF_BLOCKED':
    case 'ERR_PORTCULLIS_IDP_SSRF_UNRESOLVED':
      return 'its host does not resolve to a public address';
    case 'ERR_PORTCULLIS_IDP_SSRF_SCHEME':
      return 'only https URLs without user information are fetched';
    case 'ERR_PORTCULLIS_IDP_FETCH_TIMEOUT':
      return 'it did not answer in time';
    case 'ERR_PORTCULLIS_IDP_FETCH_TOO_LARGE':
      return 'it is too large';
    case 'ERR_PORTCULLIS_IDP_FETCH_INVALID_RESPONSE':
      return 'it did not answer with a valid HTTP response';
    case 'ERR_PORTCULLIS_PROXY_CIMD_STATUS':
      return (error as Error).message;
    default:
      return 'the connection failed';
  }
}

function statusError(message: string): Error {
  return Object.assign(new Error(message), { code: 'ERR_PORTCULLIS_PROXY_CIMD_STATUS' });
}

/**
 * Fetch the client ID metadata document `clientId` through the SSRF-guarded fetch (only a 200 counts, no
 * redirect is followed) and validate it with `@portcullis/metadata` (its `client_id` must equal the URL, no
 * shared-secret authentication). Its `grant_types` are the client's registered grants (RFC 7591 §2 default).
 * @throws {InvalidClientError} saying why the document is refused (never an address).
 * @see https://datatracker.ietf.org/doc/draft-ietf-oauth-client-id-metadata-document/
 */
export async function fetchClientIdMetadataDocument(
  options: CimdFetchOptions,
  clientId: string,
): Promise<FetchedDocument> {
  let body: unknown;
  let cacheMs: number;
  try {
    const response = await options.fetchDocument(clientId, { headers: { accept: 'application/json' } });
    if (response.status !== 200) {
      await response.body?.cancel();
      throw statusError(`it answered HTTP ${response.status}`);
    }
    cacheMs = cacheLifetime(response.headers.get('cache-control'));
    body = await response.json().catch(() => {
      throw statusError('it is not JSON');
    });
  } catch (error) {
    options.log?.info({ client_id: clientId, err: error }, 'facade: client ID metadata document not fetched');
    throw new InvalidClientError(
      `the client ID metadata document ${clientId} could not be fetched (${publicReason(error)})`,
    );
  }
  try {
    const doc = validateClientIdMetadataDocument(body, {
      clientId,
      allowLoopbackHttp: options.allowLoopbackHttp,
    });
    const method = doc.token_endpoint_auth_method;
    if (method !== undefined && method !== 'none') {
      throw new InvalidClientError(
        `the client ID metadata document ${clientId} asks for token_endpoint_auth_method ${JSON.stringify(method)}; only "none" is supported for documents`,
      );
    }
    const client: FacadeClient = {
      client_id: clientId,
      client_name: doc.client_name,
      redirect_uris: doc.redirect_uris,
      token_endpoint_auth_method: 'none',
      grant_types: registeredGrants(doc.grant_types),
      cimd: true,
    };
    return { client, cacheMs };
  } catch (error) {
    if (error instanceof MetadataValidationError) {
      throw new InvalidClientError(
        `the client ID metadata document ${clientId} is invalid: ${error.message}`,
      );
    }
    throw error;
  }
}
