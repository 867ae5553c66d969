import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { pkcePair } from '../src/index.js';

describe('pkcePair', () => {
  it('returns a 43-character base64url verifier and its S256 challenge', async () => {
    const { verifier, challenge } = await pkcePair();
    expect(verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(challenge).toBe(createHash('sha256').update(verifier).digest('base64url'));
  });

  it('draws a new verifier every time', async () => {
    const [a, b] = await Promise.all([pkcePair(), pkcePair()]);
    expect(a.verifier).not.toBe(b.verifier);
    expect(a.challenge).not.toBe(b.challenge);
  });
});
