import { MIN_JWKS_COOLDOWN_MS } from '@portcullis/resource-server';
import { z } from 'zod';
import { secureUrl } from './options-upstream.js';

/** Default upper bound on how long an IdP introspection answer is trusted (`idp.introspection`), in ms. */
export const DEFAULT_INTROSPECTION_TTL_MS = 10_000;

/**
 * `idp`: the identity provider whose tokens clients present (its issuer and JWKS, the RS kit's token checks),
 * and optionally its RFC 7662 introspection endpoint.
 * @see https://www.rfc-editor.org/rfc/rfc9068
 * @see https://www.rfc-editor.org/rfc/rfc7662
 */
export const idpSchema = z.strictObject({
  issuer: secureUrl('idp.issuer'),
  jwksUri: secureUrl('idp.jwksUri'),
  /** More accepted `iss` values (e.g. an issuer alias). */
  additionalIssuers: z.array(z.string().min(1)).default([]),
  algorithms: z.array(z.string().min(1)).min(1).optional(),
  clockToleranceSec: z.number().int().min(0).max(300).optional(),
  /** Least time between JWKS fetches after a failure or for an unknown `kid` (the RS kit's, ≥ 1 s). */
  cooldownMs: z.number().int().min(MIN_JWKS_COOLDOWN_MS).optional(),
  cacheMaxAgeMs: z.number().int().min(0).optional(),
  /**
   * Accept only RFC 9068 `at+jwt` access tokens. Default `false`: `typ: JWT` (Keycloak, Entra ID) and no
   * `typ` pass too; other types (DPoP proofs, logout tokens, …) are refused either way.
   */
  requireAtJwt: z.boolean().default(false),
  timeoutMs: z.number().int().positive().optional(),
  /**
   * Also check every token at the IdP's RFC 7662 introspection endpoint (JWTs after their own checks), so
   * that a token revoked at the IdP stops working within `cacheMaxTtlMs` (default 10 s) instead of at its
   * `exp`; needed for opaque IdP tokens. The client must be allowed to introspect other clients' tokens.
   */
  introspection: z
    .strictObject({
      endpoint: secureUrl('idp.introspection.endpoint'),
      clientId: z.string().min(1),
      clientSecret: z.string().min(1),
      cacheMaxTtlMs: z.number().int().min(0).default(DEFAULT_INTROSPECTION_TTL_MS),
      timeoutMs: z.number().int().positive().optional(),
    })
    .optional(),
});
