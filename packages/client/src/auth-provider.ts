import type { AuthProvider } from '@modelcontextprotocol/client';

type UnauthorizedContext = Parameters<NonNullable<AuthProvider['onUnauthorized']>>[0];

import { decodeJwt } from 'jose';
import { ClientError, messageOf } from './errors.js';
import { authorizeInteractive, type FlowContext, refreshTokens, revokeTokens } from './oauth-flow.js';
import { type OAuthClientOptions, type OAuthClientOptionsInput, resolveClientOptions } from './options.js';
import { createSafeFetch } from './safe-fetch.js';
import { challengeOf, type ScopeChallenge, selectScopes, stepUpScopes } from './scope-selection.js';
import { type DiscoveredTarget, discoverTarget } from './target.js';
import { type StoredClient, type StoredTokens, TokenStore } from './token-store.js';

/**
 * The OAuth side of an MCP connection, plugged into the SDK v2 transport as its `AuthProvider` (`token()`
 * before every request, `onUnauthorized()` on a 401). It does discovery, registration, the browser flow,
 * refresh and step-up itself (see README "SDK vs hand-written" for why), and keeps tokens in a
 * {@link TokenStore} keyed by issuer + resource + client.
 */
export class McpOAuthProvider implements AuthProvider {
  readonly options: OAuthClientOptions;
  readonly store: TokenStore;
  readonly #flow: FlowContext;
  #tokens: StoredTokens | undefined;
  #target: DiscoveredTarget | undefined;
  #requested: string[] = [];
  #attempts = 0;
  #challengeUrl: string | undefined;

  constructor(input: OAuthClientOptionsInput | OAuthClientOptions) {
    this.options = resolveClientOptions(input);
    this.store = new TokenStore(this.options.storeDir);
    const fetchFn = createSafeFetch({
      allowLoopbackHttp: this.options.allowLoopbackHttp,
      allowPrivateNetwork: this.options.allowPrivateNetwork,
      timeoutMs: this.options.httpTimeoutMs,
    });
    this.#flow = { options: this.options, store: this.store, fetchFn };
  }

  /** The canonical MCP server URL this provider authorizes for. */
  get serverUrl(): string {
    return this.options.serverUrl;
  }

  /** Start counting authorization attempts for a new MCP operation (CL-14). */
  beginOperation(): void {
    this.#attempts = 0;
  }

  /** The access token for the next request, refreshed first when it expires within the skew (CL-25). */
  async token(): Promise<string | undefined> {
    this.#tokens ??= await this.#loadStored();
    const current = this.#tokens;
    if (current === undefined) return undefined;
    if (this.#expiresSoon(current) && current.refresh_token !== undefined) {
      await this.#refresh(current).catch(() => undefined);
    }
    return this.#tokens?.access_token;
  }

