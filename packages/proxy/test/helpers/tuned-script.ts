// Run by runtime-tuning.test.ts as `node --import tsx tuned-script.ts <args>`: prints a line when it starts
// (twice when it re-executes), then what applyRuntimeTuning returned and the process as it runs on.
import { applyRuntimeTuning } from '../../src/runtime-tuning.js';

process.stdout.write(`${JSON.stringify({ started: process.pid })}\n`);
const outcome = applyRuntimeTuning();
process.stdout.write(
  `${JSON.stringify({
    outcome,
    pid: process.pid,
    execArgv: process.execArgv,
    args: process.argv.slice(2),
    mallocArenaMax: process.env.MALLOC_ARENA_MAX ?? null,
    extra: process.env.TUNED_SCRIPT_EXTRA ?? null,
  })}\n`,
);
