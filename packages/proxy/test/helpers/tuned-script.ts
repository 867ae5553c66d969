// Run by runtime-tuning.test.ts as `node --import tsx tuned-script.ts <args>` (or forked): prints a line when
// it starts (twice when it re-executes), then what applyRuntimeTuning returned and the process as it runs on;
// forked, it also sends that to its parent over the IPC channel.
import { existsSync, readFileSync } from 'node:fs';
import { applyRuntimeTuning } from '../../src/runtime-tuning.js';

process.stdout.write(`${JSON.stringify({ started: process.pid })}\n`);
const outcome = applyRuntimeTuning();
const startupEnv = existsSync('/proc/self/environ')
  ? readFileSync('/proc/self/environ', 'utf8').split('\0')
  : [];
const state = {
  outcome,
  pid: process.pid,
  execArgv: process.execArgv,
  args: process.argv.slice(2),
  mallocArenaMax: process.env.MALLOC_ARENA_MAX ?? null,
  /** MALLOC_ARENA_MAX as the C library saw it when this image started (Linux), not as Node.js has it now. */
  startupMallocArenaMax: startupEnv.find((entry) => entry.startsWith('MALLOC_ARENA_MAX='))?.slice(17) ?? null,
  extra: process.env.TUNED_SCRIPT_EXTRA ?? null,
};
process.stdout.write(`${JSON.stringify(state)}\n`);
if (process.send !== undefined) process.send(state, () => process.disconnect());
