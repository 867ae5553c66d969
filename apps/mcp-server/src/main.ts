import { answerWithoutRunning } from './cli.js';
import { ENV_PREFIX, type MainConfig, mainConfigSchema } from './options.js';
import { createReferenceMcpServer } from './server.js';

export type { MainConfig } from './options.js';
export { DEFAULT_PROXY_ISSUER } from './options.js';

/**
 * Read the environment. Standalone (default): `PORTCULLIS_MCP_PORT` (3030), `PORTCULLIS_MCP_RESOURCE`
 * (`http://localhost:3030/mcp`), `PORTCULLIS_MCP_ISSUER` (`http://localhost:8080`), `PORTCULLIS_MCP_JWKS_URI`
 * (`<issuer>/jwks`) and `PORTCULLIS_MCP_HOST` (`127.0.0.1`; a non-loopback bind needs an https resource).
 *
 * `PORTCULLIS_MCP_MODE=behind-proxy`: the server accepts only the identity JWT the Portcullis proxy mints per
 * request (issuer `PORTCULLIS_MCP_PROXY_ISSUER`, default `http://localhost:9090`; keys at
 * `PORTCULLIS_MCP_PROXY_JWKS_URI`, default `<proxy issuer>/.well-known/jwks.json`; `aud` = this server's
 * resource, default `http://127.0.0.1:<port>/mcp`), and it must bind to loopback so only the proxy reaches it.
 * @throws {Error} naming every variable that is wrong, one problem per line.
 */
export function configFromEnv(env: NodeJS.ProcessEnv): MainConfig {
  const ours = Object.fromEntries(
    Object.entries(env).filter(([name, value]) => name.startsWith(ENV_PREFIX) && value !== undefined),
  );
  const parsed = mainConfigSchema.safeParse(ours);
  if (!parsed.success) throw new Error(parsed.error.issues.map((issue) => issue.message).join('\n'));
  return parsed.data;
}

async function main(): Promise<void> {
  // `--help`, `--version` or an argument this app does not take: answer and start nothing.
  const answer = answerWithoutRunning(process.argv.slice(2));
  if (answer !== undefined) {
    process.stdout.write(answer.stdout);
    process.stderr.write(answer.stderr);
    process.exitCode = answer.exitCode;
    return;
  }
  const config = configFromEnv(process.env);
  const app = createReferenceMcpServer(config);
  const close = () => {
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', close);
  process.once('SIGTERM', close);
  await app.listen({ host: config.host, port: config.port });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
