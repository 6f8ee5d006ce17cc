import { describe, expect, it } from 'vitest';
import { loadCloudinarySdk } from '@rendition/testing';

const cloudinary = loadCloudinarySdk();
import { ApiError } from './api-error.ts';
import { fromJsonBody, normalizeParams, readBoolean, readList, readString } from './request-params.ts';
import type { RawParams } from './request-params.ts';

describe('normalizeParams', () => {
  it.each([
    [
      'plain fields',
      [
        ['a', '1'],
        ['b', '2'],
      ],
      { a: '1', b: '2' },
    ],
    [
      'repeated plain name keeps the last',
      [
        ['a', '1'],
        ['a', '2'],
      ],
      { a: '2' },
    ],
    [
      'x[] fields accumulate',
      [
        ['public_ids[]', 'a'],
        ['public_ids[]', 'b,c'],
      ],
      { public_ids: ['a', 'b,c'] },
    ],
    ['a single x[] is still a list', [['tags[]', 't']], { tags: ['t'] }],
    [
      'x[] after plain x replaces it',
      [
        ['t', 'p'],
        ['t[]', 'a'],
      ],
      { t: ['a'] },
    ],
    [
      'plain x after x[] replaces the list',
      [
        ['t[]', 'a'],
        ['t', 'p'],
      ],
      { t: 'p' },
    ],
    ['__proto__ is an ordinary field', [['__proto__', 'x']], { ['__proto__']: 'x' }],
  ] as Array<[string, Array<[string, string]>, RawParams]>)('%s', (_name, fields, expected) => {
    const params = normalizeParams(fields);
    expect({ ...params }).toEqual(expected);
    expect(Object.keys(params)).toEqual(Object.keys(expected));
  });
});

describe('fromJsonBody', () => {
  it('stringifies scalars, keeps scalar lists, drops nulls', () => {
    const params = fromJsonBody({ a: 's', n: 1.5, t: true, f: false, z: null, list: ['x', 2, false, null], nested: { k: [1] } });
    expect({ ...params }).toEqual({ a: 's', n: '1.5', t: 'true', f: 'false', list: ['x', '2', 'false'], nested: '{"k":[1]}' });
  });

  it('encodes context and metadata objects like the SDK', () => {
    const context = { alt: 'a=b|c', caption: 'x', n: 5, list: ['p|q', 'r'] };
    const params = fromJsonBody({ context, metadata: { color: ['red', 'blue'] } });
    expect(params.context).toBe(cloudinary.utils.encode_context(context));
    expect(params.metadata).toBe('color=["red","blue"]');
  });

  it('keeps lists of objects as JSON (access_control, responsive_breakpoints)', () => {
    const acl = [{ access_type: 'anonymous' }];
    expect(fromJsonBody({ access_control: acl }).access_control).toBe(JSON.stringify(acl));
  });

  it.each([null, 'text', [1], 3])('refuses a non-object body %j', (body) => {
    expect(() => fromJsonBody(body)).toThrow(ApiError);
  });
});

describe('fromJsonBody nesting bound', () => {
  const nested = (depth: number): unknown => {
    let value: unknown = 'leaf';
    for (let i = 0; i < depth; i++) value = i % 2 === 0 ? { a: value } : [value];
    return value;
  };

  it('takes a structured parameter up to 32 levels and refuses a deeper one with a 400, not a stack overflow', () => {
    expect(fromJsonBody({ regions: nested(32) }).regions).toBe(JSON.stringify(nested(32)));
    expect(() => fromJsonBody({ regions: nested(33) })).toThrow('Invalid JSON body: parameter regions is nested deeper than 32 levels');
    expect(() => fromJsonBody({ context: nested(100_000) })).toThrow(ApiError);
  });
});

describe('readers', () => {
  const params: RawParams = { s: 'x', empty: '', list: [' a ', '', 'b,c'], csv: ' a, ,b ,', t: 'TRUE', o: '1', f: 'False', z: '0', bad: 'yes' };

  it.each([
    ['s', 'x'],
    ['empty', undefined],
    ['missing', undefined],
    ['list', ' a ,,b,c'],
  ])('readString %s → %j', (name, expected) => {
    expect(readString(params, name)).toBe(expected);
  });

  it.each([
    ['t', false, true],
    ['o', false, true],
    ['f', true, false],
    ['z', true, false],
    ['missing', true, true],
    ['empty', false, false],
  ])('readBoolean %s (default %s) → %s', (name, fallback, expected) => {
    expect(readBoolean(params, name, fallback)).toBe(expected);
  });

  it('refuses a non-boolean, naming the parameter', () => {
    expect(() => readBoolean(params, 'bad', false)).toThrow("Invalid value 'yes' for parameter bad: expected true, false, 1 or 0");
    try {
      readBoolean(params, 'bad', false);
    } catch (error) {
      expect((error as ApiError).status).toBe(400);
    }
  });

  it.each([
    ['list', ['a', 'b,c']],
    ['csv', ['a', 'b']],
    ['missing', []],
  ])('readList %s → %j', (name, expected) => {
    expect(readList(params, name)).toEqual(expected);
  });
});
