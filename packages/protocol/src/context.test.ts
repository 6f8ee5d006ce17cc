import { describe, expect, it } from 'vitest';
import { loadCloudinarySdk } from '@rendition/testing';

const cloudinary = loadCloudinarySdk();
import { ApiError } from './api-error.ts';
import { encodeContext, parseContext } from './context.ts';
import { parseTags } from './tags.ts';

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
