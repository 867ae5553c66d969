import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  applyRuntimeTuning,
  describeRuntimeTuning,
  missingRuntimeTuning,
  RUNTIME_TUNING,
} from '../src/runtime-tuning.js';

const SCRIPT = fileURLToPath(new URL('./helpers/tuned-script.ts', import.meta.url));

/** Run the helper script in a fresh node; every JSON line it printed, and its PID as spawned. */
async function runScript(env: Record<string, string | undefined>, nodeFlags: readonly string[] = []) {
  const child = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', SCRIPT, 'first', '--second=2'], {
    env: { ...process.env, MALLOC_ARENA_MAX: undefined, NODE_OPTIONS: undefined, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  expect(code).toBe(0);
  const lines = out
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { pid: child.pid, lines };
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

  it('returns without re-executing where Node.js has no process.execve, or an IPC channel would break', () => {
    expect(applyRuntimeTuning(processLike({ execve: undefined }))).toBe('not supported');
    const execve = () => {
      throw new Error('must not be called');
    };
    expect(applyRuntimeTuning(processLike({ execve, env: { NODE_CHANNEL_FD: '3' } }))).toBe('ipc channel');
  });

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
