import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { AuthInfo } from '@modelcontextprotocol/server';
import type { CallerIdentity } from '@portcullis/resource-server';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK, SignJWT } from 'jose';
import { ProxyError } from './errors.js';
import { httpUpstreamOf, type ResolvedProxyOptions } from './options.js';

/** An RFC 7517 JWK Set holding public keys only. */
export interface PublicJwks {
  readonly keys: readonly JWK[];
}

/** The keys in use after {@link IdentityForwarder.reload}. */
export interface IdentityKeys {
  /** The `kid` of the signing key (`undefined` in headers mode). */
  readonly signingKid: string | undefined;
  /** The `kid`s published at `/.well-known/jwks.json`, the signing key's first. */
  readonly publishedKids: readonly string[];
}

/** Turns the verified caller into what the upstream trusts instead of the client's token. */
export interface IdentityForwarder {
  /** The proxy's public signing keys, published at `/.well-known/jwks.json` (empty in headers mode). */
  readonly jwks: PublicJwks;
  /**
   * Read the key files again (`keyFile`, `publishedKeyFiles`) and use them from the next request on; keys
   * given inline or generated at start stay. All or nothing: on an error the keys in use stay.
   * @throws {ProxyError} `ERR_PORTCULLIS_PROXY_SIGNING_KEY` naming the file at fault.
   */
  reload(): Promise<IdentityKeys>;
  /** Request header names this forwarder sets; the same names coming from the client are dropped. */
  readonly headerNames: readonly string[];
  /** The headers to send upstream for `auth`. */
  headersFor(auth: AuthInfo): Promise<Record<string, string>>;
}

type Signing = { key: Awaited<ReturnType<typeof importJWK>>; publicJwk: JWK };
type JwtIdentity = Extract<ReturnType<typeof httpUpstreamOf>['identity'], { mode: 'jwt' }>;

function keyError(message: string, cause?: unknown): ProxyError {
  return new ProxyError(
    'ERR_PORTCULLIS_PROXY_SIGNING_KEY',
    message,
    cause === undefined ? undefined : { cause },
  );
}

async function readJsonFile(file: string, option: string, what: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8'));
  } catch (cause) {
    throw keyError(`${option} ${file} could not be read as JSON; write the ${what} there`, cause);
  }
}

async function readJwkFile(file: string, option: string, what: string): Promise<JWK> {
  return (await readJsonFile(file, option, `${what} as a JWK`)) as JWK;
}

/** The public members of an EC P-256 JWK (private or public) with its `kid` (RFC 7638 thumbprint if none). */
async function publicPart(jwk: JWK, where: string): Promise<JWK> {
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || typeof jwk.x !== 'string' || typeof jwk.y !== 'string') {
    throw keyError(`${where} must be an EC P-256 JWK (kty "EC", crv "P-256", x, y) for ES256`);
  }
  const { d: _d, ...publicJwk } = jwk;
  return { ...publicJwk, kid: jwk.kid ?? (await calculateJwkThumbprint(publicJwk)) };
}

async function loadSigningKey(identity: JwtIdentity): Promise<Signing> {
  let jwk: JWK | undefined = identity.privateJwk as JWK | undefined;
  if (identity.keyFile !== undefined) {
    jwk = await readJwkFile(identity.keyFile, 'upstream.identity.keyFile', 'private EC P-256 key');
  }
  if (jwk === undefined) {
    const pair = await generateKeyPair('ES256', { extractable: true });
    const publicJwk = await exportJWK(pair.publicKey);
    return {
      key: pair.privateKey,
      publicJwk: { ...publicJwk, kid: await calculateJwkThumbprint(publicJwk) },
    };
  }
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || typeof jwk.d !== 'string') {
    throw keyError(
      'the upstream identity signing key must be a private EC P-256 JWK (kty "EC", crv "P-256", with "d") for ES256',
    );
  }
  const publicJwk = await publicPart(jwk, 'the upstream identity signing key');
  return { key: await importJWK(jwk, 'ES256'), publicJwk };
}

/**
 * The JWKS the proxy publishes: the signing key, then the keys only published for rotation
 * (`publishedKeyFiles`, `publishedJwks`), each with a distinct `kid`.
 */
