import { describe, expect, it, vi } from 'vitest';

// Node 20 before 20.12 has no crypto.hash; the signer then digests with createHash. This file's node:crypto
// has no `hash`, so the signer takes that path; the digests are FIPS 180-2's published SHA-256 vectors.
vi.mock('node:crypto', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:crypto')>();
  return { ...real, hash: undefined, default: { ...real, hash: undefined } };
});

const { sha256Hex } = await import('../../shared/signing/signer');

describe('SHA-256 without crypto.hash (Node 20 before 20.12)', () => {
  it('the module under test really has no crypto.hash', async () => {
    const crypto = await import('node:crypto');
    expect((crypto as { hash?: unknown }).hash).toBeUndefined();
  });

  it.each([
    ['', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['abc', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    ['abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq', '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1'],
  ])('sha256Hex(%j)', (input, digest) => {
    expect(sha256Hex(input)).toBe(digest);
    expect(sha256Hex(Buffer.from(input))).toBe(digest);
  });
});
