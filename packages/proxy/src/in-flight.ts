/** Something in flight that shutdown may have to end. */
export interface InFlightEntry {
  /** End it now (abort the upstream request, or end the stream to the client). */
  end(): void;
}

/**
 * The forwarded requests still in flight, so that shutdown can let them finish and then end what is left
 * (typically open SSE streams) after a grace period.
 */
export class InFlight {
  readonly #entries = new Set<InFlightEntry>();
  #waiters: (() => void)[] = [];
  #closed = false;

  get size(): number {
    return this.#entries.size;
  }

  /** `true` once a drain has ended what was left: from then on an added entry is ended at once. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Count `entry` as in flight. After the drain, it is ended at once instead: a request still being checked
   * or uploading when shutdown began reaches its handler late, and nothing else would end it.
   */
  add(entry: InFlightEntry): void {
    if (this.#closed) {
      entry.end();
      return;
    }
    this.#entries.add(entry);
  }

  delete(entry: InFlightEntry): void {
    this.#entries.delete(entry);
    if (this.#entries.size === 0) {
      for (const wake of this.#waiters) wake();
      this.#waiters = [];
    }
  }

  /**
   * Wait until nothing is in flight or `timeoutMs` has passed (entries added meanwhile count too), then end
   * whatever is left and every entry added later. Resolves with the number of entries that had to be ended.
   */
  async drain(timeoutMs: number): Promise<number> {
    if (this.#entries.size > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    this.#closed = true;
    const left = [...this.#entries];
    for (const entry of left) {
      this.#entries.delete(entry);
      entry.end();
    }
    return left.length;
  }
}
