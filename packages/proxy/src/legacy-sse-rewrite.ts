import { Transform, type TransformCallback } from 'node:stream';

/** The UTF-8 byte order mark as latin1 text: an event stream may start with it. */
const BOM = '\xEF\xBB\xBF';
/** Enough of a line to tell whether it is `event: endpoint` (and so that a long line is not kept). */
const LINE_KEPT = 64;

/** The field name and value of an event stream line (a line without a colon is a name with an empty value). */
function field(line: string): { name: string; value: string } {
  const colon = line.indexOf(':');
  if (colon === -1) return { name: line, value: '' };
  const value = line.slice(colon + 1);
  return { name: line.slice(0, colon), value: value.startsWith(' ') ? value.slice(1) : value };
}

/**
 * Replaces the URL of the `endpoint` event of an HTTP+SSE (2024-11-05) stream. `rewrite` gets the upstream's
 * URL (the event's data) and returns the URL the client must post to, or throws to end the stream. Events
 * before it pass unchanged, each once it is complete; after it the stream passes through byte for byte, chunk
 * by chunk (nothing is held back), and any later `endpoint` event ends the stream before the client can
 * dispatch it. Events are read as the WHATWG rules say: a leading BOM is ignored, the last `event:` line of an
 * event names its type, its `data:` lines are joined.
 * @see https://modelcontextprotocol.io/specification/2024-11-05/basic/transports#http-with-sse
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
 */
export class EndpointRewriter extends Transform {
  #pending = '';
  #bomChecked = false;
  #done = false;
  // After the rewrite: the start of the current line, whether it is longer, whether the previous chunk ended
  // with CR (a following LF belongs to it), and whether the current event's type is `endpoint`.
  #line = '';
  #lineLong = false;
  #afterCr = false;
  #endpoint = false;

  constructor(private readonly rewrite: (upstreamUrl: string) => string) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      // latin1 keeps every byte as one character: nothing is lost or re-encoded.
      if (this.#done) this.#pass(chunk, chunk.toString('latin1'));
      else {
        this.#pending += chunk.toString('latin1');
        this.#drainEvents();
      }
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
    if (!this.#bomChecked) {
      if (BOM.startsWith(this.#pending)) return;
      if (this.#pending.startsWith(BOM)) this.#pending = this.#pending.slice(BOM.length);
      this.#bomChecked = true;
    }
    for (;;) {
      const end = /(\r\n|\r(?!\n|$)|\n)(\r\n|\r(?!\n|$)|\n)/.exec(this.#pending);
      if (end === null) return;
      const cut = end.index + end[0].length;
      const block = this.#pending.slice(0, cut);
      this.#pending = this.#pending.slice(cut);
      let type = '';
      const data: string[] = [];
      for (const line of block.slice(0, end.index).split(/\r\n|\r|\n/)) {
        const { name, value } = field(line);
        if (name === 'event') type = value;
        else if (name === 'data') data.push(value);
      }
      // An event without data is not dispatched: nothing to rewrite.
      if (type !== 'endpoint' || data.length === 0) {
        this.push(Buffer.from(block, 'latin1'));
        continue;
      }
      const url = this.rewrite(Buffer.from(data.join('\n'), 'latin1').toString('utf8'));
      this.push(Buffer.from(`event: endpoint\ndata: ${url}\n\n`, 'utf8'));
      this.#done = true;
      const rest = this.#pending;
      this.#pending = '';
      if (rest !== '') this.#pass(Buffer.from(rest, 'latin1'), rest);
      return;
    }
  }

  /** After the rewrite: pass `chunk` (`text` in latin1) on, unless it completes another `endpoint` event. */
  #pass(chunk: Buffer, text: string): void {
    let from = this.#afterCr && text.startsWith('\n') ? 1 : 0;
    this.#afterCr = text.endsWith('\r');
    const eol = /\r\n|\r|\n/g;
    eol.lastIndex = from;
    for (let m = eol.exec(text); m !== null; m = eol.exec(text)) {
      this.#take(text.slice(from, m.index));
      from = m.index + m[0].length;
      if (this.#line !== '' || this.#lineLong) {
        const { name, value } = field(this.#line);
        if (name === 'event') this.#endpoint = !this.#lineLong && value === 'endpoint';
      } else if (this.#endpoint) {
        // Cut before the empty line that would dispatch it: the client drops an unfinished event.
        if (m.index > 0) this.push(chunk.subarray(0, m.index));
        throw new Error('the upstream sent a second endpoint event');
      }
      this.#line = '';
      this.#lineLong = false;
    }
    this.#take(text.slice(from));
    this.push(chunk);
  }

  /** Keep the start of the current line, enough to read an `event` field. */
  #take(part: string): void {
    if (this.#lineLong || part === '') return;
    this.#line += part;
    if (this.#line.length > LINE_KEPT) {
      this.#line = this.#line.slice(0, LINE_KEPT);
      this.#lineLong = true;
    }
  }
}
