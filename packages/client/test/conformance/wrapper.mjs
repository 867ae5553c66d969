// The conformance suite's client command: maps MCP_CONFORMANCE_* to `portcullis` flags, then runs the real
// built CLI (`dist/cli.js connect <url>`) with "tools" and "call test-tool {}" piped into its mcp> prompt.
// The login "browser" follows the mock AS redirect into the CLI's own loopback receiver.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const cli = join(here, '..', '..', 'dist', 'cli.js');
const browser = `${process.execPath} ${join(here, '..', 'fixtures', 'login-browser.mjs')}`;
const url = process.argv.at(-1);
const context = JSON.parse(process.env.MCP_CONFORMANCE_CONTEXT ?? '{}');
const store = mkdtempSync(join(tmpdir(), 'portcullis-conformance-'));

const args = [
  cli,
  'connect',
  url,
  '--allow-http-loopback',
  '--store-dir',
  store,
  '--browser-command',
  browser,
];
args.push('--client-metadata-url', 'https://conformance-test.local/client-metadata.json', '--offline-access');
if (context.client_id) args.push('--client-id', context.client_id);
if (context.client_secret) args.push('--client-secret', context.client_secret);
if (context.issuer) args.push('--client-issuer', context.issuer);
args.push('--protocol', process.env.PORTCULLIS_CONFORMANCE_PROTOCOL ?? 'auto');

const child = spawn(process.execPath, args, { stdio: ['pipe', 'inherit', 'inherit'] });
child.stdin.end('tools\ncall test-tool {}\n');
child.on('exit', (code) => {
  rmSync(store, { recursive: true, force: true });
  process.exit(code ?? 1);
});
