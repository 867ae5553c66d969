import { protectedResourceMetadataUrls } from '@portcullis/metadata';
import type { z } from 'zod';
import { InvalidOptionsError } from './errors.js';
import {
  checkTokenOptions,
  formatIssue,
  type ResolvedResourceServerOptions,
  resourceServerOptionsShape,
} from './options.js';

// The token verifier's part of the options (src/options.ts), for createTokenVerifier used on its own.

/** The part of the options a token verifier needs. */
export const tokenVerifierOptionsSchema = resourceServerOptionsShape
  .pick({
    resource: true,
    authorizationServers: true,
    issuers: true,
    jwt: true,
    introspection: true,
    now: true,
  })
  .superRefine(checkTokenOptions);

/** Options of {@link createTokenVerifier} as written by the developer. */
export type TokenVerifierOptionsInput = z.input<typeof tokenVerifierOptionsSchema>;

/** What the verifier works with once validated. */
export type ResolvedTokenVerifierOptions = Pick<
  ResolvedResourceServerOptions,
  'resource' | 'issuers' | 'jwt' | 'introspection' | 'resourceMetadataUrl' | 'now'
>;

/**
 * Validate the verifier part of the options.
 * @throws {InvalidOptionsError} listing every problem with its path.
 */
export function resolveTokenVerifierOptions(input: unknown): ResolvedTokenVerifierOptions {
  const parsed = tokenVerifierOptionsSchema.safeParse(input);
  if (!parsed.success) throw new InvalidOptionsError(parsed.error.issues.map(formatIssue));
  const o = parsed.data;
  if (o.jwt === undefined && o.introspection === undefined) {
    throw new InvalidOptionsError([
      'jwt or introspection must be configured so that access tokens can be verified',
    ]);
  }
  return Object.freeze({
    resource: o.resource,
    issuers: Object.freeze([...(o.issuers ?? o.authorizationServers)]),
    jwt: o.jwt,
    introspection: o.introspection,
    resourceMetadataUrl: protectedResourceMetadataUrls(o.resource)[0] ?? '',
    ...(o.now === undefined ? {} : { now: o.now }),
  });
}
