import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { EndpointRewriter } from '../src/legacy-sse-rewrite.js';

async function run(chunks: readonly string[], rewrite = (url: string) => `https://proxy.example${url}`) {
  const out: Buffer[] = [];
  const stream = Readable.from(chunks.map((c) => Buffer.from(c))).pipe(new EndpointRewriter(rewrite));
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
});
