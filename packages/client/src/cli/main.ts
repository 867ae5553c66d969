import { mkdir } from 'node:fs/promises';
import { McpOAuthProvider } from '../auth-provider.js';
import { doctorPassed, formatDoctorTable, runDoctor } from '../doctor/doctor.js';
import { McpSession } from '../session.js';
import { clientOptionsFrom, EXIT, parseCommandLine, parseJsonObject, UsageError } from './args.js';
import { createProgress, exitCodeFor, formatError } from './output.js';
import { historyFileIn, runRepl } from './repl.js';

/** The CLI version, printed by `--version`. */
export const VERSION = '0.1.0';

/** The `--help` text. */
export const HELP = `portcullis ${VERSION}: an MCP client that logs in with OAuth (MCP authorization 2026-07-28)

Usage:
  portcullis connect <url>                 open the mcp> prompt (type "help" there)
  portcullis call <url> <tool> [json]      call one tool, print the result as JSON
  portcullis doctor <url> [--login]        check every discovery step, with a fix for each failure
  portcullis logout <url>                  revoke and forget the stored tokens for <url>

Options:
  --browser-command <cmd>     program that opens the login URL (gets the URL as its last argument)
                              [env PORTCULLIS_BROWSER; default: xdg-open / open / rundll32]
  --no-browser                do not open anything; print the login URL only
  --store-dir <dir>           token store [env PORTCULLIS_HOME; default ~/.config/portcullis]
  --client-id <id>            pre-registered client ID [env PORTCULLIS_CLIENT_ID]
  --client-secret <secret>    its secret, if confidential [env PORTCULLIS_CLIENT_SECRET]
  --client-issuer <issuer>    the authorization server those credentials belong to [env PORTCULLIS_CLIENT_ISSUER]
  --client-metadata-url <url> our client ID metadata document (CIMD) [env PORTCULLIS_CLIENT_METADATA_URL]
  --client-name <name>        client_name for dynamic registration (default "Portcullis CLI")
  --allow-http-loopback       accept http:// on 127.0.0.1/localhost (development) [env PORTCULLIS_ALLOW_HTTP_LOOPBACK=1]
  --allow-private-network     allow OAuth URLs on private addresses [env PORTCULLIS_ALLOW_PRIVATE_NETWORK=1]
  --offline-access            ask for offline_access when the AS lists it [env PORTCULLIS_OFFLINE_ACCESS=1]
  --protocol <p>              auto (default), legacy (2025 initialize) or 2026-07-28 [env PORTCULLIS_PROTOCOL]
  --login-timeout <seconds>   how long to wait for the browser login (default 300)
  --redirect-port <port>      fixed loopback port for the login redirect [env PORTCULLIS_REDIRECT_PORT]
                              (default: ephemeral, then the port of the stored registration)
  --login                     doctor: also log in and check the token audience and refresh
  --json                      doctor: print the checks as JSON
  -h, --help, -v, --version

Exit codes: 0 ok, 1 tool error or failed doctor check, 2 usage, 3 server/AS misconfiguration,
            4 login/token/permission failure, 5 network or MCP error, 6 token store error.
`;

/** Where the CLI reads and writes. */
export interface CliIo {
  readonly stdin: NodeJS.ReadStream;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WriteStream;
  readonly env: NodeJS.ProcessEnv;
}

const defaultIo = (): CliIo => ({
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});

/** Run the CLI; resolves with the exit code (see `EXIT`). Never throws. */
export async function main(argv: readonly string[], io: CliIo = defaultIo()): Promise<number> {
  const progress = createProgress(io.stderr);
  try {
    const line = parseCommandLine(argv);
    if (line.values.version === true) {
      io.stdout.write(`${VERSION}\n`);
      return EXIT.ok;
    }
    if (line.values.help === true || line.command === undefined || line.command === 'help') {
      io.stdout.write(HELP);
      return line.command === undefined && line.values.help !== true ? EXIT.usage : EXIT.ok;
    }
    const [url, ...rest] = line.positionals;
    if (url === undefined)
      throw new UsageError(
        `${line.command} needs the MCP server URL, e.g. portcullis ${line.command} https://mcp.example.com/mcp`,
      );
    const options = clientOptionsFrom(line, url, io.env, progress.onEvent, (m) =>
      io.stderr.write(`⚠ ${m}\n`),
    );
    switch (line.command) {
      case 'connect': {
        if (rest.length > 0) throw new UsageError('connect takes only the server URL');
        const session = await McpSession.connect(options);
        const who = await session.provider.claims();
        io.stderr.write(
          `✅ Connected to ${session.provider.serverUrl}${who?.sub ? ` as ${String(who.sub)}` : ''}. Type "help" for commands.\n`,
        );
        const storeDir = session.provider.options.storeDir;
        await mkdir(storeDir, { recursive: true, mode: 0o700 }).catch(() => {});
        const code = await runRepl(session, {
          input: io.stdin,
          output: io.stdout,
          errors: io.stderr,
          terminal: io.stdin.isTTY === true && (io.stdout as NodeJS.WriteStream).isTTY === true,
          historyFile: historyFileIn(storeDir),
        });
        await session.close();
        return code;
      }
      case 'call': {
        const [tool, json, ...extra] = rest;
        if (tool === undefined || extra.length > 0)
          throw new UsageError("usage: portcullis call <url> <tool> '<json arguments>'");
        const args = parseJsonObject(json, 'the tool arguments');
        const session = await McpSession.connect(options);
        const result = await session.callTool(tool, args);
        await session.close();
        io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        return result.isError === true ? EXIT.toolError : EXIT.ok;
      }
      case 'doctor': {
        const checks = await runDoctor(options, { login: line.values.login === true });
        progress.stop();
        io.stdout.write(
          line.values.json === true
            ? `${JSON.stringify({ serverUrl: url, checks }, null, 2)}\n`
            : `${formatDoctorTable(url, checks)}\n`,
        );
        return doctorPassed(checks) ? EXIT.ok : EXIT.toolError;
      }
      case 'logout': {
        const provider = new McpOAuthProvider(options);
        const { revoked } = await provider.logout();
        const how = revoked
          ? ' and revoked them at the authorization server'
          : ' (the authorization server did not revoke them: it has no revocation endpoint, or it refused)';
        io.stderr.write(`🚪 Forgot the tokens for ${provider.serverUrl}${how}.\n`);
        return EXIT.ok;
      }
      default:
        throw new UsageError(
          `unknown command ${JSON.stringify(line.command)}; commands: connect, call, doctor, logout`,
        );
    }
  } catch (error) {
    progress.stop();
    io.stderr.write(`${formatError(error)}\n`);
    return exitCodeFor(error);
  }
}
