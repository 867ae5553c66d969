import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { delimiter, resolve } from 'node:path';
import type { StdioUpstreamOptions } from './options.js';
import { childEnv } from './stdio-process.js';

/** Where a bare command is looked up when the child's environment has no PATH (as Node's spawn does). */
const DEFAULT_PATH = '/usr/bin:/bin';
/** The names tried for a bare command: as it is, and on Windows with the extensions spawn tries. */
const SUFFIXES = process.platform === 'win32' ? ['', '.com', '.exe'] : [''];

/** Why `file` cannot be executed (`does not exist`, …), or `undefined` when it is an executable file. */
async function notExecutable(file: string): Promise<string | undefined> {
  try {
    if (!(await stat(file)).isFile()) return 'is not a file';
  } catch {
    return 'does not exist';
  }
  try {
    await access(file, constants.X_OK);
    return undefined;
  } catch {
    return 'is not executable';
  }
}

/**
 * Why a child of `upstream` could not be started, or `undefined` when `upstream.command` resolves to an
 * executable file the way the spawn resolves it: a path (with a separator) from `upstream.cwd`, a bare name in
 * the directories of the PATH of the child's environment (`upstream.env` may set it). The message names the
 * command and `upstream.cwd`, never the directories searched.
 */
export async function stdioCommandProblem(upstream: StdioUpstreamOptions): Promise<string | undefined> {
  const { command } = upstream;
  const cwd = resolve(upstream.cwd ?? '.');
  if (upstream.cwd !== undefined) {
    const isDirectory = await stat(cwd).then(
      (info) => info.isDirectory(),
      () => false,
    );
    if (!isDirectory) return `upstream.cwd ${JSON.stringify(upstream.cwd)} is not a directory`;
  }
  const isPath = command.includes('/') || (process.platform === 'win32' && command.includes('\\'));
  if (isPath) {
    const problem = await notExecutable(resolve(cwd, command));
    return problem === undefined ? undefined : `upstream.command ${JSON.stringify(command)} ${problem}`;
  }
  const path = childEnv(upstream.env).PATH ?? DEFAULT_PATH;
  for (const directory of path.split(delimiter)) {
    for (const suffix of SUFFIXES) {
      if ((await notExecutable(resolve(cwd, directory, command + suffix))) === undefined) return undefined;
    }
  }
  return `upstream.command ${JSON.stringify(command)} is not an executable file in any directory of the child's PATH`;
}
