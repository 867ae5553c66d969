// Gate for the real-Keycloak suites: a reason why they cannot run here, or undefined when they can.
// In CI (`CI` set) a reason is a failure, never a skip: the suites throw it from beforeAll.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { containerRuntimeProblem, hasImage, LOCAL_IMAGE } from '../../src/index.js';

/**
 * turbo's strict env mode drops variables it does not know (TESTCONTAINERS_*, PORTCULLIS_*) before running a task.
 * `.cache/ci-services.env` (written by tooling/scripts/ci-services.sh) is the contract, so fill in what is missing
 * from it. Must run before Testcontainers creates its client: it reads TESTCONTAINERS_HOST_OVERRIDE once.
 */
function loadCiServicesEnv(): void {
  const file = fileURLToPath(new URL('../../../../.cache/ci-services.env', import.meta.url));
  if (!existsSync(file)) return;
  for (const match of readFileSync(file, 'utf8').matchAll(/^export ([A-Z0-9_]+)=(.*)$/gm)) {
    const [, name, value] = match;
    if (name !== undefined && value !== undefined && process.env[name] === undefined)
      process.env[name] = value;
  }
}
loadCiServicesEnv();

/** The image the suites run: env `PORTCULLIS_KEYCLOAK_IMAGE` (set by ci-services.env), else the local build. */
export const testImage = process.env.PORTCULLIS_KEYCLOAK_IMAGE ?? LOCAL_IMAGE;

/** True in CI, where a missing runtime or image fails the run. */
export const inCi = Boolean(process.env.CI);

const fix =
  'Run `sudo tooling/scripts/ci-services.sh` (starts dockerd, builds the image) and `source .cache/ci-services.env`.';

/** Why the real-Keycloak tests cannot run (no runtime, image not built), or undefined. */
export async function realKeycloakUnavailable(): Promise<string | undefined> {
  const problem = await containerRuntimeProblem();
  if (problem !== undefined) return `no container runtime reachable (${problem}). ${fix}`;
  if (!(await hasImage(testImage))) return `image ${testImage} is not in the local image store. ${fix}`;
  return undefined;
}
