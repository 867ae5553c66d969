import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { KeycloakError } from './errors.js';

/** Where `tooling/scripts/ci-services.sh` writes its variables, relative to the repository root. */
export const SERVICES_ENV_FILE = '.cache/ci-services.env';

/** Options of {@link loadServicesEnv}. */
export interface LoadServicesEnvOptions {
  /** Also set every parsed variable that is **missing** from `env` (set ones are never overwritten). Default false. */
  readonly apply?: boolean;
  /** The environment to apply to. Default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /** Where the upward search for `.cache/ci-services.env` starts when no file is given. Default `process.cwd()`. */
  readonly from?: string;
}

/**
 * Read the variables `tooling/scripts/ci-services.sh` wrote (`DOCKER_HOST`, `TESTCONTAINERS_*`,
 * `PORTCULLIS_KEYCLOAK_IMAGE`), for test suites started by plain `vitest` without `source .cache/ci-services.env`.
 * Under turbo the variables already arrive (root `turbo.json` passes them through), so this is a convenience.
 *
 * Without `file`, looks for `.cache/ci-services.env` in `from` and each parent directory, and returns `{}` when
 * there is none. Understands `[export ]NAME=value` lines with optional single or double quotes (no expansion);
 * comments and other lines are ignored. Call it before Testcontainers creates its client: it reads
 * `TESTCONTAINERS_HOST_OVERRIDE` once.
 *
 * ```ts
 * loadServicesEnv(undefined, { apply: true }); // fill in what the shell did not export
 * const childEnv = { ...loadServicesEnv(), ...process.env }; // or: only for a child process
 * ```
 * @returns the parsed variables (also those `apply` left alone because they were already set).
 * @throws {KeycloakError} `ERR_PORTCULLIS_KEYCLOAK_INVALID_OPTIONS` when an explicit `file` does not exist.
 */
export function loadServicesEnv(file?: string, options: LoadServicesEnvOptions = {}): Record<string, string> {
  const path = file === undefined ? findServicesEnv(options.from ?? process.cwd()) : resolve(file);
  if (path === undefined) return {};
  if (!existsSync(path)) {
    throw new KeycloakError(
      'ERR_PORTCULLIS_KEYCLOAK_INVALID_OPTIONS',
      `loadServicesEnv: ${path} does not exist. Run \`sudo tooling/scripts/ci-services.sh\` to write it, or pass the path of an existing file.`,
    );
  }
  const variables = parseServicesEnv(readFileSync(path, 'utf8'));
  if (options.apply) {
    const env = options.env ?? process.env;
    for (const [name, value] of Object.entries(variables)) if (env[name] === undefined) env[name] = value;
  }
  return variables;
}

/** `.cache/ci-services.env` in `start` or the nearest parent that has one. */
function findServicesEnv(start: string): string | undefined {
  let dir = resolve(start);
  for (;;) {
    const candidate = join(dir, SERVICES_ENV_FILE);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

const LINE = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/;

/** Parse `[export ]NAME=value` lines of a shell env file; quotes around a value are removed, nothing is expanded. */
export function parseServicesEnv(text: string): Record<string, string> {
  const variables: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const match = LINE.exec(line);
    if (!match) continue;
    const [, name = '', raw = ''] = match;
    const value = raw.trim();
    const quoted = value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.at(-1) === value[0];
    variables[name] = quoted ? value.slice(1, -1) : value;
  }
  return variables;
}
