import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { EndpointRewriter } from '../src/legacy-sse-rewrite.js';

async function run(
  chunks: readonly (string | Buffer)[],
  rewrite = (url: string) => `https://proxy.example${url}`,
) {
  const out: Buffer[] = [];
  const buffers = chunks.map((c) => (typeof c === 'string' ? Buffer.from(c) : c));
  const stream = Readable.from(buffers).pipe(new EndpointRewriter(rewrite));
  for await (const chunk of stream) out.push(chunk as Buffer);
  return Buffer.concat(out).toString('utf8');
}

describe('EndpointRewriter', () => {
  it('rewrites the endpoint event split across chunks, with CRLF line ends', async () => {
    const out = await run([
      ': hi\r\n\r\nevent: endp',
      'oint\r\ndata: /messages?sessionId=u1\r',
      '\n\r\nevent: message\r\n',
    ]);
    expect(out).toBe(
      ': hi\r\n\r\nevent: endpoint\ndata: https://proxy.example/messages?sessionId=u1\n\nevent: message\r\n',
    );
  });

  it('passes everything after the endpoint event byte for byte', async () => {
    const tail = 'event: message\ndata: {"text":"héllo ✓"}\n\n';
    const out = await run(['event: endpoint\ndata: /m?s=1\n\n', tail.slice(0, 30), tail.slice(30)]);
    expect(out).toBe(`event: endpoint\ndata: https://proxy.example/m?s=1\n\n${tail}`);
  });

  it('fails the stream when the rewrite refuses the URL', async () => {
    const refuse = () => {
      throw new Error('foreign origin');
    };
    await expect(run(['event: endpoint\ndata: https://evil.example/m\n\n'], refuse)).rejects.toThrow(
      'foreign origin',
    );
  });

  it('reads events as the WHATWG rules say: BOM ignored, the last event field wins, data lines joined', async () => {
    const seen: string[] = [];
    const keep = (url: string) => {
      seen.push(url);
      return 'https://proxy.example/m';
    };
    // The BOM split across chunks.
    await run([Buffer.from([0xef, 0xbb]), Buffer.from('\xBFevent: endpoint\ndata: /a\n\n', 'latin1')], keep);
    await run(['event: message\nevent: endpoint\ndata: /b\ndata: x\n\n'], keep);
    expect(await run(['event: endpoint\nevent: message\ndata: /c\n\n'], keep)).toBe(
      'event: endpoint\nevent: message\ndata: /c\n\n',
    );
    expect(seen).toEqual(['/a', '/b\nx']);
  });

  it('ends the stream at a second endpoint event, before the client can dispatch it', async () => {
    const out: Buffer[] = [];
    const chunks = [
      'event: endpoint\ndata: /m?s=1\n\nevent: message\ndata: {}\n\n',
      'event: message\r\nevent: endp',
      'oint\r\ndata: https://evil.example/x\r',
      '\n\r\n',
    ];
    const stream = Readable.from(chunks.map((c) => Buffer.from(c))).pipe(
      new EndpointRewriter((url) => `https://proxy.example${url}`),
    );
    stream.on('data', (chunk: Buffer) => out.push(chunk));
    const error = await new Promise<Error>((resolve) => stream.once('error', resolve));
    expect(error.message).toContain('second endpoint event');
    const text = Buffer.concat(out).toString('utf8');
    expect(text).toMatch(
      /^event: endpoint\ndata: https:\/\/proxy\.example\/m\?s=1\n\nevent: message\ndata: \{\}\n\n/,
    );
    // Everything up to the empty line that would have dispatched it, not that line.
    expect(text.endsWith('data: https://evil.example/x\r\n')).toBe(true);
  });
});
