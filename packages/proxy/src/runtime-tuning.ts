/**
 * The Node.js and C-library settings the `portcullis-proxy` command runs with, and the one-time re-execution
 * that applies them. Kept apart from the rest of the package (subpath `@portcullis/proxy/runtime-tuning`) so
 * that a launcher can apply them before it loads the proxy's modules.
 *
 * Why: with many open streams, a Node.js process's memory beyond its live data is mostly V8's young
 * generation, which V8 grows to 3 × 32 MB on this kind of machine while streams survive their first
 * collections, and malloc memory that V8's optimizing compiler used on background threads and freed, whose
 * pages glibc keeps. None of it can be changed once the process runs (`v8.setFlagsFromString` has no effect
 * on a heap that exists; glibc reads `MALLOC_ARENA_MAX` at start), hence a re-execution: with
 * `process.execve` the process keeps its PID, its file descriptors and its parent, so supervisors and signals
 * see one process. Measured by `pnpm bench` (the proxy's README, "Benchmark").
 */

/** The settings: node flags and environment variables. */
export interface RuntimeTuning {
  readonly nodeFlags: readonly string[];
  readonly env: Readonly<Record<string, string>>;
}

/**
 * What the command applies unless told not to (`PORTCULLIS_PROXY_RUNTIME_TUNING=off`), already given, or
 * the operator sized the heap another way:
 * - `--max-semi-space-size=8`: V8's young generation at most 3 × 8 MB;
 * - `--no-concurrent-recompilation`: V8 optimizes functions on the main thread, during the first seconds of
 *   traffic, instead of on a helper thread whose freed compiler memory glibc kept (10–15 MB with 1000 streams);
 * - `MALLOC_ARENA_MAX=1`: one glibc malloc arena instead of one per thread (other C libraries ignore it).
 * A setting the operator gave (on the command line, in `NODE_OPTIONS` or in the environment, including the
 * opposite flag, such as `--concurrent-recompilation`) wins over these; `--min-semi-space-size` or
 * `--max-heap-size` leave the young generation alone too (V8 refuses `--max-heap-size` next to
 * `--max-old-space-size` and a semi-space size).
 */
export const RUNTIME_TUNING: RuntimeTuning = Object.freeze({
  nodeFlags: Object.freeze(['--max-semi-space-size=8', '--no-concurrent-recompilation']),
  env: Object.freeze({ MALLOC_ARENA_MAX: '1' }),
});

/** The variable that turns the tuning off (`off`, `0` or `false`). */
export const RUNTIME_TUNING_VARIABLE = 'PORTCULLIS_PROXY_RUNTIME_TUNING';

/** `true` when {@link RUNTIME_TUNING_VARIABLE} is `off`, `0` or `false` (any case, spaces around). */
function turnedOff(env: NodeJS.ProcessEnv): boolean {
  const setting = env[RUNTIME_TUNING_VARIABLE]?.trim().toLowerCase();
  return setting === 'off' || setting === '0' || setting === 'false';
}

/** Set on the re-executed process: it never re-executes again, whatever it finds. */
const REEXECUTED_VARIABLE = 'PORTCULLIS_PROXY_RUNTIME_TUNED';

/**
 * The setting a flag is about: `--max-semi-space-size=8` → `max_semi_space_size`; `--no-concurrent-recompilation`
 * and `--concurrent_recompilation` → `concurrent_recompilation` (V8 takes `-` and `_` alike, `no-` negates).
 */
function flagName(flag: string): string {
  const name = (flag.replace(/^--/, '').split('=')[0] ?? flag).replaceAll('-', '_');
  return name.startsWith('no_') ? name.slice(3) : name;
}

/** The operator's settings that leave one of ours out: the same setting, or one V8 would not combine with it. */
const GIVEN_BY: Readonly<Record<string, readonly string[]>> = {
  max_semi_space_size: ['max_semi_space_size', 'min_semi_space_size', 'max_heap_size'],
};

/** Flags in whose presence the command never re-executes: a debugger would attach to the first image. */
const INSPECTOR = /^--inspect(-brk|-wait)?(=|$)/;

/** `NODE_OPTIONS` split as Node.js splits it: on spaces, with double quotes and backslash escapes inside them. */
function nodeOptions(env: NodeJS.ProcessEnv): string[] {
  const args: string[] = [];
  let current = '';
  let quoted = false;
  let started = false;
  const value = env.NODE_OPTIONS ?? '';
  for (let i = 0; i < value.length; i++) {
    const char = value[i] as string;
    if (quoted && char === '\\' && i + 1 < value.length) {
      current += value[++i];
    } else if (char === '"') {
      quoted = !quoted;
      started = true;
    } else if (char === ' ' && !quoted) {
      if (started) args.push(current);
      current = '';
      started = false;
    } else {
      current += char;
      started = true;
    }
  }
  if (started) args.push(current);
  return args;
}

