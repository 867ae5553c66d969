import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { copyFile, cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { keycloakArgs, keycloakEnv } from './container-runtime.js';
import { KeycloakError } from './errors.js';
import { freePort } from './free-port.js';
import { KEYCLOAK_VERSION, type ResolvedStartOptions } from './options.js';

const cacheDir = fileURLToPath(new URL('../../../.cache/keycloak/', import.meta.url));

/** The unpacked server distribution: option, env, or the cache (unpacked from the cached tarball if needed). */
function resolveDist(opts: ResolvedStartOptions): string {
  const explicit = opts.distDir ?? process.env.PORTCULLIS_KEYCLOAK_DIST;
  const dir = explicit ?? join(cacheDir, `keycloak-${KEYCLOAK_VERSION}`);
  if (existsSync(join(dir, 'bin', 'kc.sh'))) return dir;
  const tarball = join(cacheDir, 'dist', `keycloak-quarkus-dist-${KEYCLOAK_VERSION}.tar.gz`);
  if (explicit === undefined && existsSync(tarball)) {
    execFileSync('tar', ['-xzf', tarball, '-C', cacheDir]);
    return dir;
  }
  throw new KeycloakError(
    'ERR_PORTCULLIS_KEYCLOAK_DIST_MISSING',
    `No Keycloak server distribution at ${dir} (bin/kc.sh). Fetch it with docker/keycloak/build-image.sh, or ` +
      `mvn dependency:copy -Dartifact=org.keycloak:keycloak-quarkus-dist:${KEYCLOAK_VERSION}:tar.gz, and set ` +
      'PORTCULLIS_KEYCLOAK_DIST to the unpacked folder.',
  );
}

async function waitReady(
  url: string,
  child: ChildProcess,
  timeoutMs: number,
  logFile: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new KeycloakError(
        'ERR_PORTCULLIS_KEYCLOAK_START_FAILED',
        `kc.sh exited with code ${child.exitCode} before Keycloak was ready. Read ${logFile}.`,
      );
    }
    const ok = await fetch(url, { signal: AbortSignal.timeout(2_000) }).then(
      (response) => response.status === 200,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new KeycloakError(
    'ERR_PORTCULLIS_KEYCLOAK_START_FAILED',
    `Keycloak (process) was not ready at ${url} within ${timeoutMs} ms. Read ${logFile}; raise startupTimeoutMs.`,
  );
}

/**
 * Run the server distribution as a child process (`kc.sh start-dev`), in a fresh copy of the distribution so each
 * run starts with an empty database and only this realm to import. Listens on 127.0.0.1 only.
 */
export async function startProcess(
  opts: ResolvedStartOptions,
  hostPort: number,
): Promise<{ stop(): Promise<void> }> {
  const dist = resolveDist(opts);
  const java = opts.javaHome ? join(opts.javaHome, 'bin', 'java') : undefined;
  if (!java || !existsSync(java)) {
    throw new KeycloakError(
      'ERR_PORTCULLIS_KEYCLOAK_DIST_MISSING',
      `No Java runtime for the process runtime (JAVA_HOME=${opts.javaHome ?? '<unset>'}). Install Java 17+ ` +
        '(Temurin 25 recommended for Keycloak 26.6+) and set JAVA_HOME or the javaHome option.',
    );
  }
  const home = await mkdtemp(join(tmpdir(), 'portcullis-keycloak-'));
  await cp(dist, home, { recursive: true, verbatimSymlinks: true });
  await rm(join(home, 'data'), { recursive: true, force: true });
  await mkdir(join(home, 'data', 'import'), { recursive: true });
  await copyFile(opts.realmFile, join(home, 'data', 'import', basename(opts.realmFile)));

  const managementPort = await freePort();
  const args = [
    ...keycloakArgs({ ...opts, mode: 'dev' }, hostPort),
    '--http-host=127.0.0.1',
    `--http-port=${hostPort}`,
    `--http-management-port=${managementPort}`,
  ];
  const logFile = join(home, 'keycloak.log');
  const log = createWriteStream(logFile);
  const child = spawn(join(home, 'bin', 'kc.sh'), args, {
    env: { ...process.env, ...keycloakEnv(opts), JAVA_HOME: opts.javaHome },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    }
    log.end();
    await rm(home, { recursive: true, force: true });
  };
  try {
    await waitReady(`http://127.0.0.1:${managementPort}/health/ready`, child, opts.startupTimeoutMs, logFile);
  } catch (error) {
    if (child.exitCode === null) child.kill('SIGKILL');
    throw error;
  }
  return { stop };
}
