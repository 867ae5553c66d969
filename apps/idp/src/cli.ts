import { readFileSync } from 'node:fs';
import { KEYCLOAK_VERSION, OFFICIAL_IMAGE } from '@portcullis/keycloak';
import { DEFAULT_MCP_RESOURCE, DEFAULT_RESOURCES, DEFAULT_SCOPES, DEFAULT_USERS } from './options.js';

/** The command name in `--help`, `--version` and the argument error (the package has no `bin` field). */
export const BIN = 'portcullis-idp';

/** `portcullis-idp --help`. */
export const HELP = `usage: ${BIN} [--help | --version]

The identity provider of the local Portcullis stack, for development and tests only: by default the embedded
OAuth 2.1 authorization server (@portcullis/idp: in-memory state, DEV ONLY demo users), or with
PORTCULLIS_IDP=keycloak a real Keycloak with the mcp realm (Testcontainers, or the server distribution as a child
process). It listens on 127.0.0.1:8080: issuer http://localhost:8080, or http://127.0.0.1:8080/realms/mcp for
Keycloak. It takes no other arguments; the environment variables below configure it.

  -h, --help             this text
  -V, --version          the version

Environment (empty means unset; an unknown PORTCULLIS_IDP_* variable is an error):
  PORTCULLIS_IDP                           embedded (default), or keycloak
  PORTCULLIS_IDP_PORT                      8080; 0 picks a free port (embedded only)
  PORTCULLIS_IDP_HOST                      127.0.0.1
  PORTCULLIS_IDP_ISSUER                    http://localhost:<port> (port 0: http://127.0.0.1:<bound port>)
  PORTCULLIS_IDP_RESOURCES                 ${DEFAULT_RESOURCES}
  PORTCULLIS_IDP_SCOPES                    ${DEFAULT_SCOPES} (of every resource)
  PORTCULLIS_IDP_USERS                     ${DEFAULT_USERS} (DEV ONLY; username:password,…)
  PORTCULLIS_IDP_OFFLINE_ACCESS            false; true: refresh tokens only for a granted offline_access
  PORTCULLIS_IDP_CIMD_ALLOW_HTTP_LOOPBACK  false; true (dev only): fetch client ID metadata documents over
                                           http from loopback
  PORTCULLIS_IDP_LOG_LEVEL                 info (pino level; the log is JSON on stdout)
Keycloak mode uses PORTCULLIS_IDP_PORT and PORTCULLIS_IDP_LOG_LEVEL from the list above, and reads:
  MCP_RESOURCE_URL                         ${DEFAULT_MCP_RESOURCE}: the URL the realm's mcp:* scopes put in aud
  PORTCULLIS_KEYCLOAK_IMAGE                ${OFFICIAL_IMAGE}
  PORTCULLIS_KEYCLOAK_ALLOW_PROCESS        without a container runtime, run the server distribution as a child
                                           process: allowed unless CI is set, then only with true
  PORTCULLIS_KEYCLOAK_DIST                 that distribution (default .cache/keycloak/keycloak-${KEYCLOAK_VERSION})
  JAVA_HOME                                the Java it runs on (default Temurin 25 if installed, else java on PATH)
  DOCKER_HOST                              the container runtime, as Testcontainers reads it

SIGINT (Ctrl-C) or SIGTERM stops it: the embedded server closes, or the Keycloak container (or process) is
stopped, even while Keycloak is still starting; then it exits 0.
`;

/** `portcullis-idp --version`: this app's version and the Node.js running it. */
export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return `${BIN} ${pkg.version} (Node.js ${process.version})\n`;
}

/** What to print, where, and the exit code, when the command line asks for something other than running. */
export interface CliAnswer {
  /** 0 for `--help` and `--version`, 2 for an argument this app does not take. */
  readonly exitCode: 0 | 2;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * What the command line asks for instead of running: `--help` (`-h`) anywhere wins, then an unknown argument
 * (exit 2, one line on stderr), then `--version` (`-V`); `undefined` (no arguments) to run.
 */
export function answerWithoutRunning(argv: readonly string[]): CliAnswer | undefined {
  if (argv.includes('--help') || argv.includes('-h')) return { exitCode: 0, stdout: HELP, stderr: '' };
  const unknown = argv.find((arg) => arg !== '--version' && arg !== '-V');
  if (unknown !== undefined) {
    const stderr = `${BIN}: unexpected argument ${JSON.stringify(unknown)}: it takes no arguments and is configured by environment variables; run ${BIN} --help\n`;
    return { exitCode: 2, stdout: '', stderr };
  }
  if (argv.length > 0) return { exitCode: 0, stdout: version(), stderr: '' };
  return undefined;
}