/** Every node flag of the process: its command line's, then `NODE_OPTIONS`'. */
function nodeFlagsOf(execArgv: readonly string[], env: NodeJS.ProcessEnv): string[] {
  return [...execArgv, ...nodeOptions(env)].filter((arg) => arg.startsWith('--'));
}

/**
 * The part of {@link RUNTIME_TUNING} this process lacks, judged from its node flags (`execArgv`) and its
 * environment (`NODE_OPTIONS` included); `undefined` when it lacks nothing or the tuning is turned off. A
 * variable that the process has but may have read from `--env-file` is returned with its own value: the C
 * library read the environment before Node.js loaded the file, so only a re-execution makes it take effect.
 */
export function missingRuntimeTuning(
  execArgv: readonly string[],
  env: NodeJS.ProcessEnv,
  tuning: RuntimeTuning = RUNTIME_TUNING,
): RuntimeTuning | undefined {
  if (turnedOff(env)) return undefined;
  const flags = nodeFlagsOf(execArgv, env);
  const given = new Set(flags.map(flagName));
  const nodeFlags = tuning.nodeFlags.filter((flag) => {
    const name = flagName(flag);
    return !(GIVEN_BY[name] ?? [name]).some((setting) => given.has(setting));
  });
  const fromFile = given.has('env_file') || given.has('env_file_if_exists');
  const missingEnv: Record<string, string> = {};
  for (const [name, value] of Object.entries(tuning.env)) {
    const own = env[name];
    if (own === undefined) missingEnv[name] = value;
    else if (fromFile) missingEnv[name] = own;
  }
  if (nodeFlags.length === 0 && Object.keys(missingEnv).length === 0) return undefined;
  return { nodeFlags, env: missingEnv };
}

/** Why {@link applyRuntimeTuning} returned instead of re-executing. */
export type RuntimeTuningOutcome =
  | 'applied'
  | 'turned off'
  | 'not supported'
  | 'ipc channel'
  | 'debugger'
  | 're-execution failed';

/**
 * Re-execute this Node.js process once with what it lacks of {@link RUNTIME_TUNING}: same node binary, node
 * flags, script, arguments and environment, plus the missing flags and variables. Call it first thing in a
 * launcher, before loading anything else: when it re-executes, it does not return, and `--require` or
 * `--import` preloads run again in the new image. It returns, leaving the process as it is, when the process
 * has the tuning already (`applied`), the variable turns it off, Node.js has no `process.execve` (Windows;
 * Node.js before 22.15), the process has an IPC channel to its parent (`fork()`, `node --watch`), which a
 * re-execution would close, or a debugger flag (`--inspect`, `--inspect-brk`, `--inspect-wait`).
 */
export function applyRuntimeTuning(proc: NodeJS.Process = process): RuntimeTuningOutcome {
  if (turnedOff(proc.env)) return 'turned off';
  const missing = missingRuntimeTuning(proc.execArgv, proc.env);
  if (missing === undefined || proc.env[REEXECUTED_VARIABLE] !== undefined) return 'applied';
  if (typeof proc.execve !== 'function') return 'not supported';
  // Node.js removes NODE_CHANNEL_FD from the environment once it has opened the channel.
  if (proc.channel !== undefined || typeof proc.send === 'function') return 'ipc channel';
  if (nodeFlagsOf(proc.execArgv, proc.env).some((flag) => INSPECTOR.test(flag))) return 'debugger';
  try {
    proc.execve(
      proc.execPath,
      [proc.execPath, ...proc.execArgv, ...missing.nodeFlags, ...proc.argv.slice(1)],
      { ...proc.env, ...missing.env, [REEXECUTED_VARIABLE]: '1' },
    );
  } catch {
    return 're-execution failed';
  }
  return 're-execution failed';
}

/**
 * The tuning in effect in a process, for its start-up log line:
 * `--max-semi-space-size=8 --no-concurrent-recompilation MALLOC_ARENA_MAX=1`, or `none`.
 */
export function describeRuntimeTuning(execArgv: readonly string[], env: NodeJS.ProcessEnv): string {
  const names = new Set(
    RUNTIME_TUNING.nodeFlags.flatMap((flag) => GIVEN_BY[flagName(flag)] ?? [flagName(flag)]),
  );
  const flags = nodeFlagsOf(execArgv, env).filter((arg) => names.has(flagName(arg)));
  const vars = Object.keys(RUNTIME_TUNING.env)
    .filter((name) => env[name] !== undefined)
    .map((name) => `${name}=${env[name]}`);
  return [...flags, ...vars].join(' ') || 'none';
}
