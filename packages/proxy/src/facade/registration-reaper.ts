import type { FastifyBaseLogger } from 'fastify';
import { DAY_MS } from '../options-facade.js';
import type { JsonValue, Store } from '../store.js';
import { NS } from './clients.js';
import type { IdpClient, RegistrationManagement } from './idp-client.js';
import type { StoreSealer } from './sealed.js';

/** How long an entry outlives its due time, so that a sweep after an outage of all replicas still finds it. */
const GRACE_MS = 30 * DAY_MS;
/** How long an entry this replica cannot open (another `facade.storeKey`) is left to the other replicas. */
const UNREADABLE_WAIT_MS = 7 * DAY_MS;
/** A deletion the IdP could not answer (down, 5xx, timeout) is tried on this many sweeps in all. */
export const MAX_DELETE_ATTEMPTS = 5;

/** What the store keeps per IdP client, under `facade-reap:<IdP client_id>`. */
interface ReapEntry {
  /** The MCP client the IdP client was registered for. */
  readonly owner: string;
  /** When the registration expires here, in ms since the epoch. */
  readonly due: number;
  readonly attempts: number;
  /** The {@link RegistrationManagement}, sealed when `facade.storeKey` is set. */
  readonly management: JsonValue;
}

function isEntry(value: unknown): value is ReapEntry {
  const entry = value as Partial<ReapEntry> | null | undefined;
  return (
    typeof entry?.owner === 'string' && typeof entry.due === 'number' && typeof entry.attempts === 'number'
  );
}

/** What one {@link RegistrationReaper.sweep} did. */
export interface SweepResult {
  /** Deleted at the IdP, or already gone there (404). */
  readonly deleted: number;
  /** The IdP could not answer; kept for the next sweep. */
  readonly retried: number;
  /** Given up: refused by the IdP, out of attempts, or sealed with another key. Logged, to delete by hand. */
  readonly dropped: number;
}

/** Settings of {@link RegistrationReaper}. */
export interface RegistrationReaperOptions {
  readonly store: Store;
  readonly idp: IdpClient;
  readonly sealer: StoreSealer | undefined;
  readonly log: FastifyBaseLogger;
  /** True while the MCP client `owner` still uses the IdP client `clientId` here (its entry has not expired). */
  readonly inUse: (owner: string, clientId: string) => Promise<boolean>;
}

type Outcome = 'deleted' | 'refused' | 'failed';

/**
 * Deletes at the IdP (RFC 7592 §2.3) the clients the facade registered there once their registration here has
 * expired, so that an IdP such as Keycloak does not collect one client per MCP client forever. Each IdP client
 * the proxy registers is remembered in the store with its management URI and token (sealed with
 * `facade.storeKey`) and the time it expires here; every replica sweeps, and `take` gives each entry to
 * exactly one of them. A client still in use here is never deleted, whatever the clocks say.
 * @see https://www.rfc-editor.org/rfc/rfc7592#section-2.3
 */
export class RegistrationReaper {
  readonly #o: RegistrationReaperOptions;

  constructor(options: RegistrationReaperOptions) {
    this.#o = options;
  }

  /** Remember the IdP client `clientId`, registered for `owner`, for deletion after `due` (ms since the epoch). */
  async remember(
    clientId: string,
    owner: string,
    management: RegistrationManagement,
    due: number,
  ): Promise<void> {
    const sealer = this.#o.sealer;
    const value = { ...management };
    const entry: ReapEntry = {
      owner,
      due,
      attempts: 0,
      management: sealer === undefined ? value : await sealer.seal(`reap:${clientId}`, value),
    };
    const ttlMs = Math.max(1, Math.ceil(due - Date.now())) + GRACE_MS;
    await this.#o.store.set(NS.reap, clientId, entry as unknown as JsonValue, ttlMs);
  }

  /** Delete at once an IdP client nobody here uses (another replica won a registration race). */
  async discard(clientId: string, owner: string, management: RegistrationManagement): Promise<void> {
    if ((await this.#delete(clientId, management)) === 'failed') {
      await this.remember(clientId, owner, management, Date.now());
    } else {
      await this.#o.store.delete(NS.reap, clientId);
    }
  }

  /** Delete every remembered IdP client that is due and no longer in use here. */
  async sweep(now = Date.now()): Promise<SweepResult> {
    const { store, log } = this.#o;
    let deleted = 0;
    let retried = 0;
    let dropped = 0;
    for (const clientId of await store.keys(NS.reap)) {
      const seen = await store.get(NS.reap, clientId);
      if (!isEntry(seen) || seen.due > now || (await this.#o.inUse(seen.owner, clientId))) continue;
      // Sealed with a key this replica lacks: left to a replica that has it, for a while.
      const readable = (await this.#open(clientId, seen.management)) !== undefined;
      if (!readable && now < seen.due + UNREADABLE_WAIT_MS) continue;
      const entry = await store.take(NS.reap, clientId);
      if (!isEntry(entry)) continue;
      const management = await this.#open(clientId, entry.management);
      if (management === undefined) {
        log.warn(
          { idpClientId: clientId },
          'facade: no replica could read how to delete an expired IdP client for 7 days (written with another facade.storeKey?); delete it at the IdP by hand',
        );
        dropped++;
        continue;
      }
      const outcome = await this.#delete(clientId, management);
      if (outcome === 'deleted') deleted++;
      else if (outcome === 'refused') dropped++;
      else if (entry.attempts + 1 < MAX_DELETE_ATTEMPTS) {
        const ttlMs = Math.max(1, Math.ceil(entry.due + GRACE_MS - Date.now()));
        const next: ReapEntry = { ...(entry as ReapEntry), attempts: entry.attempts + 1 };
        await store.set(NS.reap, clientId, next as unknown as JsonValue, ttlMs);
        retried++;
      } else {
        log.error(
          { idpClientId: clientId, attempts: MAX_DELETE_ATTEMPTS },
          'facade: giving up deleting an expired IdP client; delete it at the IdP by hand',
        );
        dropped++;
      }
    }
    return { deleted, retried, dropped };
  }

  async #open(clientId: string, stored: JsonValue): Promise<RegistrationManagement | undefined> {
    const sealer = this.#o.sealer;
    const value = sealer === undefined ? stored : await sealer.open(`reap:${clientId}`, stored);
    const management = value as Partial<RegistrationManagement> | null | undefined;
    return typeof management?.uri === 'string' && typeof management.token === 'string'
      ? { uri: management.uri, token: management.token }
      : undefined;
  }

  async #delete(clientId: string, management: RegistrationManagement): Promise<Outcome> {
    const log = this.#o.log;
    let status: number;
    try {
      status = await this.#o.idp.deleteRegistration(management);
    } catch (error) {
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      log.warn({ idpClientId: clientId, reason }, 'facade: could not reach the IdP to delete an IdP client');
      return 'failed';
    }
    if (status === 200 || status === 204 || status === 404) {
      log.info({ idpClientId: clientId, status }, 'facade: deleted an IdP client no longer used (RFC 7592)');
      return 'deleted';
    }
    if (status === 401 || status === 403 || status === 405) {
      log.warn(
        { idpClientId: clientId, status },
        'facade: the IdP refused to delete an IdP client; delete it there by hand if it still exists',
      );
      return 'refused';
    }
    log.warn({ idpClientId: clientId, status }, 'facade: the IdP failed to delete an IdP client; will retry');
    return 'failed';
  }
}
