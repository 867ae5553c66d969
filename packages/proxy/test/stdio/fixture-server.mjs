// A tiny stdio MCP server for the stdio-upstream tests, written with the SDK (plain ESM: spawned as
// `node test/stdio/fixture-server.mjs`, no loader). FIXTURE_MODE=exit-at-start exits before reading
// anything, =silent never answers, =refuse-initialize answers initialize with an error;
// FIXTURE_STDIN_LOG=<file> copies every byte received on stdin into that file; FIXTURE_START_DELAY_MS=<ms>
// says `fixture: starting late` on stderr and waits that long before reading stdin. Besides its tools it has a
// subscribable resource (`fixture://counter`, raised by the `bump` tool), and `add-tool` changes its tool list.
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { McpServer } from '@modelcontextprotocol/server';
import { StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import { z } from 'zod';

if (process.env.FIXTURE_START_DELAY_MS) {
  process.stderr.write('fixture: starting late\n');
  await sleep(Number(process.env.FIXTURE_START_DELAY_MS));
}
if (process.env.FIXTURE_MODE === 'exit-at-start') {
  process.stderr.write('fixture: exiting at start\n');
  process.exit(2);
}
if (process.env.FIXTURE_MODE === 'silent') {
  process.stdin.resume();
} else if (process.env.FIXTURE_MODE === 'refuse-initialize') {
  process.stdin.setEncoding('utf8').on('data', (line) => {
    const { id } = JSON.parse(line);
    const error = { code: -32602, message: 'fixture refuses to initialize' };
    process.stdout.write(`${JSON.stringify({ jsonrpc: '2.0', id, error })}\n`);
  });
}
if (process.env.FIXTURE_STDIN_LOG) {
  const log = createWriteStream(process.env.FIXTURE_STDIN_LOG, { flags: 'a' });
  process.stdin.on('data', (chunk) => log.write(chunk));
}

if (process.env.FIXTURE_MODE) await new Promise(() => process.stdin.once('end', () => process.exit(0)));

const server = new McpServer(
  { name: 'stdio-fixture', version: '1.0.0' },
  { capabilities: { resources: { subscribe: true, listChanged: true } } },
);
const COUNTER = 'fixture://counter';
let count = 0;
const subscribed = new Set();
server.registerResource('counter', COUNTER, { description: 'A counter that `bump` raises' }, async () => ({
  contents: [{ uri: COUNTER, text: String(count) }],
}));
server.server.setRequestHandler('resources/subscribe', async ({ params }) => {
  if (params.uri !== COUNTER) throw new Error(`no resource ${params.uri}`);
  subscribed.add(params.uri);
  return {};
});
server.server.setRequestHandler('resources/unsubscribe', async ({ params }) => {
  subscribed.delete(params.uri);
  return {};
});
server.registerTool('bump', { description: 'Raises the counter, telling subscribers' }, async () => {
  count += 1;
  if (subscribed.has(COUNTER)) await server.server.sendResourceUpdated({ uri: COUNTER });
  return { content: [{ type: 'text', text: String(count) }] };
});
let extra = 0;
server.registerTool('add-tool', { description: 'Registers one more tool (tools/list changes)' }, async () => {
  extra += 1;
  server.registerTool(`extra-${extra}`, { description: 'Added at run time' }, async () => ({
    content: [{ type: 'text', text: 'extra' }],
  }));
  return { content: [{ type: 'text', text: `extra-${extra}` }] };
});
server.registerTool(
  'hello-world',
  { description: 'Greets you by name', inputSchema: z.object({ name: z.string() }) },
  async ({ name }) => ({ content: [{ type: 'text', text: `Hello, ${name}!` }] }),
);
server.registerTool('pid', { description: 'The process id of this server' }, async () => ({
  content: [{ type: 'text', text: String(process.pid) }],
}));
server.registerTool('env', { description: 'The environment of this server, as JSON' }, async () => ({
  content: [{ type: 'text', text: JSON.stringify(process.env) }],
}));
server.registerTool('progress', { description: 'Reports progress twice, then answers' }, async (ctx) => {
  const progressToken = ctx.mcpReq._meta?.progressToken;
  for (const progress of [1, 2]) {
    if (progressToken === undefined) break;
    await ctx.mcpReq.notify({
      method: 'notifications/progress',
      params: { progressToken, progress, total: 2 },
    });
  }
  return { content: [{ type: 'text', text: 'done' }] };
});
server.registerTool(
  'sleep',
  {
    description: 'Answers after ms milliseconds, or never when cancelled',
    inputSchema: z.object({ ms: z.number() }),
  },
  async ({ ms }, ctx) =>
    new Promise((resolve) => {
      const timer = setTimeout(() => resolve({ content: [{ type: 'text', text: 'slept' }] }), ms);
      ctx.mcpReq.signal.addEventListener('abort', () => clearTimeout(timer));
    }),
);
server.registerTool('crash', { description: 'Exits with code 3 without answering' }, async () => {
  process.exit(3);
});
server.registerTool(
  'crash-orphan',
  { description: 'Starts a process that keeps stdout and stderr open for 60 s, says its pid, exits with 3' },
  () =>
    new Promise(() => {
      const orphan = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], {
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      process.stderr.write(`fixture: orphan ${orphan.pid}\n`, () => process.exit(3));
    }),
);
server.registerTool(
  'stderr-flood',
  {
    description: 'Writes chars characters to stderr without a newline',
    inputSchema: z.object({ chars: z.number() }),
  },
  async ({ chars }) => {
    await new Promise((resolve) => process.stderr.write('x'.repeat(chars), resolve));
    return { content: [{ type: 'text', text: 'flooded' }] };
  },
);
await server.connect(new StdioServerTransport());
process.stderr.write(`fixture: ready as ${process.pid}\n`);
