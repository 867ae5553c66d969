import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { McpSession } from '../session.js';
import { EXIT, parseJsonObject, UsageError } from './args.js';
import {
  exitCodeFor,
  formatError,
  formatPrompt,
  formatPrompts,
  formatRead,
  formatResources,
  formatToolResult,
  formatTools,
} from './output.js';

/** The REPL's commands with their one-line help. */
export const REPL_COMMANDS: Readonly<Record<string, string>> = {
  tools: 'list the tools',
  call: 'call <tool> [json]   call a tool, e.g. call hello-world {"name": "joe"}',
  resources: 'list the resources',
  read: 'read <uri>           read a resource, e.g. read greeting://joe',
  prompts: 'list the prompts',
  get: 'get <prompt> [json]  get a prompt, e.g. get greeting {"name": "joe"}',
  whoami: 'show who you are logged in as (token claims; the token itself is never shown)',
  logout: 'revoke and forget the tokens for this server; the next command logs in again',
  help: 'show this help',
  exit: 'leave (or Ctrl-D)',
};

/** Streams the REPL reads and writes. */
export interface ReplIo {
  readonly input: NodeJS.ReadableStream;
  readonly output: NodeJS.WritableStream;
  readonly errors: NodeJS.WritableStream;
  /** Interactive terminal: prompt, history file and tab completion. */
  readonly terminal: boolean;
  /** Where the history is kept between runs. Default: none. */
  readonly historyFile?: string | undefined;
}

function split(line: string): [string, string, string] {
  const trimmed = line.trim();
  const [command = '', rest = ''] = trimmed.split(/\s+(.*)/s, 2);
  const [first = '', remainder = ''] = rest.split(/\s+(.*)/s, 2);
  return [command, first, remainder];
}

/** Run one REPL line; returns the text to print (stdout) and throws on failure. */
export async function runReplCommand(session: McpSession, line: string): Promise<string | undefined> {
  const [command, first, rest] = split(line);
  switch (command) {
    case '':
      return undefined;
    case 'tools':
      return formatTools(await session.listTools());
    case 'call':
      if (first === '') throw new UsageError('usage: call <tool> [json arguments]');
      return formatToolResult(
        first,
        await session.callTool(first, parseJsonObject(rest, 'the tool arguments')),
      );
    case 'resources':
      return formatResources(await session.listResources());
    case 'read':
      if (first === '') throw new UsageError('usage: read <uri>');
      return formatRead(first, await session.readResource(first));
    case 'prompts':
      return formatPrompts(await session.listPrompts());
    case 'get': {
      if (first === '') throw new UsageError('usage: get <prompt> [json arguments]');
      const args = Object.fromEntries(
        Object.entries(parseJsonObject(rest, 'the prompt arguments')).map(([k, v]) => [k, String(v)]),
      );
      return formatPrompt(first, await session.getPrompt(first, args));
    }
    case 'whoami':
      return formatWhoami(session);
    case 'logout':
      return (await session.provider.logout()).revoked
        ? '🚪 Logged out. The tokens were revoked at the authorization server; the next command opens the browser to log in again.'
        : '🚪 Logged out. The next command opens the browser to log in again.';
    case 'help':
      return `Commands:\n${Object.entries(REPL_COMMANDS)
        .map(([name, text]) => `  ${text.startsWith(name) ? text : `${name.padEnd(20)} ${text}`}`)
        .join('\n')}`;
    default:
      throw new UsageError(`unknown command ${JSON.stringify(command)}; type "help" for the list`);
  }
}

async function formatWhoami(session: McpSession): Promise<string> {
  const info = await session.provider.session();
  if (info === undefined) return '👤 Not logged in.';
  const claims = (await session.provider.claims()) ?? {};
  const pick = ['iss', 'sub', 'aud', 'scope', 'client_id', 'exp', 'iat'];
  const shown = Object.fromEntries(pick.filter((k) => k in claims).map((k) => [k, claims[k]]));
  return `👤 ${JSON.stringify({ server: session.provider.serverUrl, ...info, claims: shown }, null, 2)}`;
}

/**
 * Tab completion: command names for the first word, tool names after `call `.
 * @see https://nodejs.org/api/readline.html#use-of-the-completer-function
 */
export function completeLine(line: string, toolNames: readonly string[]): [string[], string] {
  const words = line.split(/\s+/);
  const pool =
    words.length <= 1
      ? Object.keys(REPL_COMMANDS)
      : words[0] === 'call' && words.length === 2
        ? toolNames
        : [];
  const last = words[words.length - 1] ?? '';
  return [pool.filter((c) => c.startsWith(last)), last];
}

/**
 * The `mcp>` REPL. With a terminal: prompt, tab completion of commands and tool names, history kept in
 * `historyFile`. With piped input: runs the lines in order and returns the exit code of the first failure.
 */
export async function runRepl(session: McpSession, io: ReplIo): Promise<number> {
  let toolNames: string[] = [];
  const refreshTools = async () => {
    toolNames = (await session.listTools().catch(() => ({ tools: [] }))).tools.map((t) => t.name);
  };
  if (io.terminal) await refreshTools();
  const history = io.terminal && io.historyFile ? await loadHistory(io.historyFile) : [];
  const rl = createInterface({
    input: io.input,
    output: io.terminal ? io.output : undefined,
    terminal: io.terminal,
    prompt: 'mcp> ',
    history,
    historySize: 500,
    completer: (line: string) => completeLine(line, toolNames),
  });
  let exitCode: number = EXIT.ok;
  if (io.terminal) rl.prompt();
  for await (const line of rl) {
    if (/^\s*(exit|quit)\s*$/.test(line)) break;
    try {
      const out = await runReplCommand(session, line);
      if (out !== undefined) io.output.write(`${out}\n`);
      if (out?.startsWith('❌') && exitCode === EXIT.ok) exitCode = EXIT.toolError;
      if (line.trim() === 'tools') await refreshTools();
    } catch (error) {
      io.errors.write(`${error instanceof UsageError ? `✖ ${error.message}` : formatError(error)}\n`);
      if (exitCode === EXIT.ok) exitCode = exitCodeFor(error);
    }
    if (io.terminal) rl.prompt();
  }
  rl.close();
  if (io.terminal && io.historyFile)
    await saveHistory(io.historyFile, (rl as unknown as { history: string[] }).history);
  return exitCode;
}

async function loadHistory(file: string): Promise<string[]> {
  try {
    return (await readFile(file, 'utf8')).split('\n').filter(Boolean).reverse();
  } catch {
    return [];
  }
}

async function saveHistory(file: string, lines: readonly string[]): Promise<void> {
  await writeFile(file, `${[...lines].reverse().join('\n')}\n`, { mode: 0o600 }).catch(() => {});
}

/** The history file inside the store folder. */
export function historyFileIn(storeDir: string): string {
  return join(storeDir, 'history');
}
