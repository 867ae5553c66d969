// Gate for the real-Keycloak suites: a reason why they cannot run here, or undefined when they can.
// In CI (`CI` set) a reason is a failure, never a skip: the suites throw it from beforeAll.
import { keycloakImage, loadServicesEnv } from '../../src/index.js';

// Under turbo the variables arrive (root turbo.json passes TESTCONTAINERS_*, PORTCULLIS_*, DOCKER_HOST through);
// for a direct `vitest` run without `source .cache/ci-services.env`, fill in the missing ones from that file.
// Must run before Testcontainers creates its client: it reads TESTCONTAINERS_HOST_OVERRIDE once.
loadServicesEnv(undefined, { apply: true });

/** The image the suites run: env `PORTCULLIS_KEYCLOAK_IMAGE` (set by ci-services.env), else the local build. */
export const testImage = keycloakImage();

/** True in CI, where a missing runtime or image fails the run. */
export const inCi = Boolean(process.env.CI);

export { keycloakUnavailable as realKeycloakUnavailable } from '../../src/index.js';
