import { containerRuntimeProblem, hasImage } from './container-runtime.js';
import { LOCAL_IMAGE } from './options.js';
import { loadServicesEnv } from './services-env.js';

const FIX =
  'Run `sudo tooling/scripts/ci-services.sh` (starts dockerd, builds the image) and `source .cache/ci-services.env`.';

/** The Keycloak image to run: env `PORTCULLIS_KEYCLOAK_IMAGE` (written by ci-services.sh), else the local build. */
export function keycloakImage(env: NodeJS.ProcessEnv = process.env): string {
  return env.PORTCULLIS_KEYCLOAK_IMAGE ?? LOCAL_IMAGE;
}

/**
 * Why a real Keycloak cannot be started here (no container runtime reachable, or `image`, default
 * {@link keycloakImage}, not built), or
 * `undefined` when it can. First fills in the variables `.cache/ci-services.env` sets and the environment lacks
 * (a direct `vitest` run without `source`), so call it before anything creates a Testcontainers client. Suites
 * that need Keycloak skip with this reason outside CI and fail with it in CI.
 */
export async function keycloakUnavailable(image?: string): Promise<string | undefined> {
  loadServicesEnv(undefined, { apply: true });
  image ??= keycloakImage();
  const problem = await containerRuntimeProblem();
  if (problem !== undefined) return `no container runtime reachable (${problem}). ${FIX}`;
  if (!(await hasImage(image))) return `image ${image} is not in the local image store. ${FIX}`;
  return undefined;
}
