import { TemporarilyUnavailableError } from '@portcullis/metadata';
import { DAY_MS, type FacadeOptions } from '../options-facade.js';
import type { Store } from '../store.js';
import { NS } from './clients.js';

/**
 * Count a registration and refuse it past `registration.maxClients`: a client registered at `/register`, or
 * the IdP client registered for a client ID metadata document on its first authorization. Registrations are counted per day
 * (`facade-count:clients:<day>`, atomic increments, so replicas never exceed the cap together); a day's
 * registrations stop counting once they have expired (`ttl.clientDays`), to the day. A registration refused
 * because another one raced it to the last place takes its count back.
 */
export async function countRegistration(store: Store, facade: FacadeOptions): Promise<void> {
  const days = facade.ttl.clientDays;
  const ttl = (days + 1) * DAY_MS;
  const today = Math.floor(Date.now() / DAY_MS);
  const mine = await store.increment(NS.count, `clients:${today}`, 1, ttl);
  const earlier = await Promise.all(
    Array.from({ length: days - 1 }, (_, i) => store.get(NS.count, `clients:${today - 1 - i}`)),
  );
  const total = earlier.reduce<number>((sum, value) => sum + (typeof value === 'number' ? value : 0), mine);
  if (total > facade.registration.maxClients) {
    await store.increment(NS.count, `clients:${today}`, -1, ttl);
    throw new TemporarilyUnavailableError(
      'the proxy holds as many registered clients as it is configured to; try again once older registrations expire',
    );
  }
}
