import { Transform, type TransformCallback } from 'node:stream';

/**
 * Replaces the URL of the first `endpoint` event of an HTTP+SSE (2024-11-05) stream. `rewrite` gets the
 * upstream's URL (the event's data) and returns the URL the client must post to, or throws to end the
 * stream. Events before it pass unchanged, each once it is complete; after it the stream passes through
 * byte for byte, chunk by chunk (nothing is held back).
 * @see https://modelcontextprotocol.io/specification/2024-11-05/basic/transports#http-with-sse
 */
export class EndpointRewriter extends Transform {
  #pending = '';
  #done = false;

  constructor(private readonly rewrite: (upstreamUrl: string) => string) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.#done) {
      callback(null, chunk);
      return;
    }
    // latin1 keeps every byte as one character: nothing is lost or re-encoded.
    this.#pending += chunk.toString('latin1');
    try {
      this.#drainEvents();
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    if (this.#pending !== '') this.push(Buffer.from(this.#pending, 'latin1'));
    callback();
  }

  /** Emit every complete event held in `#pending`, rewriting the first `endpoint` event. */
  #drainEvents(): void {
    for (;;) {
      const end = /(\r\n|\r(?!\n|$)|\n)(\r\n|\r(?!\n|$)|\n)/.exec(this.#pending);
      if (end === null) return;
      const cut = end.index + end[0].length;
      const block = this.#pending.slice(0, cut);
      this.#pending = this.#pending.slice(cut);
      const lines = block.slice(0, end.index).split(/\r\n|\r|\n/);
      const type = lines
        .find((l) => l.startsWith('event:'))
        ?.slice(6)
        .trim();
      if (type !== 'endpoint') {
        this.push(Buffer.from(block, 'latin1'));
        continue;
      }
      const data = lines
        .filter((l) => l.startsWith('data:'))
        .map((l) => l.slice(5).replace(/^ /, ''))
        .join('\n');
      const url = this.rewrite(Buffer.from(data, 'latin1').toString('utf8'));
      this.push(Buffer.from(`event: endpoint\ndata: ${url}\n\n`, 'utf8'));
      this.#done = true;
      if (this.#pending !== '') this.push(Buffer.from(this.#pending, 'latin1'));
      this.#pending = '';
      return;
    }
  }
}
