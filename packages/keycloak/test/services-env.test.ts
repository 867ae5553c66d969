import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isKeycloakError, loadServicesEnv, SERVICES_ENV_FILE } from '../src/index.js';

const root = mkdtempSync(join(tmpdir(), 'portcullis-services-env-'));
const file = join(root, SERVICES_ENV_FILE);
mkdirSync(join(root, '.cache'));
writeFileSync(
  file,
  [
    '# Written by tooling/scripts/ci-services.sh; source it before running the tests.',
    'export DOCKER_HOST=unix:///run/portcullis-docker.sock',
    'export TESTCONTAINERS_RYUK_DISABLED=true',
    "export QUOTED_SINGLE='a b'",
    'PLAIN="x=y"',
    'not a variable line',
    '',
  ].join('\n'),
);

describe('loadServicesEnv', () => {
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const expected = {
    DOCKER_HOST: 'unix:///run/portcullis-docker.sock',
    TESTCONTAINERS_RYUK_DISABLED: 'true',
    QUOTED_SINGLE: 'a b',
    PLAIN: 'x=y',
  };

  it('parses [export ]NAME=value lines of an explicit file, without touching the environment', () => {
    const env: NodeJS.ProcessEnv = {};
    expect(loadServicesEnv(file, { env })).toEqual(expected);
    expect(env).toEqual({});
  });

  it('finds .cache/ci-services.env in a parent directory and applies only missing variables', () => {
    const nested = join(root, 'packages', 'keycloak');
    mkdirSync(nested, { recursive: true });
    const env: NodeJS.ProcessEnv = { DOCKER_HOST: 'unix:///custom.sock' };
    expect(loadServicesEnv(undefined, { from: nested, apply: true, env })).toEqual(expected);
    expect(env).toEqual({ ...expected, DOCKER_HOST: 'unix:///custom.sock' });
  });

  it('returns {} when no file is found by the search', () => {
    expect(loadServicesEnv(undefined, { from: tmpdir(), apply: true, env: {} })).toEqual({});
  });

  it('throws a KeycloakError naming the file when an explicit file does not exist', () => {
    const missing = join(root, 'nope.env');
    let error: unknown;
    try {
      loadServicesEnv(missing);
    } catch (caught) {
      error = caught;
    }
    expect(isKeycloakError(error, 'ERR_PORTCULLIS_KEYCLOAK_INVALID_OPTIONS')).toBe(true);
    expect((error as Error).message).toContain(missing);
  });
});
