import type { FacadeOptions } from '../options-facade.js';
import type { JsonValue, Store } from '../store.js';
import { type FacadeClient, NS } from './clients.js';
import type { IdpClient, UpstreamCredentials } from './idp-client.js';
import { countRegistration } from './registration-cap.js';
import type { RegistrationReaper } from './registration-reaper.js';
import { isSealed, type StoreSealer } from './sealed.js';

/**
 * The registration request the proxy sends to the IdP for one MCP client: its own callback as the only
 * redirect URI (the authorization response comes back through the proxy, RFC 9207 relay), a confidential
 * client whose secret only the proxy holds.
 *
 * Adapter differences:
 * - `keycloak`: no `scope` member (Keycloak ≤ 26.7 then replaces the realm's default client scopes with
 *   `basic` only, and tokens lose their audience and `sub` mappers) and no `application_type` (its anonymous
 *   policies check what they know only); audience comes from the realm's client scopes and RFC 8707.
 * - `rfc7591`: the plain RFC 7591 request, with `application_type` (`native` for a loopback http callback,
 *   which OIDC Registration §2 allows only for native clients, `web` otherwise).
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-2
 */
export function upstreamRegistration(
  adapter: 'keycloak' | 'rfc7591',
  client: FacadeClient,
  callbackUrl: string,
): Record<string, unknown> {
  const name = `${client.client_name ?? client.client_id.slice(0, 80)} (via Portcullis proxy)`;
  const request: Record<string, unknown> = {
    redirect_uris: [callbackUrl],
    client_name: name,
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  };
  if (adapter === 'rfc7591') {
    request.application_type = new URL(callbackUrl).protocol === 'http:' ? 'native' : 'web';
  }
  return request;
}

/** Settings of {@link UpstreamClients}. */
export interface UpstreamClientsOptions {
  readonly facade: FacadeOptions;
  readonly idp: IdpClient;
  readonly store: Store;
  readonly callbackUrl: string;
  readonly clientTtlMs: number;
  /** Seals the credentials in the store; `undefined` without `facade.storeKey`. */
  readonly sealer: StoreSealer | undefined;
  /** Deletes the IdP clients registered here once they expire; `undefined` when that is off. */
  readonly reaper: RegistrationReaper | undefined;
}

/**
 * Which IdP client the proxy uses for each MCP client: the one pre-registered client (`static`), or one
 * registered at the IdP for each MCP client on first use and kept in the store (`keycloak`, `rfc7591`).
 */
export class UpstreamClients {
  readonly #o: UpstreamClientsOptions;
  readonly #sealer: StoreSealer | undefined;

  constructor(options: UpstreamClientsOptions) {
    this.#o = options;
    this.#sealer = options.sealer;
  }

  /** True when every MCP client shares one IdP client (so the proxy must ask for consent, PX-03). */
  get shared(): boolean {
    return this.#o.facade.adapter === 'static';
  }

  /** The pre-registered IdP client of the `static` adapter, `undefined` with a registering adapter. */
  #fixed(): UpstreamCredentials | undefined {
    const { facade } = this.#o;
    const fixed = facade.upstreamClient;
    if (facade.adapter !== 'static' || fixed === undefined) return undefined;
    return {
      clientId: fixed.clientId,
      clientSecret: fixed.clientSecret,
      authMethod: fixed.authMethod ?? (fixed.clientSecret === undefined ? 'none' : 'client_secret_basic'),
    };
  }

  /** The IdP client `client` already has (the shared one, or the one kept here), never registering one. */
  async existing(client: FacadeClient): Promise<UpstreamCredentials | undefined> {
    return (
      this.#fixed() ?? this.#read(client.client_id, await this.#o.store.get(NS.upstream, client.client_id))
    );
  }

  /**
   * The IdP client for `client`, registering one at the IdP when needed. The first registration for a client
   * ID metadata document counts against `registration.maxClients` (a client registered at `/register` was
   * counted there); its place is given back when the IdP does not register it, or another replica did first.
   * @throws {TemporarilyUnavailableError} past `registration.maxClients`.
   */
  async for(client: FacadeClient): Promise<UpstreamCredentials> {
    const { facade, store } = this.#o;
    const fixed = this.#fixed();
    if (fixed !== undefined) return fixed;
    const stored = await store.get(NS.upstream, client.client_id);
    const known = await this.#read(client.client_id, stored);
    if (known !== undefined) return known;
    const place = client.cimd === true ? await countRegistration(store, facade) : undefined;
    const adapter = facade.adapter === 'keycloak' ? 'keycloak' : 'rfc7591';
    const { credentials, management } = await this.#o.idp
      .register(upstreamRegistration(adapter, client, this.#o.callbackUrl), facade.initialAccessToken)
      .catch(async (error: unknown) => {
        await place?.release();
        throw error;
      });
    const value = { ...credentials } as unknown as JsonValue;
    const kept = this.#sealer === undefined ? value : await this.#sealer.seal(client.client_id, value);
    const reaper = this.#o.reaper;
    const owner = client.client_id;
    // Remembered before it is used, so that no IdP client escapes deletion when storing it fails.
    if (reaper !== undefined && management !== undefined) {
      await reaper.remember(credentials.clientId, owner, management, Date.now() + this.#o.clientTtlMs);
    }
    // An entry that did not open (another storeKey, or written in plain text before one was set) is replaced.
    if (stored !== undefined) {
      await store.set(NS.upstream, client.client_id, kept, this.#o.clientTtlMs);
      return credentials;
    }
    if (await store.setIfAbsent(NS.upstream, client.client_id, kept, this.#o.clientTtlMs)) return credentials;
    // Another replica registered the same client at the same time: use the one it kept, drop this one.
    await place?.release();
    if (reaper !== undefined && management !== undefined) {
      void reaper.discard(credentials.clientId, owner, management).catch(() => {});
    }
    const winner = await this.#read(client.client_id, await store.get(NS.upstream, client.client_id));
    return winner ?? credentials;
  }

  /** True while `owner`'s entry here names the IdP client `clientId`, or cannot be read by this replica. */
  async uses(owner: string, clientId: string): Promise<boolean> {
    const stored = await this.#o.store.get(NS.upstream, owner);
    if (stored === undefined) return false;
    const known = await this.#read(owner, stored);
    return known === undefined || known.clientId === clientId;
  }

  async #read(clientId: string, stored: JsonValue | undefined): Promise<UpstreamCredentials | undefined> {
    if (stored === undefined) return undefined;
    if (this.#sealer === undefined)
      return isSealed(stored) ? undefined : (stored as unknown as UpstreamCredentials);
    const plain = await this.#sealer.open(clientId, stored);
    return plain as unknown as UpstreamCredentials | undefined;
  }
}
