import { type IdpLogger, startIdp } from '@portcullis/idp';
import { pino } from 'pino';
import { answerWithoutRunning } from './cli.js';
import { runKeycloak } from './keycloak.js';
import { optionsFromEnv } from './options.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const level = process.env.PORTCULLIS_IDP_LOG_LEVEL || 'info';
// Checked before pino sees it (pino throws on an unknown level), and only when the IdP is to start: a bad level
// must neither crash `--help` nor start anything.
const log = pino({ name: 'portcullis-idp', level: LOG_LEVELS.includes(level) ? level : 'info' });
const logger: IdpLogger = {
  warn: (message, details) => log.warn(details ?? {}, message),
  error: (message, details) => log.error(details ?? {}, message),
};

const started = performance.now();

/**
 * Stop on the first SIGINT/SIGTERM. Handlers are installed before anything starts, so a Ctrl-C during a slow start
 * (Keycloak takes 30 s or more) still stops what was started, once it is up, instead of leaving a container behind.
 */
let close: (() => Promise<void>) | undefined;
let stopRequested = false;
function shutdown(): void {
  if (!close) return;
  close().then(
    () => process.exit(0),
    (error: unknown) => {
      log.error({ error: String(error) }, 'stop failed');
      process.exit(1);
    },
  );
}
function stopOnSignal(stop: () => Promise<void>): void {
  close = stop;
  if (stopRequested) shutdown();
}

// `--help`, `--version` or an argument this app does not take: answer and start nothing.
const answer = answerWithoutRunning(process.argv.slice(2));
if (answer === undefined && !LOG_LEVELS.includes(level)) {
  process.stderr.write(
    `portcullis-idp: PORTCULLIS_IDP_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(level)}\n`,
  );
  process.exitCode = 1;
} else if (answer === undefined) await start();
else {
  process.stdout.write(answer.stdout);
  process.stderr.write(answer.stderr);
  process.exitCode = answer.exitCode;
}

async function start(): Promise<void> {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopRequested) return;
      stopRequested = true;
      log.info({ signal }, close ? 'stopping' : 'stopping once the start has finished');
      shutdown();
    });
  }
  if (process.env.PORTCULLIS_IDP === 'keycloak') await runKeycloakMode();
  else await runEmbedded();
}

async function runKeycloakMode(): Promise<void> {
  try {
    const keycloak = await runKeycloak(process.env, log);
    // Nothing else holds the event loop once the container runs: keep the process (and so the container) alive
    // until a signal stops both.
    const keepAlive = setInterval(() => {}, 1 << 30);
    stopOnSignal(async () => {
      clearInterval(keepAlive);
      await keycloak.stop();
    });
  } catch (error) {
    log.fatal({ error: error instanceof Error ? error.message : String(error) }, 'cannot start Keycloak');
    process.exit(1);
  }
}

async function runEmbedded(): Promise<void> {
  try {
    const running = await startIdp(optionsFromEnv(process.env), { logger });
    const { provider } = running.idp;
    // Events carry identifiers and error codes only: never tokens, codes, passwords or secrets.
    provider.on('registration_create.success', (_ctx, client) =>
      log.info({ client_id: client.clientId }, 'client registered'),
    );
    provider.on('grant.success', (ctx) =>
      log.info({ client_id: ctx.oidc.client?.clientId }, 'tokens issued'),
    );
    provider.on('grant.error', (ctx, error) =>
      log.warn({ client_id: ctx.oidc.client?.clientId, error: error.error }, 'token request refused'),
    );
    provider.on('authorization.error', (_ctx, error) =>
      log.warn({ error: error.error }, 'authorization request refused'),
    );
    log.info(
      { issuer: running.issuer, url: running.url, startMs: Math.round(performance.now() - started) },
      'identity provider listening (dev/test only: in-memory state, demo users)',
    );
    stopOnSignal(() => running.close());
  } catch (error) {
    log.fatal(
      { error: error instanceof Error ? error.message : String(error) },
      'cannot start identity provider',
    );
    process.exit(1);
  }
}
