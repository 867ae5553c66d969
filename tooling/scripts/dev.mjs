#!/usr/bin/env node
// `pnpm dev [--idp embedded|keycloak]`: the whole stack on this machine, through turbo (one log stream, a prefix
// per part), then a banner with the URLs and the line to connect once every part answers. Ctrl-C (or SIGTERM)
// stops turbo, which stops each part; apps/idp stops its Keycloak container itself.
// Written by hand: turbo runs the parts but has no "ready" notion, and `pnpm dev --idp keycloak` needs a flag
// turbo would refuse.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function usage(message) {
  if (message) console.error(`pnpm dev: ${message}`);
  console.error('usage: pnpm dev [--idp embedded|keycloak]   (or PORTCULLIS_IDP=keycloak pnpm dev)');
  process.exit(2);
}

let values;
try {
  ({ values } = parseArgs({ options: { idp: { type: 'string' }, help: { type: 'boolean', short: 'h' } } }));
} catch (error) {
  usage(error.message);
}
if (values.help) usage();
const idp = values.idp ?? process.env.PORTCULLIS_IDP ?? 'embedded';
if (idp !== 'embedded' && idp !== 'keycloak')
  usage(`--idp must be embedded or keycloak, not ${JSON.stringify(idp)}`);

const keycloak = idp === 'keycloak';
const env = {
  ...process.env,
  PORTCULLIS_IDP: idp,
  PORTCULLIS_PROXY_CONFIG:
    process.env.PORTCULLIS_PROXY_CONFIG ??
    (keycloak ? 'examples/portcullis.keycloak-facade.yaml' : 'examples/portcullis.facade.yaml'),
  TURBO_TELEMETRY_DISABLED: '1',
};
const issuer = keycloak ? 'http://127.0.0.1:8080/realms/mcp' : 'http://localhost:8080';
const checks = [
  ['identity provider', `${issuer}/.well-known/openid-configuration`],
  ['proxy', 'http://localhost:9090/healthz'],
  ['MCP server (through the proxy)', 'http://localhost:9090/readyz'],
];

// Its own process group: `node_modules/.bin/turbo` is a Node wrapper that does not pass signals on to the
// turbo binary, so a signal sent to this script alone (not Ctrl-C, which reaches the whole terminal group)
// must go to the whole group.
const turbo = spawn(join(root, 'node_modules', '.bin', 'turbo'), ['run', 'dev', '--filter=./apps/*'], {
  cwd: root,
  env,
  stdio: 'inherit',
  detached: true,
});

const signalTurbo = (signal) => {
  try {
    process.kill(-turbo.pid, signal);
  } catch {
    // Already gone.
  }
};
let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    console.error(`\n[dev] ${signal}: stopping every part…`);
    signalTurbo(signal);
    setTimeout(() => signalTurbo('SIGKILL'), 15_000).unref();
  });
}
turbo.on('exit', (code, signal) => process.exit(signal ? 0 : (code ?? 1)));

async function answers(url) {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

// Keycloak needs up to a few minutes on a cold start; the embedded IdP a few seconds.
const deadline = Date.now() + (keycloak ? 600_000 : 180_000);
const pending = new Set(checks.map(([name]) => name));
while (pending.size > 0 && !stopping) {
  for (const [name, url] of checks) if (pending.has(name) && (await answers(url))) pending.delete(name);
  if (pending.size === 0 || stopping) break;
  if (Date.now() > deadline) {
    console.error(`[dev] still waiting for: ${[...pending].join(', ')}; see the log lines above.`);
    break;
  }
  await new Promise((resolve) => setTimeout(resolve, 1_000));
}
if (pending.size === 0 && !stopping) {
  const users = keycloak
    ? 'alice / alice-pass, bob / bob-pass (realm mcp)'
    : 'alice / alice-pass, bob / bob-pass';
  console.log(
    [
      '',
      '┌ Portcullis dev stack is up ─────────────────────────────────────────────',
      `│ Identity provider (${idp.padEnd(8)}) ${issuer}   users: ${users}`,
      '│ Proxy (facade mode)          http://localhost:9090      issuer of the tokens clients see',
      '│ MCP endpoint                 http://localhost:9090/mcp  (the MCP server on 127.0.0.1:3030 only trusts the proxy)',
      '│',
      '│ Connect:          pnpm portcullis connect http://localhost:9090/mcp',
      '│                   (without pnpm installed: npx -y pnpm@12.4.2 portcullis connect http://localhost:9090/mcp)',
      '│ MCP Inspector:    npx @modelcontextprotocol/inspector  → Streamable HTTP, URL http://localhost:9090/mcp',
      '│ Stop:             Ctrl-C',
      '└──────────────────────────────────────────────────────────────────────────',
      '',
    ].join('\n'),
  );
}
