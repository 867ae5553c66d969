import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { GuardedFetch } from '@portcullis/idp/guarded-fetch';
import { InvalidClientError, isClientIdMetadataDocumentUrl } from '@portcullis/metadata';
import { type JsonValue, STORE_KEY_MAX_LENGTH, type Store } from '../store.js';
import { fetchClientIdMetadataDocument } from './cimd.js';

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
  /**
   * The grants the client registered (RFC 7591 §2), those the proxy supports. Absent in clients stored
   * before the proxy kept them: those may use both grants.
   */
  readonly grant_types?: readonly GrantType[] | undefined;
  /** True when `client_id` is a client ID metadata document URL. */
  readonly cimd?: boolean | undefined;
}

/** The grants the facade's token endpoint supports. */
export type GrantType = 'authorization_code' | 'refresh_token';

/** Every {@link GrantType}. */
export const GRANT_TYPES: readonly GrantType[] = ['authorization_code', 'refresh_token'];

/**
 * The supported grants among `grantTypes`, once each; RFC 7591 §2's default (`authorization_code`) when absent.
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-2
 */
export function registeredGrants(grantTypes: readonly string[] | undefined): GrantType[] {
  const asked = grantTypes ?? ['authorization_code'];
  return GRANT_TYPES.filter((grant) => asked.includes(grant));
}

/**
 * True when `client` registered `grant` (RFC 6749 §5.2 `unauthorized_client` otherwise); a client stored
 * before grants were kept may use every grant, as it could when it registered.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 */
export function mayUseGrant(client: FacadeClient, grant: GrantType): boolean {
  return client.grant_types === undefined || client.grant_types.includes(grant);
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
 * The facade's clients, kept in the store so that every replica sees them. CIMD clients are fetched through
 * the SSRF-guarded fetch (the document is the source of truth; kept only as long as its `Cache-Control`
 * allows, at most a few minutes) and validated with `@portcullis/metadata` (`client_id` must equal the URL).
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
   * The client `clientId`, or an `invalid_client` error saying why it is unknown. A `client_id` too long to be
   * kept in the store cannot be registered, so it is unknown; a document URL that long is refused as such.
   * @throws {InvalidClientError}
   */
  async find(clientId: string): Promise<FacadeClient> {
    if (this.isCimd(clientId)) {
      if (clientId.length > STORE_KEY_MAX_LENGTH) {
        throw new InvalidClientError(
          `a client ID metadata document URL may have at most ${STORE_KEY_MAX_LENGTH} characters here; this one has ${clientId.length}`,
        );
      }
      return this.#fetchCimd(clientId);
    }
    const found = await this.#o.store.get(NS.client, clientId);
    if (found === undefined) {
      throw new InvalidClientError(
        `client_id ${JSON.stringify(clientId.slice(0, 200))} is not registered here; register at the registration_endpoint first`,
      );
    }
    return found as unknown as FacadeClient;
  }

  /**
   * A valid document is kept as long as its `Cache-Control` allows, at most a few minutes, so that
   * `/authorize` and `/token` of one flow usually fetch it once.
   */
  async #fetchCimd(clientId: string): Promise<FacadeClient> {
    const cached = await this.#o.store.get(NS.cimd, clientId);
    if (cached !== undefined) return cached as unknown as FacadeClient;
    const { fetchDocument, allowLoopbackHttp, log } = this.#o;
    if (fetchDocument === undefined) throw new InvalidClientError('client ID metadata documents are off');
    const { client, cacheMs } = await fetchClientIdMetadataDocument(
      { fetchDocument, allowLoopbackHttp, log },
      clientId,
    );
    if (cacheMs > 0) await this.#o.store.set(NS.cimd, clientId, client as unknown as JsonValue, cacheMs);
    return client;
  }
}
