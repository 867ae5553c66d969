import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { GuardedFetch } from '@portcullis/idp/guarded-fetch';
import {
  InvalidClientError,
  isClientIdMetadataDocumentUrl,
  MetadataValidationError,
  validateClientIdMetadataDocument,
} from '@portcullis/metadata';
import type { JsonValue, Store } from '../store.js';

/** How an MCP client authenticates at the proxy's token endpoint. */
export type ClientAuthMethod = 'none' | 'client_secret_basic' | 'client_secret_post';

/** An MCP client the facade knows: registered at `/register`, or described by a CIMD document. */
export interface FacadeClient {
  readonly client_id: string;
  readonly client_name?: string | undefined;
  readonly redirect_uris: readonly string[];
  readonly token_endpoint_auth_method: ClientAuthMethod;
  /** SHA-256 (base64url) of the client secret the proxy issued; never the secret itself. */
  readonly secret_sha256?: string | undefined;
  /** True when `client_id` is a client ID metadata document URL. */
  readonly cimd?: boolean | undefined;
}

/** Store namespaces of the facade. */
export const NS = {
  client: 'facade-client',
  upstream: 'facade-upstream',
  request: 'facade-request',
  relay: 'facade-relay',
  code: 'facade-code',
  refresh: 'facade-refresh',
  count: 'facade-count',
  key: 'facade-key',
  cimd: 'facade-cimd',
  reap: 'facade-reap',
} as const;

/** A random, URL-safe identifier with `bytes` bytes of entropy. */
export function randomId(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** SHA-256 of `value`, base64url: how secrets and refresh tokens are keyed in the store. */
export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}

/** Constant-time comparison of `secret` with a stored SHA-256. */
export function secretMatches(secret: string, expectedSha256: string): boolean {
  const a = Buffer.from(sha256(secret));
  const b = Buffer.from(expectedSha256);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** How long a fetched and valid client ID metadata document is reused, in ms (errors are never kept). */
const CIMD_CACHE_MS = 5 * 60_000;

/** Settings of {@link ClientRegistry}. */
export interface ClientRegistryOptions {
  readonly store: Store;
  readonly clientTtlMs: number;
  /** The SSRF-guarded fetch for CIMD documents; `undefined` when CIMD is off. */
  readonly fetchDocument: GuardedFetch | undefined;
  readonly allowLoopbackHttp: boolean;
  /** Where a failed document fetch is logged in full (the client is told less). */
  readonly log?: { info(details: object, message: string): void } | undefined;
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
    case 'ERR_PORTCULLIS_PROXY_CIMD_STATUS':
      return (error as Error).message;
    default:
      return 'the connection failed';
  }
}

/**
 * The facade's clients, kept in the store so that every replica sees them. CIMD clients are fetched through
 * the SSRF-guarded fetch on each authorization request (the document is the source of truth) and validated
 * with `@portcullis/metadata` (document `client_id` must equal the URL).
 * @see https://datatracker.ietf.org/doc/draft-ietf-oauth-client-id-metadata-document/
 */
export class ClientRegistry {
  readonly #o: ClientRegistryOptions;

  constructor(options: ClientRegistryOptions) {
    this.#o = options;
  }

  /** Keep a registered client. */
  async save(client: FacadeClient): Promise<void> {
    await this.#o.store.set(NS.client, client.client_id, client as unknown as JsonValue, this.#o.clientTtlMs);
  }

  /** True when `clientId` looks like a CIMD URL and CIMD is on. */
  isCimd(clientId: string): boolean {
    return (
      this.#o.fetchDocument !== undefined &&
      isClientIdMetadataDocumentUrl(clientId, { allowLoopbackHttp: this.#o.allowLoopbackHttp })
    );
  }

  /**
   * The client `clientId`, or an `invalid_client` error saying why it is unknown.
   * @throws {InvalidClientError}
   */
  async find(clientId: string): Promise<FacadeClient> {
    if (this.isCimd(clientId)) return this.#fetchCimd(clientId);
    const found = clientId === '' ? undefined : await this.#o.store.get(NS.client, clientId);
    if (found === undefined) {
      throw new InvalidClientError(
        `client_id ${JSON.stringify(clientId.slice(0, 200))} is not registered here; register at the registration_endpoint first`,
      );
    }
    return found as unknown as FacadeClient;
  }

  /** A valid document is kept for a few minutes, so `/authorize` and `/token` of one flow fetch it once. */
  async #fetchCimd(clientId: string): Promise<FacadeClient> {
    const cached = await this.#o.store.get(NS.cimd, clientId);
    if (cached !== undefined) return cached as unknown as FacadeClient;
    const client = await this.#fetchAndValidate(clientId);
    await this.#o.store.set(NS.cimd, clientId, client as unknown as JsonValue, CIMD_CACHE_MS);
    return client;
  }

  async #fetchAndValidate(clientId: string): Promise<FacadeClient> {
    const fetchDocument = this.#o.fetchDocument;
    if (fetchDocument === undefined) throw new InvalidClientError('client ID metadata documents are off');
    let body: unknown;
    try {
      const response = await fetchDocument(clientId, { headers: { accept: 'application/json' } });
      if (response.status !== 200) {
        await response.body?.cancel();
        throw Object.assign(new Error(`it answered HTTP ${response.status}`), {
          code: 'ERR_PORTCULLIS_PROXY_CIMD_STATUS',
        });
      }
      body = await response.json().catch(() => {
        throw Object.assign(new Error('it is not JSON'), { code: 'ERR_PORTCULLIS_PROXY_CIMD_STATUS' });
      });
    } catch (error) {
      this.#o.log?.info(
        { client_id: clientId, err: error },
        'facade: client ID metadata document not fetched',
      );
      throw new InvalidClientError(
        `the client ID metadata document ${clientId} could not be fetched (${publicReason(error)})`,
      );
    }
    try {
      const doc = validateClientIdMetadataDocument(body, {
        clientId,
        allowLoopbackHttp: this.#o.allowLoopbackHttp,
      });
      const method = doc.token_endpoint_auth_method;
      if (method !== undefined && method !== 'none') {
        throw new InvalidClientError(
          `the client ID metadata document ${clientId} asks for token_endpoint_auth_method ${JSON.stringify(method)}; only "none" is supported for documents`,
        );
      }
      return {
        client_id: clientId,
        client_name: doc.client_name,
        redirect_uris: doc.redirect_uris,
        token_endpoint_auth_method: 'none',
        cimd: true,
      };
    } catch (error) {
      if (error instanceof MetadataValidationError) {
        throw new InvalidClientError(
          `the client ID metadata document ${clientId} is invalid: ${error.message}`,
        );
      }
      throw error;
    }
  }
}
