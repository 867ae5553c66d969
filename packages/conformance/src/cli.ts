#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ConformanceError } from './errors.js';
import { coverageReport } from './report/coverage-report.js';
import { formatCoverageTable, formatUnknown } from './report/format-table.js';
import { findWorkspaceRoot, scanTests } from './scan/scan-tests.js';

/** Exit codes of `portcullis-conformance`. */
export const EXIT_CODES = { ok: 0, failed: 1, usage: 2 } as const;

/** Where the CLI reads its working folder and writes its output; injectable for tests. */
export interface CliIo {
  readonly cwd: string;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

/** The usage text. */
export const USAGE = `usage: portcullis-conformance coverage [--root <dir>] [--json] [--fail-on-missing-must]

  coverage                 list every requirement ID with the tests that name it
  --root <dir>             folder to scan (default: nearest folder above the current one with pnpm-workspace.yaml)
  --json                   print the report as JSON instead of a table
  --fail-on-missing-must   exit 1 when a MUST or MUST NOT requirement has no test

exit codes: 0 ok, 1 unknown requirement IDs (or untested MUST with --fail-on-missing-must), 2 usage error`;

/**
 * Run the CLI with `argv` (the arguments after the script name) and return the exit code.
 */
export function main(argv: readonly string[], io: CliIo): number {
  const [command, ...rest] = argv;
  if (command === '--help' || command === '-h' || command === 'help') {
    io.stdout(USAGE);
    return EXIT_CODES.ok;
  }
  if (command !== 'coverage') {
    io.stderr(
      command === undefined ? 'error: missing command' : `error: unknown command ${JSON.stringify(command)}`,
    );
    io.stderr(USAGE);
    return EXIT_CODES.usage;
  }
  let values: {
    root?: string | undefined;
    json?: boolean | undefined;
    'fail-on-missing-must'?: boolean | undefined;
  };
  try {
    ({ values } = parseArgs({
      args: [...rest],
      options: {
        root: { type: 'string' },
        json: { type: 'boolean' },
        'fail-on-missing-must': { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    io.stderr(`error: ${(error as Error).message}`);
    io.stderr(USAGE);
    return EXIT_CODES.usage;
  }
  let report: ReturnType<typeof coverageReport>;
  try {
    const root = values.root === undefined ? findWorkspaceRoot(io.cwd) : resolve(io.cwd, values.root);
    report = coverageReport(scanTests({ root }));
  } catch (error) {
    if (!(error instanceof ConformanceError)) throw error;
    io.stderr(`error: ${error.message}`);
    return EXIT_CODES.usage;
  }
  io.stdout(values.json ? JSON.stringify(report, null, 2) : formatCoverageTable(report));
  let code: number = EXIT_CODES.ok;
  for (const line of formatUnknown(report)) io.stderr(line);
  if (report.unknown.length > 0) code = EXIT_CODES.failed;
  if (values['fail-on-missing-must'] && report.untestedMandatory.length > 0) {
    const count = report.untestedMandatory.length;
    io.stderr(
      `error: ${count} MUST/MUST NOT requirements have no test: ${report.untestedMandatory.join(', ')}`,
    );
    code = EXIT_CODES.failed;
  }
  return code;
}

function isEntryPoint(): boolean {
  const invoked = process.argv[1];
  if (invoked === undefined) return false;
  try {
    return realpathSync(invoked) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  process.exitCode = main(process.argv.slice(2), {
    cwd: process.cwd(),
    stdout: (text) => process.stdout.write(`${text}\n`),
    stderr: (text) => process.stderr.write(`${text}\n`),
  });
}
