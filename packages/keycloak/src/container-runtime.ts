import { basename } from 'node:path';
import { GenericContainer, getContainerRuntimeClient, type StartedTestContainer, Wait } from 'testcontainers';
import { KeycloakError } from './errors.js';
import type { ResolvedStartOptions } from './options.js';

/** Where the image looks for realms to import (`--import-realm`). */
const IMPORT_DIR = '/opt/keycloak/data/import';

/** Publishes every port on 127.0.0.1 only (Testcontainers binds all interfaces by default). */
class LoopbackContainer extends GenericContainer {
  protected override async beforeContainerCreated(): Promise<void> {
    const bindings = this.hostConfig.PortBindings ?? {};
    for (const [port, list] of Object.entries(bindings)) {
      bindings[port] = (list as { HostPort?: string }[]).map((binding) => ({
        ...binding,
        HostIp: '127.0.0.1',
      }));
    }
  }
}

/** Why no container runtime is usable, or undefined when Testcontainers finds one. */
export async function containerRuntimeProblem(): Promise<string | undefined> {
  try {
    await getContainerRuntimeClient();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** True when Testcontainers can reach a container runtime (DOCKER_HOST, /var/run/docker.sock, ...). */
export async function hasContainerRuntime(): Promise<boolean> {
  return (await containerRuntimeProblem()) === undefined;
}

/** True when `image` is present in the runtime's local image store (no pull attempted). */
export async function hasImage(image: string): Promise<boolean> {
  const client = await getContainerRuntimeClient();
  const { ImageName } = await import('testcontainers');
  return client.image.exists(ImageName.fromString(image));
}

/** The Keycloak command line shared by both runtimes (realm import, health, pinned issuer). */
export function keycloakArgs(opts: ResolvedStartOptions, hostPort: number): string[] {
  // Build-time options (health, features) must not be repeated with --optimized.
  if (opts.mode === 'optimized') {
    return [
      'start',
      '--optimized',
      '--http-enabled=true',
      '--import-realm',
      `--hostname=http://127.0.0.1:${hostPort}`,
      '--cache=local',
    ];
  }
  const args = [
    'start-dev',
    '--import-realm',
    '--health-enabled=true',
    `--hostname=http://127.0.0.1:${hostPort}`,
    '--cache=local',
  ];
  if (opts.features.length > 0) args.push(`--features=${opts.features.join(',')}`);
  return args;
}

/** Environment shared by both runtimes: realm placeholders, bootstrap admin, heap. */
export function keycloakEnv(opts: ResolvedStartOptions): Record<string, string> {
  return {
    MCP_RESOURCE_URL: opts.resourceUrl,
    MCP_ACCESS_TOKEN_LIFESPAN: String(opts.accessTokenLifespan),
    KC_BOOTSTRAP_ADMIN_USERNAME: opts.adminUsername,
    KC_BOOTSTRAP_ADMIN_PASSWORD: opts.adminPassword,
    JAVA_OPTS_KC_HEAP: opts.heap,
  };
}

/** Start Keycloak with Testcontainers; HTTP on 127.0.0.1:`hostPort`, ready when `/health/ready` (port 9000) is 200. */
export async function startContainer(
  opts: ResolvedStartOptions,
  hostPort: number,
): Promise<{ stop(): Promise<void>; container: StartedTestContainer }> {
  const container = new LoopbackContainer(opts.image)
    .withExposedPorts({ container: 8080, host: hostPort }, 9000)
    .withEnvironment(keycloakEnv(opts))
    .withCommand(keycloakArgs(opts, hostPort))
    .withCopyFilesToContainer([
      { source: opts.realmFile, target: `${IMPORT_DIR}/${basename(opts.realmFile)}`, mode: 0o644 },
    ])
    .withWaitStrategy(Wait.forHttp('/health/ready', 9000).forStatusCode(200))
    .withStartupTimeout(opts.startupTimeoutMs)
    .withLabels({ 'org.portcullis.role': 'keycloak' });
  let started: StartedTestContainer;
  try {
    started = await container.start();
  } catch (cause) {
    const message = (cause as Error).message;
    if (/pull|no such image|not found|manifest unknown|registry|\/v2\//i.test(message)) {
      throw new KeycloakError(
        'ERR_PORTCULLIS_KEYCLOAK_IMAGE_UNAVAILABLE',
        `An image could not be pulled for ${opts.image} (${message}). Build it locally with ` +
          'docker/keycloak/build-image.sh (or tooling/scripts/ci-services.sh) and set PORTCULLIS_KEYCLOAK_IMAGE; ' +
          'without a registry also set TESTCONTAINERS_RYUK_DISABLED=true (the Ryuk image cannot be pulled either).',
        { cause },
      );
    }
    throw new KeycloakError(
      'ERR_PORTCULLIS_KEYCLOAK_START_FAILED',
      `Keycloak container from ${opts.image} did not become ready within ${opts.startupTimeoutMs} ms (${message}). ` +
        'Raise startupTimeoutMs on slow machines, or read the container log.',
      { cause },
    );
  }
  return {
    container: started,
    async stop() {
      await started.stop({ timeout: 10_000 });
    },
  };
}
