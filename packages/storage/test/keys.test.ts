import { describe, expect, it } from 'vitest';
import { assertSafeKey, assetPrefix, derivedKey, InvalidKeyError, largeUploadKey, originalKey, stagingKey } from '@rendition/storage';

describe('storage keys', () => {
  it.each([
    [originalKey('a1', 'v1'), 'assets/a1/v1/original'],
    [derivedKey('a1', 'v1', '3f9c0b', 'webp'), 'assets/a1/v1/derived/3f9c0b.webp'],
    [stagingKey('u_1-x'), 'staging/u_1-x'],
    [largeUploadKey('0b6f7a1e-4c1d-4a8e-9f00-1a2b3c4d5e6f'), 'large-uploads/0b6f7a1e-4c1d-4a8e-9f00-1a2b3c4d5e6f'],
    [assetPrefix('a1'), 'assets/a1/'],
    [originalKey('0', 'x'.repeat(128)), `assets/0/${'x'.repeat(128)}/original`],
  ])('builds %s', (built, expected) => {
    expect(built).toBe(expected);
    assertSafeKey(built.endsWith('/') ? built.slice(0, -1) : built);
  });

  it.each([
    ['an empty id', () => originalKey('', 'v1')],
    ['an uppercase id', () => originalKey('A1', 'v1')],
    ['an id with a slash', () => originalKey('a/b', 'v1')],
    ['an id of dots', () => originalKey('..', 'v1')],
    ['an id starting with -', () => stagingKey('-x')],
    ['an id starting with _', () => stagingKey('_x')],
    ['an id of 129 characters', () => stagingKey('x'.repeat(129))],
    ['a public_id-like id', () => stagingKey('folder/my photo')],
    ["a client's upload id in an assembly key", () => largeUploadKey('Upload/../../x')],
    ['an uppercase assembly id', () => largeUploadKey('ABC')],
    ['a bad version', () => originalKey('a1', 'v.1')],
    ['a bad hash', () => derivedKey('a1', 'v1', 'h/../x', 'jpg')],
    ['an uppercase format', () => derivedKey('a1', 'v1', 'h', 'JPG')],
    ['a format with a dot', () => derivedKey('a1', 'v1', 'h', 'tar.gz')],
    ['an empty format', () => derivedKey('a1', 'v1', 'h', '')],
    ['a format of 11 characters', () => derivedKey('a1', 'v1', 'h', 'abcdefghijk')],
  ])('refuses %s', (_name, build) => {
    expect(build).toThrow(InvalidKeyError);
  });

  it.each(['a', 'a/b', 'A.b_c-d/0', '.hidden/x', 'a..b', 'x'.repeat(1024)])('accepts the safe key %s', (key) => {
    expect(() => assertSafeKey(key)).not.toThrow();
  });

  it.each(['', '/abs', '../x', 'a/..', 'a/../b', 'a/./b', '.', 'a//b', 'a/', 'a b', 'a\\b', 'a%2Fb', 'é', 'a\0b', 'x'.repeat(1025)])(
    'refuses the unsafe key %j',
    (key) => {
      expect(() => assertSafeKey(key)).toThrow(InvalidKeyError);
    },
  );
});
