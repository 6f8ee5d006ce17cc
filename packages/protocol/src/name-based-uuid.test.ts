import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { nameBasedUuid } from './name-based-uuid.ts';

describe('nameBasedUuid', () => {
  it('is the SHA-1 of the name in the version-5 layout, the same for the same name', () => {
    const id = nameBasedUuid('derive:abc');
    const hex = createHash('sha1').update('derive:abc').digest('hex');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(id.replaceAll('-', '')).toBe(`${hex.slice(0, 12)}5${hex.slice(13, 16)}${id.slice(19, 21)}${hex.slice(18, 32)}`);
    expect(nameBasedUuid('derive:abc')).toBe(id);
    expect(nameBasedUuid('derive:abd')).not.toBe(id);
  });

  it('keeps the variant bits 10 and the low six bits of the hash byte', () => {
    for (const name of ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']) {
      const hex = createHash('sha1').update(name).digest('hex');
      const byte = parseInt(hex.slice(16, 18), 16);
      expect(parseInt(nameBasedUuid(name).slice(19, 21), 16)).toBe((byte & 0x3f) | 0x80);
    }
  });

  it('matches a value computed by hand', () => {
    // sha1("x") = 11f6ad8ec52a2984abaafd7c3b516503785c2072
    expect(nameBasedUuid('x')).toBe('11f6ad8e-c52a-5984-abaa-fd7c3b516503');
  });
});