async function publishedKeys(identity: JwtIdentity, signing: JWK): Promise<PublicJwks> {
  const extra: JWK[] = [];
  for (const [i, file] of identity.publishedKeyFiles.entries()) {
    const option = `upstream.identity.publishedKeyFiles[${i}]`;
    const content = await readJsonFile(file, option, 'EC P-256 key as a JWK or a JWK Set');
    const set = (content as { keys?: unknown } | null)?.keys;
    const members = Array.isArray(set) ? (set as JWK[]) : [content as JWK];
    for (const [j, jwk] of members.entries()) {
      extra.push(await publicPart(jwk, `${option} (${file}${Array.isArray(set) ? `, keys[${j}]` : ''})`));
    }
  }
  for (const [i, jwk] of identity.publishedJwks.entries()) {
    extra.push(await publicPart(jwk as JWK, `upstream.identity.publishedJwks[${i}]`));
  }
  const keys = [signing, ...extra];
  const kids = keys.map((key) => key.kid);
  const twice = kids.find((kid, i) => kids.indexOf(kid) !== i);
  if (twice !== undefined) {
    throw keyError(
      `two keys of upstream.identity have the kid ${JSON.stringify(twice)}; every published key needs its own kid (drop the duplicate, or the signing key from the published ones)`,
    );
  }
  return Object.freeze({
    keys: Object.freeze(keys.map((key) => Object.freeze({ ...key, alg: 'ES256', use: 'sig' }))),
  });
}

function callerOf(auth: AuthInfo): { subject: string; issuer: string; clientId: string; scope: string } {
  const extra = (auth.extra ?? {}) as Partial<CallerIdentity>;
  return {
    subject: extra.subject ?? auth.clientId,
    issuer: extra.issuer ?? '',
    clientId: auth.clientId,
    scope: auth.scopes.join(' '),
  };
}

/**
 * Mint a short-lived identity JWT per caller: `typ: at+jwt`, ES256, `iss` = the proxy, `aud` = the upstream
 * MCP URL, the caller's `sub`, `client_id` and `scope`, and `act: { sub: <proxy> }`. A token is reused for at
 * most half its lifetime and never outlives the client's token.
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-2
 * @see https://www.rfc-editor.org/rfc/rfc8693#section-4.1
 */
async function jwtForwarder(options: ResolvedProxyOptions): Promise<IdentityForwarder> {
  const identity = httpUpstreamOf(options).identity;
  if (identity.mode !== 'jwt') throw new TypeError('identity mode is not jwt');
  const ttl = identity.ttlSeconds;
  let signing = await loadSigningKey(identity);
  const cache = new Map<string, { jwt: string; iat: number; exp: number }>();
  let jwks = await publishedKeys(identity, signing.publicJwk);
  const keys = (): IdentityKeys => ({
    signingKid: signing.publicJwk.kid,
    publishedKids: jwks.keys.map((key) => key.kid as string),
  });
  return {
    get jwks() {
      return jwks;
    },
    headerNames: ['authorization'],
    async reload() {
      // A key generated at start has no file to read again: it stays.
      const next = identity.keyFile === undefined ? signing : await loadSigningKey(identity);
      const published = await publishedKeys(identity, next.publicJwk);
      if (next.publicJwk.kid !== signing.publicJwk.kid) cache.clear();
      signing = next;
      jwks = published;
      return keys();
    },
    async headersFor(auth) {
      const now = Math.floor(Date.now() / 1000);
      const hit = cache.get(auth.token);
      if (hit !== undefined && now - hit.iat <= ttl / 2 && hit.exp > now) {
        return { authorization: `Bearer ${hit.jwt}` };
      }
      const caller = callerOf(auth);
      const exp = Math.max(now + 1, Math.min(now + ttl, auth.expiresAt ?? Number.POSITIVE_INFINITY));
      const jwt = await new SignJWT({
        client_id: caller.clientId,
        scope: caller.scope,
        act: { sub: options.identityIssuer },
      })
        .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: signing.publicJwk.kid })
        .setIssuer(options.identityIssuer)
        .setAudience(httpUpstreamOf(options).url)
        .setSubject(caller.subject)
        .setIssuedAt(now)
        .setExpirationTime(exp)
        .setJti(randomUUID())
        .sign(signing.key);
      if (cache.size >= 10_000) cache.delete(cache.keys().next().value as string);
      cache.set(auth.token, { jwt, iat: now, exp });
      return { authorization: `Bearer ${jwt}` };
    },
  };
}

/**
 * Build the identity forwarder of `upstream.identity`: a proxy-signed JWT (`jwt`, default) or configured
 * headers (`headers`) carrying subject, client, scope and issuer.
 * @throws {ProxyError} `ERR_PORTCULLIS_PROXY_SIGNING_KEY` when the configured key cannot be used.
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/authorization/security-considerations#access-token-privilege-restriction
 */
export async function createIdentityForwarder(options: ResolvedProxyOptions): Promise<IdentityForwarder> {
  const identity = httpUpstreamOf(options).identity;
  if (identity.mode === 'jwt') return jwtForwarder(options);
  const names = identity.headers;
  return {
    jwks: Object.freeze({ keys: Object.freeze([]) }),
    headerNames: Object.freeze(Object.values(names)),
    reload: async () => ({ signingKid: undefined, publishedKids: [] }),
    async headersFor(auth) {
      const caller = callerOf(auth);
      return {
        [names.subject]: caller.subject,
        [names.clientId]: caller.clientId,
        [names.scope]: caller.scope,
        [names.issuer]: caller.issuer,
      };
    },
  };
}
