import { TemporarilyUnavailableError } from '@portcullis/metadata';
import { DAY_MS, type FacadeOptions } from '../options-facade.js';
import type { Store } from '../store.js';
import { NS } from './clients.js';

/**
 * One place under `registration.maxClients`, taken by {@link countRegistration}.
 * @see countRegistration
 */
export interface RegistrationPlace {
  /**
   * Give the place back, once (later calls do nothing): for a registration that did not happen after all
   * (the IdP refused or could not be reached, or another replica registered the same client first). Never
   * rejects: `false` when the store could not be reached, and the place stays counted until its day expires.
   */
  release(): Promise<boolean>;
}

/**
 * Count a registration and refuse it past `registration.maxClients`: a client registered at `/register`, or
 * the IdP client registered for a client ID metadata document on its first authorization. Registrations are counted per day
 * (`facade-count:clients:<day>`, atomic increments, so replicas never exceed the cap together); a day's
 * registrations stop counting once they have expired (`ttl.clientDays`), to the day. A registration refused
 * because another one raced it to the last place takes its count back, and so does one whose
 * {@link RegistrationPlace.release} is called (an atomic decrement of the day it was counted on).
 * @throws {TemporarilyUnavailableError} past `registration.maxClients`.
 */
export async function countRegistration(store: Store, facade: FacadeOptions): Promise<RegistrationPlace> {
  const days = facade.ttl.clientDays;
  const ttl = (days + 1) * DAY_MS;
  const today = Math.floor(Date.now() / DAY_MS);
  const key = `clients:${today}`;
  const mine = await store.increment(NS.count, key, 1, ttl);
  const earlier = await Promise.all(
    Array.from({ length: days - 1 }, (_, i) => store.get(NS.count, `clients:${today - 1 - i}`)),
  );
  const total = earlier.reduce<number>((sum, value) => sum + (typeof value === 'number' ? value : 0), mine);
  if (total > facade.registration.maxClients) {
    await store.increment(NS.count, key, -1, ttl);
    throw new TemporarilyUnavailableError(
      'the proxy holds as many registered clients as it is configured to; try again once older registrations expire',
    );
  }
  let released = false;
  return {
    release: async () => {
      if (released) return true;
      released = true;
      return store.increment(NS.count, key, -1, ttl).then(
        () => true,
        () => false,
      );
    },
  };
}
