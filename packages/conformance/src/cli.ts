#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { SERVER_USAGE, serverCommand } from './commands/server-command.js';
import { type CliIo, EXIT_CODES } from './commands/suite-output.js';
import { ConformanceError } from './errors.js';
import { coverageReport } from './report/coverage-report.js';
import { formatCoverageTable, formatUnknown } from './report/format-table.js';
import { findWorkspaceRoot, scanTests } from './scan/scan-tests.js';

export type { CliIo };
export { EXIT_CODES };

/** The usage text. */
export const USAGE = `usage: portcullis-conformance coverage [--root <dir>] [--json] [--fail-on-missing-must]
       portcullis-conformance server <mcp-url> [options]      (see: portcullis-conformance server --help)
       portcullis-conformance client [options] -- <command...> (see: portcullis-conformance client --help)

  coverage                 list every requirement ID with the tests that name it
  --root <dir>             folder to scan (default: nearest folder above the current one with pnpm-workspace.yaml)
  --json                   print the report as JSON instead of a table
  --fail-on-missing-must   exit 1 when a MUST or MUST NOT requirement has no test

exit codes (coverage): 0 ok, 1 unknown requirement IDs (or untested MUST with --fail-on-missing-must), 2 usage error`;

/**
 * Run any command of the CLI with `argv` (the arguments after the script name) and resolve to the exit code.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'server') {
    if (rest.includes('--help') || rest.includes('-h')) {
      io.stdout(SERVER_USAGE);
      return EXIT_CODES.ok;
    }
    return serverCommand(rest, io);
  }
  if (command === 'client') {
    const { CLIENT_USAGE, clientCommand } = await import('./commands/client-command.js');
    const before = rest.indexOf('--') === -1 ? rest : rest.slice(0, rest.indexOf('--'));
    if (before.includes('--help') || before.includes('-h')) {
      io.stdout(CLIENT_USAGE);
      return EXIT_CODES.ok;
    }
    return clientCommand(rest, io);
  }
  return main(argv, io);
}

/**
 * Run the `coverage` command (or `help`) with `argv` (the arguments after the script name) and return the exit
 * code. {@link runCli} runs every command.
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
  runCli(process.argv.slice(2), {
    cwd: process.cwd(),
    stdout: (text) => process.stdout.write(`${text}\n`),
    stderr: (text) => process.stderr.write(`${text}\n`),
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = EXIT_CODES.usage;
    },
  );
}
