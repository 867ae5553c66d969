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

  get size(): number {
    return this.#entries.size;
  }

  add(entry: InFlightEntry): void {
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
   * Wait until nothing is in flight or `timeoutMs` has passed, then end whatever is left.
   * Resolves with the number of entries that had to be ended.
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
    const left = [...this.#entries];
    for (const entry of left) {
      this.#entries.delete(entry);
      entry.end();
    }
    return left.length;
  }
}
