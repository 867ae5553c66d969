import { containerRuntimeProblem, startContainer } from './container-runtime.js';
import { KeycloakError } from './errors.js';
import { freePort } from './free-port.js';
import { resolveStartOptions, type StartKeycloakOptions } from './options.js';
import { startProcess } from './process-runtime.js';

/** Which runtime actually runs Keycloak. */
export type KeycloakRuntime = 'testcontainers' | 'process';

/** A running Keycloak with the realm imported. */
export interface StartedKeycloak {
  /** The realm's issuer, pinned: `http://127.0.0.1:<port>/realms/<realm>`. */
  readonly issuer: string;
  /** `http://127.0.0.1:<port>`. */
  readonly baseUrl: string;
  /** The Admin REST API base, `<baseUrl>/admin` (console at `<adminUrl>/master/console/`). */
  readonly adminUrl: string;
  readonly runtime: KeycloakRuntime;
  /** Stop and remove the container or process (and its data). Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Start Keycloak with the MCP realm imported and wait until `/health/ready` answers 200.
 *
 * `runtime: 'auto'` (the default) uses Testcontainers when a container runtime is reachable. Otherwise it falls
 * back to running the server distribution as a child process, but only when allowed: in CI (`CI` set) that needs
 * `allowProcessFallback: true` or `PORTCULLIS_KEYCLOAK_ALLOW_PROCESS=true`, else it throws
 * `ERR_PORTCULLIS_KEYCLOAK_NO_RUNTIME`. The issuer is pinned with `--hostname` to a host port picked before start,
 * so `iss` never flips between `localhost` and `127.0.0.1`.
 */
export async function startKeycloak(options: StartKeycloakOptions = {}): Promise<StartedKeycloak> {
  const opts = resolveStartOptions(options);
  const hostPort = opts.hostPort ?? (await freePort());
  const baseUrl = `http://127.0.0.1:${hostPort}`;

  let runtime: KeycloakRuntime;
  if (opts.runtime === 'auto') {
    const problem = await containerRuntimeProblem();
    if (problem === undefined) runtime = 'testcontainers';
    else if (opts.allowProcessFallback) {
      opts.log(`no container runtime (${problem}); falling back to the server distribution as a process`);
      runtime = 'process';
    } else throw noRuntime(problem);
  } else if (opts.runtime === 'testcontainers') {
    const problem = await containerRuntimeProblem();
    if (problem !== undefined) throw noRuntime(problem);
    runtime = 'testcontainers';
  } else runtime = 'process';

  const started = Date.now();
  opts.log(
    runtime === 'testcontainers'
      ? `starting Keycloak with Testcontainers from ${opts.image} on ${baseUrl}`
      : `starting Keycloak as a process (kc.sh start-dev) on ${baseUrl}`,
  );
  const handle =
    runtime === 'testcontainers' ? await startContainer(opts, hostPort) : await startProcess(opts, hostPort);
  opts.log(
    `Keycloak ready on ${baseUrl} (runtime: ${runtime}) after ${Math.round((Date.now() - started) / 1000)} s`,
  );

  let stopped: Promise<void> | undefined;
  return {
    issuer: `${baseUrl}/realms/${opts.realm}`,
    baseUrl,
    adminUrl: `${baseUrl}/admin`,
    runtime,
    stop() {
      stopped ??= handle.stop();
      return stopped;
    },
  };
}

function noRuntime(problem: string): KeycloakError {
  const ci = process.env.CI ? ' This is CI, so there is no silent fallback.' : '';
  return new KeycloakError(
    'ERR_PORTCULLIS_KEYCLOAK_NO_RUNTIME',
    `No container runtime reachable for Testcontainers (${problem}).${ci} Run tooling/scripts/ci-services.sh and ` +
      'source .cache/ci-services.env (sets DOCKER_HOST), or allow the process fallback with ' +
      'PORTCULLIS_KEYCLOAK_ALLOW_PROCESS=true.',
  );
}
