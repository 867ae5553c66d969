import { readFileSync } from 'node:fs';
import { DEFAULT_HOST, DEFAULT_ISSUER, DEFAULT_PORT, DEFAULT_PROXY_ISSUER } from './options.js';

/** The command name in `--help`, `--version` and the argument error (the package has no `bin` field). */
export const BIN = 'portcullis-mcp-server';

/** `portcullis-mcp-server --help`. */
export const HELP = `usage: ${BIN} [--help | --version]

The Portcullis reference MCP server (tools hello-world, whoami, admin-stats and confirm-greeting, a greeting
resource and prompt), an OAuth 2.1 resource server built on @portcullis/resource-server. It listens on
${DEFAULT_HOST}:${DEFAULT_PORT}, MCP endpoint /mcp. Standalone it accepts the IdP's JWT access tokens for its URL; with
PORTCULLIS_MCP_MODE=behind-proxy only the identity JWT the Portcullis proxy mints per request. It takes no other
arguments; the environment variables below configure it.

  -h, --help             this text
  -V, --version          the version

Environment (an unknown PORTCULLIS_MCP_* variable is an error):
  PORTCULLIS_MCP_MODE            standalone (default), or behind-proxy
  PORTCULLIS_MCP_PORT            ${DEFAULT_PORT}
  PORTCULLIS_MCP_HOST            ${DEFAULT_HOST}; a non-loopback bind needs an https PORTCULLIS_MCP_RESOURCE, and
                                 behind the proxy only loopback is allowed
  PORTCULLIS_MCP_RESOURCE        its canonical URL (PRM resource, required token aud):
                                 http://localhost:<port>/mcp, behind the proxy http://127.0.0.1:<port>/mcp
Standalone:
  PORTCULLIS_MCP_ISSUER          ${DEFAULT_ISSUER} (the embedded IdP of the local stack)
  PORTCULLIS_MCP_JWKS_URI        <issuer>/jwks
Behind the proxy:
  PORTCULLIS_MCP_PROXY_ISSUER    ${DEFAULT_PROXY_ISSUER} (the auth proxy)
  PORTCULLIS_MCP_PROXY_JWKS_URI  <proxy issuer>/.well-known/jwks.json

SIGINT (Ctrl-C) or SIGTERM stops it: the server stops accepting requests and closes, then exits 0 (1 if closing
fails).
`;

/** `portcullis-mcp-server --version`: this app's version and the Node.js running it. */
export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return `${BIN} ${pkg.version} (Node.js ${process.version})\n`;
}

/** What to print, where, and the exit code, when the command line asks for something other than running. */
export interface CliAnswer {
  /** 0 for `--help` and `--version`, 2 for an argument this app does not take. */
  readonly exitCode: 0 | 2;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * What the command line asks for instead of running: `--help` (`-h`) anywhere wins, then an unknown argument
 * (exit 2, one line on stderr), then `--version` (`-V`); `undefined` (no arguments) to run.
 */
export function answerWithoutRunning(argv: readonly string[]): CliAnswer | undefined {
  if (argv.includes('--help') || argv.includes('-h')) return { exitCode: 0, stdout: HELP, stderr: '' };
  const unknown = argv.find((arg) => arg !== '--version' && arg !== '-V');
  if (unknown !== undefined) {
    const stderr = `${BIN}: unexpected argument ${JSON.stringify(unknown)}: it takes no arguments and is configured by environment variables; run ${BIN} --help\n`;
    return { exitCode: 2, stdout: '', stderr };
  }
  if (argv.length > 0) return { exitCode: 0, stdout: version(), stderr: '' };
  return undefined;
}