  /** 401: refresh when the token came from the server's current AS, else run the full flow (CL-25, CL-19). */
  async onUnauthorized(ctx: UnauthorizedContext): Promise<void> {
    const challenge = challengeOf(ctx.response.headers.get('www-authenticate'));
    const target = await this.discover(challenge.resource_metadata);
    const current = this.#tokens;
    if (
      current?.refresh_token !== undefined &&
      current.issuer === target.issuer &&
      current.resource === target.resource
    ) {
      try {
        await this.#refresh(current, current.access_token);
        return;
      } catch {
        // The refresh token is gone or revoked: fall through to a new login.
      }
    }
    await this.#authorize(
      target,
      selectScopes(challenge.scope, target.prm.scopes_supported, target.metadata, this.options.offlineAccess),
    );
  }

  /** 403 `insufficient_scope`: authorize again with the union of the scopes (CL-13, CL-14). */
  async stepUp(challenge: ScopeChallenge): Promise<void> {
    const target = await this.discover(challenge.resourceMetadataUrl);
    const scopes = stepUpScopes(
      this.#requested,
      this.#tokens?.scope,
      challenge.scope,
      target.metadata,
      this.options.offlineAccess,
    );
    await this.#authorize(target, scopes);
  }

  /** Log in now (browser), with the scopes the PRM advertises; used by `doctor --login`. */
  async authorizeNow(target?: DiscoveredTarget): Promise<void> {
    const t = target ?? (await this.discover());
    this.beginOperation();
    await this.#authorize(
      t,
      selectScopes(undefined, t.prm.scopes_supported, t.metadata, this.options.offlineAccess),
    );
  }

  /** `true` when the current tokens came with a refresh token. */
  canRefresh(): boolean {
    return this.#tokens?.refresh_token !== undefined;
  }

  /** Refresh now, even when the access token is still fresh; used by `doctor --login`. */
  async refreshNow(): Promise<void> {
    this.#tokens ??= await this.#loadStored();
    if (this.#tokens === undefined) {
      throw new ClientError('ERR_PORTCULLIS_CLIENT_UNAUTHORIZED', `not logged in to ${this.serverUrl}`);
    }
    await this.#refresh(this.#tokens);
  }

  /** Discover the resource and its authorization server afresh (PRM first, so an AS change is noticed). */
  async discover(challengeUrl?: string): Promise<DiscoveredTarget> {
    if (challengeUrl !== undefined) this.#challengeUrl = challengeUrl;
    this.options.onEvent?.({ type: 'step', step: 'discovering authorization', url: this.serverUrl });
    this.#target = await discoverTarget(this.#flow, this.#challengeUrl);
    return this.#target;
  }

  /** The claims of the current access token (never the token itself); `undefined` when opaque or absent. */
  async claims(): Promise<Record<string, unknown> | undefined> {
    const token = await this.token();
    if (token === undefined) return undefined;
    try {
      return decodeJwt(token) as Record<string, unknown>;
    } catch {
      return undefined;
    }
  }

  /** The stored tokens' metadata without the secrets: issuer, resource, client, scope, expiry. */
  async session(): Promise<Omit<StoredTokens, 'access_token' | 'refresh_token'> | undefined> {
    this.#tokens ??= await this.#loadStored();
    if (this.#tokens === undefined) return undefined;
    const { access_token: _a, refresh_token: _r, ...rest } = this.#tokens;
    return rest;
  }

  /**
   * Forget the tokens for this server (the client registration is kept), after revoking them at the
   * authorization server when it has a revocation endpoint (RFC 7009). Resolves with whether that worked;
   * the local tokens are gone either way.
   */
  async logout(): Promise<{ revoked: boolean }> {
    const current = this.#tokens ?? (await this.#loadStored());
    let revoked = false;
    if (current !== undefined) {
      const target =
        this.#target?.issuer === current.issuer ? this.#target : await this.discover().catch(() => undefined);
      if (target?.issuer === current.issuer) {
        revoked = await revokeTokens(this.#flow, target, await this.#clientFor(current), current);
      }
      const key = TokenStore.tokenKey(current.issuer, current.resource, current.client_id);
      await this.store.withLock(key, () => this.store.deleteTokens(key));
    }
    await this.store.deleteBinding(this.serverUrl);
    this.#tokens = undefined;
    return { revoked };
  }

  #expiresSoon(tokens: StoredTokens): boolean {
    return (
      tokens.expires_at !== undefined &&
      tokens.expires_at - this.options.refreshSkewSeconds <= Math.floor(Date.now() / 1000)
    );
  }

  async #loadStored(): Promise<StoredTokens | undefined> {
    const binding = await this.store.readBinding(this.serverUrl);
    if (binding === undefined) return undefined;
    const tokens = await this.store.readTokens(
      TokenStore.tokenKey(binding.issuer, binding.resource, binding.client_id),
    );
    if (tokens !== undefined) this.#requested = tokens.scope?.split(' ').filter(Boolean) ?? [];
    return tokens;
  }

  async #authorize(target: DiscoveredTarget, scopes: string[]): Promise<void> {
    if (this.#attempts >= this.options.maxAuthorizationAttempts) {
      throw new ClientError(
        'ERR_PORTCULLIS_CLIENT_STEP_UP_LIMIT',
        `${this.serverUrl} still refuses the request after ${this.#attempts} authorization attempts (last scope: ${scopes.join(' ') || 'none'})`,
        {
          url: this.serverUrl,
          hint: 'your account probably lacks the required scope; ask the server operator to grant it',
        },
      );
    }
    this.#attempts++;
    this.options.onEvent?.({ type: 'step', step: 'waiting for login in the browser', url: target.issuer });
    const { tokens } = await authorizeInteractive(this.#flow, target, scopes);
    this.#requested = scopes;
    const key = TokenStore.tokenKey(tokens.issuer, tokens.resource, tokens.client_id);
    await this.store.withLock(key, () => this.store.writeTokens(tokens));
    await this.store.writeBinding(this.serverUrl, {
      issuer: tokens.issuer,
      resource: tokens.resource,
      client_id: tokens.client_id,
    });
    this.#tokens = tokens;
  }

  async #clientFor(tokens: StoredTokens): Promise<StoredClient> {
    const pre = this.options.preRegistered.find(
      (p) => p.clientId === tokens.client_id && (p.issuer === undefined || p.issuer === tokens.issuer),
    );
    if (pre !== undefined) {
      return {
        issuer: tokens.issuer,
        client_id: pre.clientId,
        client_secret: pre.clientSecret,
        token_endpoint_auth_method:
          pre.tokenEndpointAuthMethod ?? (pre.clientSecret === undefined ? 'none' : 'client_secret_basic'),
        via: 'pre-registered',
      };
    }
    const stored = await this.store.readClient(tokens.issuer);
    if (stored?.client_id === tokens.client_id) return stored;
    return {
      issuer: tokens.issuer,
      client_id: tokens.client_id,
      token_endpoint_auth_method: 'none',
      via: 'cimd',
    };
  }

  /**
   * Refresh under the store lock: if another process already replaced the token we hold, take its result
   * instead of spending the (rotated) refresh token a second time.
   */
  async #refresh(current: StoredTokens, rejected?: string): Promise<void> {
    const key = TokenStore.tokenKey(current.issuer, current.resource, current.client_id);
    await this.store.withLock(key, async () => {
      const onDisk = await this.store.readTokens(key);
      const seen = rejected ?? current.access_token;
      if (onDisk !== undefined && onDisk.access_token !== seen && !this.#expiresSoon(onDisk)) {
        this.#tokens = onDisk;
        return;
      }
      const base = onDisk ?? current;
      const target =
        this.#target?.issuer === base.issuer ? this.#target : await this.discover().catch(() => undefined);
      if (target === undefined || target.issuer !== base.issuer) {
        throw new ClientError(
          'ERR_PORTCULLIS_CLIENT_UNAUTHORIZED',
          'the server moved to another authorization server',
        );
      }
      this.options.onEvent?.({ type: 'step', step: 'refreshing the access token', url: target.issuer });
      try {
        const next = await refreshTokens(this.#flow, target, await this.#clientFor(base), base);
        await this.store.writeTokens(next);
        this.#tokens = next;
      } catch (error) {
        throw new ClientError('ERR_PORTCULLIS_CLIENT_TOKEN_REQUEST_FAILED', messageOf(error), {
          cause: error,
        });
      }
    });
  }
}
