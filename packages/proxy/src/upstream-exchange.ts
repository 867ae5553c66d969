import type { ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';

/** Turns a failure before the response head into the error {@link UpstreamExchange.head} rejects with. */
export type ExchangeFailure = (error: Error, timedOut: boolean) => Error;

function aborted(message: string): Error {
  return Object.assign(new Error(message), { name: 'AbortError' });
}

/**
 * For an answer that is not a stream: its head is written just before its first byte (`writeHead`), and the body
 * may not pause for more than `idleMs`. `onStall` answers the client instead when the body stalls (`timeout`)
 * or the upstream fails (`failed`) before anything was sent to it.
 */
export interface StallGuard {
  readonly idleMs: number;
  readonly writeHead: () => void;
  readonly onStall: (reason: 'timeout' | 'failed', error?: Error) => void;
}

/**
 * One forwarded request, as an undici dispatch handler that writes the upstream's body straight into the
 * client's `ServerResponse`: no intermediate `Readable`, no `pipe`, no `AbortSignal` per request. Undici's
 * `request()` allocates all three for every call, a large share of the proxy's garbage collection in the
 * benchmark's allocation profile; this is the same flow control done with the dispatcher's own
 * `pause`/`resume`.
 *
 * Lifecycle: {@link head} resolves at the response head with the body paused; the caller then
 * {@link pipeTo}s a response, {@link discard}s the body, or {@link end}s the exchange.
 * @see https://github.com/nodejs/undici/blob/main/docs/docs/api/Dispatcher.md#dispatcherdispatchoptions-handler
 */
export class UpstreamExchange implements Dispatcher.DispatchHandler {
  /** Resolves with this exchange once status and headers arrived; rejects if the upstream failed first. */
  readonly head: Promise<UpstreamExchange>;
  status = 0;
  headers: Record<string, string | string[] | undefined> = {};
  #resolve!: (exchange: UpstreamExchange) => void;
  #reject!: (error: Error) => void;
  readonly #classify: ExchangeFailure;
  readonly #timer: NodeJS.Timeout;
  #timedOut = false;
  #controller: Dispatcher.DispatchController | undefined;
  #abortReason: Error | undefined;
  #started = false;
  #sink: ServerResponse | undefined;
  #holdLast = false;
  #held: Buffer | undefined;
  #early: Buffer[] | undefined;
  #discarding = false;
  #ended = false;
  #failed = false;
  #onClose: (() => void) | undefined;
  #idle: NodeJS.Timeout | undefined;
  #writeHead: (() => void) | undefined;
  #onStall: StallGuard['onStall'] | undefined;
  #failure: Error | undefined;
  /** Paused because the client is not reading: that time does not count against the idle limit. */
  #clientBusy = false;
  readonly #resume = () => {
    this.#clientBusy = false;
    this.#idle?.refresh();
    this.#controller?.resume();
  };

  constructor(timeoutMs: number, classify: ExchangeFailure) {
    this.#classify = classify;
    this.head = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    this.#timer = setTimeout(() => {
      this.#timedOut = true;
      this.#abort(aborted(`no response headers within ${timeoutMs} ms`));
    }, timeoutMs);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#abortReason !== undefined) controller.abort(this.#abortReason);
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
  ): void {
    if (statusCode < 200) return;
    // Undici keeps the raw header buffers (and the socket chunk they slice) on the controller for the life of
    // the request, about 1.6 KB per open stream; `headers` holds all this exchange reads of them.
    controller.rawHeaders = null;
    clearTimeout(this.#timer);
    this.#started = true;
    this.status = statusCode;
    this.headers = headers;
    controller.pause();
    this.#resolve(this);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    const sink = this.#sink;
    if (sink === undefined) {
      if (this.#discarding) return;
      if (this.#early === undefined) this.#early = [chunk];
      else this.#early.push(chunk);
      return;
    }
    this.#idle?.refresh();
    if (this.#holdLast) {
      const previous = this.#held;
      this.#held = chunk;
      if (previous === undefined) return;
      this.#head();
      if (sink.write(previous)) return;
    } else if (sink.write(chunk)) return;
    this.#clientBusy = true;
    controller.pause();
    sink.once('drain', this.#resume);
  }

  onResponseEnd(): void {
    this.#ended = true;
    const sink = this.#sink;
    if (sink === undefined) return;
    const last = this.#held;
    this.#held = undefined;
    this.#head();
    if (last === undefined) sink.end();
    else sink.end(last);
    this.#close();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    clearTimeout(this.#timer);
    if (!this.#started) {
      this.#started = true;
      this.#reject(this.#classify(error, this.#timedOut));
      return;
    }
    this.#failed = true;
    this.#failure = error;
    if (this.#sink === undefined) return;
    this.#fail(this.#sink);
  }

  /**
   * Stream the body into `sink`, whose head the caller has written; `onClose` runs once the body has ended
   * or failed. `holdLast` keeps each chunk until the next one arrives, so that a one-chunk answer leaves
   * with its headers and its end in a single write: for answers that are not streams only, since it delays
   * every chunk by one.
   */
  pipeTo(sink: ServerResponse, holdLast: boolean, onClose: () => void, stall?: StallGuard): void {
    this.#sink = sink;
    this.#holdLast = holdLast;
    this.#onClose = onClose;
    if (stall !== undefined) {
      this.#writeHead = stall.writeHead;
      this.#onStall = stall.onStall;
      this.#idle = setTimeout(() => this.#stalled(), stall.idleMs);
    }
    const early = this.#early;
    this.#early = undefined;
    if (early !== undefined && this.#controller !== undefined) {
      for (const chunk of early) this.onResponseData(this.#controller, chunk);
    }
    if (this.#failed) this.#fail(sink);
    else if (this.#ended) this.onResponseEnd();
    else if (this.#controller?.paused && sink.writableNeedDrain !== true) this.#controller.resume();
  }

  /** Read and drop the rest of the body, so that the upstream connection can be reused. */
  discard(): void {
    this.#discarding = true;
    this.#early = undefined;
    this.#controller?.resume();
  }

  /**
   * End it now: the client's response (if streaming) ends cleanly and the upstream request is aborted.
   * Used when the client went away and at shutdown; a no-op once the body has ended.
   */
  end(): void {
    const sink = this.#sink;
    this.#sink = undefined;
    this.#discarding = true;
    if (sink !== undefined && !this.#ended && !this.#failed) {
      this.#head();
      sink.end();
    }
    if (!this.#ended && !this.#failed) this.#abort(aborted('the forwarded request was ended'));
    this.#close();
  }

  /** Write the client's response head now, if the caller left that to the first byte (see {@link StallGuard}). */
  #head(): void {
    const writeHead = this.#writeHead;
    this.#writeHead = undefined;
    writeHead?.();
  }

  /**
   * No body byte for `idleMs`: the upstream request is aborted. If nothing has been sent to the client yet, the
   * caller answers instead (`onStall`); otherwise the client's response is cut, which its HTTP client reports.
   */
  #stalled(): void {
    const sink = this.#sink;
    if (sink === undefined || this.#ended || this.#failed) return;
    if (this.#clientBusy) {
      this.#idle?.refresh();
      return;
    }
    this.#sink = undefined;
    this.#discarding = true;
    this.#held = undefined;
    this.#abort(aborted('the upstream sent no body for too long'));
    if (this.#writeHead !== undefined) {
      this.#writeHead = undefined;
      this.#onStall?.('timeout');
    } else sink.destroy();
    this.#close();
  }

  /** The upstream failed mid-body: the caller answers if nothing was sent yet, else the response is cut. */
  #fail(sink: ServerResponse): void {
    this.#sink = undefined;
    this.#held = undefined;
    if (this.#writeHead !== undefined) {
      this.#writeHead = undefined;
      this.#onStall?.('failed', this.#failure);
    } else sink.destroy();
    this.#close();
  }

  #abort(reason: Error): void {
    if (this.#abortReason !== undefined) return;
    this.#abortReason = reason;
    this.#controller?.abort(reason);
  }

  #close(): void {
    clearTimeout(this.#idle);
    const callback = this.#onClose;
    this.#onClose = undefined;
    callback?.();
  }
}
