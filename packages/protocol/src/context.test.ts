import { describe, expect, it } from 'vitest';
import { loadCloudinarySdk } from '@rendition/testing';

const cloudinary = loadCloudinarySdk();
import { ApiError } from './api-error.ts';
import { checkContextLimits, contextBytes, encodeContext, longerThan, parseContext } from './context.ts';
import { checkTagLimits, parseTags } from './tags.ts';
import { DEFAULT_PARAMETER_LIMITS } from './upload-request.ts';

describe('parseContext', () => {
  it.each([
    ['', {}],
    ['alt=hello', { alt: 'hello' }],
    ['alt=a\\=b\\|c|caption=x', { alt: 'a=b|c', caption: 'x' }],
    ['k=v=w', { k: 'v=w' }],
    ['k=a\\b', { k: 'a\\b' }],
    ['flag', { flag: '' }],
    ['f=|g=1', { f: '', g: '1' }],
    ['|a=1||', { a: '1' }],
    ['=v|a=1', { a: '1' }],
    ['colors=["red","blue"]', { colors: '["red","blue"]' }],
    ['{"alt":"x|y","n":5,"list":["a"],"z":null}', { alt: 'x|y', n: '5', list: '["a"]' }],
    ['{not json', { '{not json': '' }],
    ['ключ=значение', { ключ: 'значение' }],
  ])('%j', (encoded, expected) => {
    expect({ ...parseContext(encoded) }).toEqual(expected);
  });

  it('round-trips the SDK test values (reference §4.5)', () => {
    const context = { key1: 'value1', key2: 'value2', key3: 'val=u|e3', key4: 'val=ue' };
    expect({ ...parseContext(cloudinary.utils.encode_context(context)) }).toEqual(context);
  });
});

describe('encodeContext matches the SDK encode_context', () => {
  it.each([
    [{ alt: 'hello' }],
    [{ alt: 'a=b|c', caption: 'x y' }],
    [{ count: 5, zero: 0, negative: -3 }],
    [{ colors: ['red', 'g=r|een'] }],
    [{ empty: '' }],
    [{ unicode: 'ü😀' }],
  ])('%j', (values) => {
    expect(encodeContext(values)).toBe(cloudinary.utils.encode_context(values));
  });

  it('keeps the key where the SDK drops it, skips nulls', () => {
    expect(encodeContext({ ratio: 1.5, ok: true, none: null, obj: { a: 1 } })).toBe('ratio=1.5|ok=true|obj={"a":1}');
  });
});

describe('parseTags', () => {
  it.each([
    [{ tags: 'a, b ,a,,c' }, ['a', 'b', 'c']],
    [{ tags: ['x', ' y ', 'x'] }, ['x', 'y']],
    [{}, []],
    [{ tags: 'tag3Å' }, ['tag3Å']],
  ])('%j → %j', (params, expected) => {
    expect(parseTags(params)).toEqual(expected);
  });

  it('reads another parameter name', () => {
    expect(parseTags({ tag: 'a,b' }, 'tag')).toEqual(['a', 'b']);
  });

  it('refuses a tag over 255 characters', () => {
    expect(() => parseTags({ tags: 'a'.repeat(256) })).toThrow(ApiError);
    expect(parseTags({ tags: 'a'.repeat(255) })).toHaveLength(1);
  });

  it('refuses more than 1000 tags', () => {
    expect(() => parseTags({ tags: Array.from({ length: 1001 }, (_, i) => `t${i}`) })).toThrow('Too many tags');
  });
});

describe('context limits (hardening item 6)', () => {
  const limits = DEFAULT_PARAMETER_LIMITS;

  it('counts characters by code point', () => {
    expect(longerThan('abc', 3)).toBe(false);
    expect(longerThan('abcd', 3)).toBe(true);
    expect(longerThan('😀😀😀', 3)).toBe(false);
    expect(longerThan('😀😀😀😀', 3)).toBe(true);
    expect(longerThan('x'.repeat(10_000_000), 1024)).toBe(true);
  });

  it('measures a context in UTF-8 bytes of keys and values', () => {
    expect(contextBytes({})).toBe(0);
    expect(contextBytes({ ab: 'cd', é: '😀' })).toBe(2 + 2 + 2 + 4);
  });

  it.each([
    [{ ['k'.repeat(129)]: 'v' }, "Invalid context key 'kkkk"],
    [{ alt: 'v'.repeat(1025) }, "Invalid context value for key 'alt': longer than 1024 characters"],
    [
      Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`k${i}`, 'v'.repeat(1000)])),
      'Context too large: 9018 bytes of keys and values, at most 8192 are allowed',
    ],
  ])('refuses %#', (context, message) => {
    expect(() => checkContextLimits(context, limits)).toThrow(message);
  });

  it('parses without limits when none are given (stored values, metadata), with them for a context parameter', () => {
    const encoded = `alt=${'x'.repeat(5000)}`;
    expect(parseContext(encoded).alt).toHaveLength(5000);
    expect(() => parseContext(encoded, limits)).toThrow(ApiError);
    expect(() => parseContext(JSON.stringify({ alt: 'x'.repeat(5000) }), limits)).toThrow('longer than 1024');
  });

  it('refuses 20,000 keys', () => {
    const encoded = Array.from({ length: 20_000 }, (_, i) => `k${i}=v`).join('|');
    expect(() => parseContext(encoded, limits)).toThrow('Context too large');
  });
});

describe('tag limits (hardening item 6)', () => {
  it('applies configured limits', () => {
    const limits = { tagMaxLength: 5, tagsMaxPerAsset: 2 };
    expect(() => parseTags({ tags: 'abcdef' }, 'tags', limits)).toThrow('Invalid tag abcdef: longer than 5 characters');
    expect(() => parseTags({ tags: 'a,b,c' }, 'tags', limits)).toThrow('Too many tags: at most 2 are allowed, got 3');
    expect(parseTags({ tags: 'a,b,a' }, 'tags', limits)).toEqual(['a', 'b']);
    expect(() => checkTagLimits(['ok', 'x'.repeat(6)], limits)).toThrow(ApiError);
  });
});
