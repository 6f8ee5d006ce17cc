import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hashBytes, hashFile } from '@rendition/scratch';

describe('hashBytes', () => {
  it("answers the byte count and MD5 (RFC 1321's test values)", () => {
    expect(hashBytes(Buffer.alloc(0))).toEqual({ bytes: 0, md5: 'd41d8cd98f00b204e9800998ecf8427e' });
    expect(hashBytes(Buffer.from('abc'))).toEqual({ bytes: 3, md5: '900150983cd24fb0d6963f7d28e17f72' });
  });

  it('measures bytes in memory as hashFile measures them in a file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hashing-test-'));
    try {
      const bytes = Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 31) % 256));
      const path = join(dir, 'bytes');
      await writeFile(path, bytes);
      expect(hashBytes(bytes)).toEqual({ bytes: 200_000, md5: (await hashFile(path)).md5 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
