import { parseArgs } from 'node:util';
import { CLIENT_SCENARIO_NAMES, runClientSuite } from '../client-suite/run-client-suite.js';
import { ConformanceError } from '../errors.js';
import type { ClientSuiteOptionsInput } from '../options.js';
import { type CliIo, EXIT_CODES, finishSuite, progressFor } from './suite-output.js';

/** The usage text of `portcullis-conformance client`. */
export const CLIENT_USAGE = `usage: portcullis-conformance client [options] -- <command...>

  runs an MCP client against the suite's checking servers (CL- requirements the official suite misses).
  The command gets the MCP server URL as its last argument and MCP_CONFORMANCE_SCENARIO in its environment,
  the official suite's convention; it must authorize headlessly (fetch the authorization URL with
  redirect: manual, read the code from Location). HOME is a fresh folder per scenario.
  --spec <version>             2025-06-18 | 2025-11-25 | 2026-07-28 (default: 2026-07-28)
  --scenario <name>            run only this scenario (repeatable): ${CLIENT_SCENARIO_NAMES.slice(1).join(', ')}
  --timeout <ms>               kill a client run after this long (default 30000)
  --json, --junit <file>, --expected-failures <file>, --strict, --quiet   as for the server command

exit codes: 0 all checks pass (or only baseline failures), 1 a failure or a stale baseline entry, 2 usage error`;

const OPTIONS = {
  spec: { type: 'string' },
  scenario: { type: 'string', multiple: true },
  timeout: { type: 'string' },
  json: { type: 'boolean' },
  junit: { type: 'string' },
  'expected-failures': { type: 'string' },
  strict: { type: 'boolean' },
  quiet: { type: 'boolean' },
} as const;

/** Run `portcullis-conformance client` with the arguments after the command name. */
export async function clientCommand(args: readonly string[], io: CliIo): Promise<number> {
  const separator = args.indexOf('--');
  const command = separator === -1 ? [] : args.slice(separator + 1);
  let values: ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>['values'];
  try {
    ({ values } = parseArgs({
      args: separator === -1 ? [...args] : args.slice(0, separator),
      options: OPTIONS,
      strict: true,
    }));
  } catch (error) {
    io.stderr(`error: ${(error as Error).message}`);
    io.stderr(CLIENT_USAGE);
    return EXIT_CODES.usage;
  }
  const unknown = (values.scenario ?? []).filter((s) => !CLIENT_SCENARIO_NAMES.includes(s));
  if (command.length === 0 || unknown.length > 0) {
    io.stderr(
      command.length === 0
        ? 'error: give the client command after --'
        : `error: unknown scenario ${unknown.join(', ')}`,
    );
    io.stderr(CLIENT_USAGE);
    return EXIT_CODES.usage;
  }
  const input: ClientSuiteOptionsInput = {
    command,
    cwd: io.cwd,
    ...(values.spec === undefined ? {} : { spec: values.spec as ClientSuiteOptionsInput['spec'] }),
    ...(values.scenario === undefined ? {} : { scenarios: values.scenario }),
    ...(values.timeout === undefined ? {} : { timeoutMs: Number(values.timeout) }),
  };
  try {
    return finishSuite(await runClientSuite(input, progressFor(values, io)), values, io);
  } catch (error) {
    if (!(error instanceof ConformanceError)) throw error;
    io.stderr(`error: ${error.message}`);
    return EXIT_CODES.usage;
  }
}
