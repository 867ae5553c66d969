import { type IdpLogger, startIdp } from '@portcullis/idp';
import { pino } from 'pino';
import { optionsFromEnv } from './config.js';

const log = pino({ name: 'portcullis-idp', level: process.env.PORTCULLIS_IDP_LOG_LEVEL ?? 'info' });
const logger: IdpLogger = {
  warn: (message, details) => log.warn(details ?? {}, message),
  error: (message, details) => log.error(details ?? {}, message),
};

const started = performance.now();
try {
  const running = await startIdp(optionsFromEnv(process.env), { logger });
  const { provider } = running.idp;
  // Events carry identifiers and error codes only: never tokens, codes, passwords or secrets.
  provider.on('registration_create.success', (_ctx, client) =>
    log.info({ client_id: client.clientId }, 'client registered'),
  );
  provider.on('grant.success', (ctx) => log.info({ client_id: ctx.oidc.client?.clientId }, 'tokens issued'));
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

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    running.close().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ error: String(error) }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (error) {
  log.fatal(
    { error: error instanceof Error ? error.message : String(error) },
    'cannot start identity provider',
  );
  process.exit(1);
}
