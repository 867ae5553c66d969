import { fork, spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  applyRuntimeTuning,
  describeRuntimeTuning,
  missingRuntimeTuning,
  RUNTIME_TUNING,
} from '../src/runtime-tuning.js';

const SCRIPT = fileURLToPath(new URL('./helpers/tuned-script.ts', import.meta.url));
/** This process's environment without what the tuning reads, so that the developer's own settings do not count. */
const CLEAN_ENV = {
  ...process.env,
  MALLOC_ARENA_MAX: undefined,
  NODE_OPTIONS: undefined,
  PORTCULLIS_PROXY_RUNTIME_TUNING: undefined,
  PORTCULLIS_PROXY_RUNTIME_TUNED: undefined,
};

/** Run the helper script in a fresh node; every JSON line it printed, and its PID as spawned. */
async function runScript(env: Record<string, string | undefined>, nodeFlags: readonly string[] = []) {
  const child = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', SCRIPT, 'first', '--second=2'], {
    env: { ...CLEAN_ENV, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  expect({ code, stderr }).toMatchObject({ code: 0 });
  const lines = out
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { pid: child.pid, lines, stderr };
}

describe('missingRuntimeTuning', () => {
  it('is the whole tuning for a process started with none of it', () => {
    expect(missingRuntimeTuning(['--import', 'tsx'], {})).toEqual({
      nodeFlags: ['--max-semi-space-size=8', '--no-concurrent-recompilation'],
      env: { MALLOC_ARENA_MAX: '1' },
    });
  });

  it('leaves out a flag the operator gave, on the command line or in NODE_OPTIONS, in either spelling or negated', () => {
    const rest = { nodeFlags: ['--no-concurrent-recompilation'], env: { MALLOC_ARENA_MAX: '1' } };
    expect(missingRuntimeTuning(['--max-semi-space-size=16'], {})).toEqual(rest);
    expect(missingRuntimeTuning(['--max_semi_space_size=2'], {})).toEqual(rest);
    expect(
      missingRuntimeTuning([], { NODE_OPTIONS: '--enable-source-maps --max-semi-space-size=4' }),
    ).toEqual(rest);
    const semi = { nodeFlags: ['--max-semi-space-size=8'], env: { MALLOC_ARENA_MAX: '1' } };
    expect(missingRuntimeTuning(['--concurrent-recompilation'], {})).toEqual(semi);
    expect(missingRuntimeTuning(['--no_concurrent_recompilation'], {})).toEqual(semi);
  });

  it('does not take another flag for one of its own', () => {
    expect(missingRuntimeTuning(['--max-old-space-size=100', '--no-opt'], {})?.nodeFlags).toEqual([
      '--max-semi-space-size=8',
      '--no-concurrent-recompilation',
    ]);
  });

  it('leaves the young generation alone when the operator sized it or the heap another way', () => {
    const rest = { nodeFlags: ['--no-concurrent-recompilation'], env: { MALLOC_ARENA_MAX: '1' } };
    expect(missingRuntimeTuning(['--min-semi-space-size=16'], {})).toEqual(rest);
    expect(
      missingRuntimeTuning([], { NODE_OPTIONS: '--max-heap-size=512 --max-old-space-size=400' }),
    ).toEqual(rest);
  });

  it('reads NODE_OPTIONS as Node.js does: double quotes and backslash escapes', () => {
    const rest = { nodeFlags: ['--no-concurrent-recompilation'], env: { MALLOC_ARENA_MAX: '1' } };
    expect(missingRuntimeTuning([], { NODE_OPTIONS: '"--max-semi-space-size=32"' })).toEqual(rest);
    expect(missingRuntimeTuning([], { NODE_OPTIONS: '  --title="a b"   "--max-semi-space-size=4"' })).toEqual(
      rest,
    );
    expect(
      missingRuntimeTuning([], { NODE_OPTIONS: '--title="say \\"--max-semi-space-size=4\\""' })?.nodeFlags,
    ).toContain('--max-semi-space-size=8');
  });

  it('returns a variable the process may have read from --env-file with its own value, for a re-execution', () => {
    expect(missingRuntimeTuning(['--env-file=.env'], { MALLOC_ARENA_MAX: '4' })?.env).toEqual({
      MALLOC_ARENA_MAX: '4',
    });
    expect(missingRuntimeTuning(['--env-file-if-exists=.env'], {})?.env).toEqual({ MALLOC_ARENA_MAX: '1' });
  });

  it('leaves out MALLOC_ARENA_MAX when the environment has one', () => {
    expect(missingRuntimeTuning([], { MALLOC_ARENA_MAX: '4' })).toEqual({
      nodeFlags: ['--max-semi-space-size=8', '--no-concurrent-recompilation'],
      env: {},
    });
  });

  it('is undefined when nothing is missing, or when PORTCULLIS_PROXY_RUNTIME_TUNING turns it off', () => {
    const all = ['--max-semi-space-size=8', '--no-concurrent-recompilation'];
    expect(missingRuntimeTuning(all, { MALLOC_ARENA_MAX: '1' })).toBeUndefined();
    for (const off of ['off', 'OFF', '0', 'false', ' off ']) {
      expect(missingRuntimeTuning([], { PORTCULLIS_PROXY_RUNTIME_TUNING: off })).toBeUndefined();
    }
    expect(missingRuntimeTuning([], { PORTCULLIS_PROXY_RUNTIME_TUNING: 'on' })).toBeDefined();
  });

  it('is frozen, so that no caller changes what the command applies', () => {
    expect(Object.isFrozen(RUNTIME_TUNING)).toBe(true);
    expect(Object.isFrozen(RUNTIME_TUNING.nodeFlags)).toBe(true);
    expect(Object.isFrozen(RUNTIME_TUNING.env)).toBe(true);
  });
});

describe('describeRuntimeTuning', () => {
  it('names the settings in effect, from the flags, NODE_OPTIONS and the environment', () => {
    expect(
      describeRuntimeTuning(['--max-semi-space-size=8', '--no-concurrent-recompilation', '--no-opt'], {
        MALLOC_ARENA_MAX: '1',
      }),
    ).toBe('--max-semi-space-size=8 --no-concurrent-recompilation MALLOC_ARENA_MAX=1');
    expect(describeRuntimeTuning([], { NODE_OPTIONS: '--max_semi_space_size=4' })).toBe(
      '--max_semi_space_size=4',
    );
    expect(describeRuntimeTuning(['--import', 'tsx'], {})).toBe('none');
  });
});

describe('applyRuntimeTuning', () => {
  it('re-executes node once in the same process with the tuning added, keeping flags, script, arguments and environment', async () => {
    const { pid, lines } = await runScript({ TUNED_SCRIPT_EXTRA: 'kept' });
    expect(lines).toHaveLength(3);
    expect(lines[0]).toEqual({ started: pid });
    expect(lines[1]).toEqual({ started: pid });
    expect(lines[2]).toMatchObject({
      outcome: 'applied',
      pid,
      args: ['first', '--second=2'],
      mallocArenaMax: '1',
      extra: 'kept',
    });
    expect(lines[2]?.execArgv).toEqual(
      expect.arrayContaining(['--import', 'tsx', '--max-semi-space-size=8']),
    );
  });

  it('does not re-execute when the operator gave every setting, and keeps their values', async () => {
    const { pid, lines } = await runScript({ MALLOC_ARENA_MAX: '3' }, [
      '--max-semi-space-size=2',
      '--concurrent-recompilation',
    ]);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatchObject({ outcome: 'applied', pid, mallocArenaMax: '3' });
    expect(lines[1]?.execArgv).toContain('--max-semi-space-size=2');
    expect(lines[1]?.execArgv).not.toContain('--max-semi-space-size=8');
  });

  it('adds only what is missing, next to the operator’s NODE_OPTIONS', async () => {
    const { lines } = await runScript({ NODE_OPTIONS: '--max-semi-space-size=4' });
    expect(lines).toHaveLength(3);
    expect(lines[2]).toMatchObject({ outcome: 'applied', mallocArenaMax: '1' });
    expect(lines[2]?.execArgv).not.toContain('--max-semi-space-size=8');
    expect(lines[2]?.execArgv).toContain('--no-concurrent-recompilation');
  });

  it('leaves the process as it is when PORTCULLIS_PROXY_RUNTIME_TUNING=off', async () => {
    const { lines } = await runScript({ PORTCULLIS_PROXY_RUNTIME_TUNING: 'off' });
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatchObject({ outcome: 'turned off', mallocArenaMax: null });
    expect(lines[1]?.execArgv).not.toContain('--max-semi-space-size=8');
  });

  /** A process object with only what applyRuntimeTuning reads; `execve` records its call or throws. */
  function processLike(overrides: Partial<NodeJS.Process>): NodeJS.Process {
    return {
      execPath: '/usr/bin/node',
      execArgv: ['--enable-source-maps'],
      argv: ['/usr/bin/node', '/srv/bin.js', '--config', 'p.yaml'],
      env: { HOME: '/root' },
      ...overrides,
    } as NodeJS.Process;
  }

  it('returns without re-executing where Node.js has no process.execve, an IPC channel would close or a debugger is asked for', () => {
    expect(applyRuntimeTuning(processLike({ execve: undefined }))).toBe('not supported');
    const execve = () => {
      throw new Error('must not be called');
    };
    const channel = {} as NodeJS.Process['channel'];
    expect(applyRuntimeTuning(processLike({ execve, channel }))).toBe('ipc channel');
    for (const inspect of ['--inspect', '--inspect=127.0.0.1:9229', '--inspect-brk', '--inspect-wait=0']) {
      expect(applyRuntimeTuning(processLike({ execve, execArgv: [inspect] }))).toBe('debugger');
      expect(applyRuntimeTuning(processLike({ execve, env: { NODE_OPTIONS: inspect } }))).toBe('debugger');
    }
  });

  it('keeps a forked process (an IPC channel, as node --watch has) as it is: its channel still works', async () => {
    const child = fork(SCRIPT, ['first'], {
      execArgv: ['--import', 'tsx'],
      env: CLEAN_ENV,
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    });
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    const message = await new Promise<unknown>((resolve) => child.once('message', resolve));
    await new Promise((resolve) => child.once('exit', resolve));
    expect(message).toMatchObject({ outcome: 'ipc channel', pid: child.pid, mallocArenaMax: null });
    expect(out.trim().split('\n')).toHaveLength(2);
  });

  it('does not crash node when the operator gave --max-heap-size with --max-old-space-size', async () => {
    const { lines } = await runScript({ NODE_OPTIONS: '--max-heap-size=512 --max-old-space-size=400' });
    expect(lines.at(-1)).toMatchObject({ outcome: 'applied', mallocArenaMax: '1' });
    expect(lines.at(-1)?.execArgv).not.toContain('--max-semi-space-size=8');
  });

  it('leaves a process started with --inspect as it is, so that the debugger stays attached to it', async () => {
    const { lines, stderr } = await runScript({}, ['--inspect=127.0.0.1:0']);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatchObject({ outcome: 'debugger', mallocArenaMax: null });
    expect(stderr.match(/Debugger listening/g)).toHaveLength(1);
  });

  it.skipIf(process.platform !== 'linux')(
    'makes a MALLOC_ARENA_MAX from --env-file reach the C library, with the operator’s value',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'portcullis-tuning-'));
      const envFile = join(dir, 'proxy.env');
      await writeFile(envFile, 'MALLOC_ARENA_MAX=4\n');
      // Every node flag of the tuning given: only the variable can make it re-execute.
      const { lines } = await runScript({}, [
        `--env-file=${envFile}`,
        '--max-semi-space-size=8',
        '--no-concurrent-recompilation',
      ]);
      expect(lines).toHaveLength(3);
      expect(lines[2]).toMatchObject({ outcome: 'applied', mallocArenaMax: '4', startupMallocArenaMax: '4' });
    },
  );

  it('hands execve the node binary, the flags before the script, and the environment with the tuning and a marker', () => {
    let call: unknown[] = [];
    const execve = ((...args: unknown[]) => {
      call = args;
      throw new Error('EACCES');
    }) as NodeJS.Process['execve'];
    expect(applyRuntimeTuning(processLike({ execve }))).toBe('re-execution failed');
    expect(call).toEqual([
      '/usr/bin/node',
      [
        '/usr/bin/node',
        '--enable-source-maps',
        '--max-semi-space-size=8',
        '--no-concurrent-recompilation',
        '/srv/bin.js',
        '--config',
        'p.yaml',
      ],
      { HOME: '/root', MALLOC_ARENA_MAX: '1', PORTCULLIS_PROXY_RUNTIME_TUNED: '1' },
    ]);
    // The re-executed process, should it still lack something, does not try again.
    const again = processLike({ execve, env: { PORTCULLIS_PROXY_RUNTIME_TUNED: '1' } });
    expect(applyRuntimeTuning(again)).toBe('applied');
  });
});
