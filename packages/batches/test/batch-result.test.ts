import { describe, expect, it } from 'vitest';
import { applyResultChange, rawConvertEntries, type BatchResult, type BatchResultChange, type EagerResultItem } from '../src/batch-result.ts';

const item = (name: string): EagerResultItem => ({
  transformation: name,
  width: 10,
  height: 5,
  bytes: 99,
  format: 'jpg',
  url: `http://127.0.0.1/${name}`,
  secure_url: `https://127.0.0.1/${name}`,
});

// Cloudinary's response order: asset_id first, api_key last. Not alphabetical, so a sorting store would show.
const response = { asset_id: 'a1', public_id: 'p', version: 1, width: 4, height: 3, format: 'png', bytes: 7, url: 'u', api_key: 'k' };

interface Row {
  label: string;
  current: BatchResult | null;
  change: BatchResultChange;
  /** The expected result, compared together with its key order. */
  expected: BatchResult;
}

const rows: Row[] = [
  {
    label: 'upload-stored on an empty result: the response, as it is',
    current: null,
    change: { kind: 'upload-stored', response, keepEager: false },
    expected: { ...response },
  },
  {
    label: 'upload-stored with keepEager and no earlier items: no eager key appears',
    current: null,
    change: { kind: 'upload-stored', response, keepEager: true },
    expected: { ...response },
  },
  {
    label: 'upload-stored with keepEager keeps the items derived before, after the response fields',
    current: { eager: [item('e0'), item('e1')] },
    change: { kind: 'upload-stored', response, keepEager: true },
    expected: { ...response, eager: [item('e0'), item('e1')] },
  },
  {
    label: 'upload-stored without keepEager drops the earlier items (eager_async: the response has its placeholders)',
    current: { eager: [item('stale')] },
    change: { kind: 'upload-stored', response: { ...response, eager: [item('placeholder')] }, keepEager: false },
    expected: { ...response, eager: [item('placeholder')] },
  },
  {
    label: 'upload-stored drops every other field of the earlier result',
    current: { asset_id: 'old', stale: true },
    change: { kind: 'upload-stored', response, keepEager: true },
    expected: { ...response },
  },
  {
    label: 'upload-stored with a firstEagerItem puts it at index 0',
    current: null,
    change: { kind: 'upload-stored', response, keepEager: true, firstEagerItem: item('first') },
    expected: { ...response, eager: [item('first')] },
  },
  {
    label: 'upload-stored with keepEager and a firstEagerItem keeps the later items beside it',
    current: { eager: [item('old0'), item('e1')] },
    change: { kind: 'upload-stored', response, keepEager: true, firstEagerItem: item('first') },
    expected: { ...response, eager: [item('first'), item('e1')] },
  },
  {
    label: 'upload-stored without keepEager and with a firstEagerItem: only the first item',
    current: { eager: [item('old0'), item('e1')] },
    change: { kind: 'upload-stored', response, keepEager: false, firstEagerItem: item('first') },
    expected: { ...response, eager: [item('first')] },
  },
  {
    label: 'eager-item replaces its own index and keeps the others',
    current: { ...response, eager: [item('e0'), item('e1'), item('e2')] },
    change: { kind: 'eager-item', index: 1, item: item('new1') },
    expected: { ...response, eager: [item('e0'), item('new1'), item('e2')] },
  },
  {
    label: 'eager-item keeps the position of eager among the fields',
    current: { asset_id: 'a1', eager: [item('e0')], api_key: 'k' },
    change: { kind: 'eager-item', index: 0, item: item('new0') },
    expected: { asset_id: 'a1', eager: [item('new0')], api_key: 'k' },
  },
  {
    label: 'eager-item on a result whose eager is not a list starts a list',
    current: { asset_id: 'a1', eager: 'nonsense' as unknown as EagerResultItem[] },
    change: { kind: 'eager-item', index: 0, item: item('e0') },
    expected: { asset_id: 'a1', eager: [item('e0')] },
  },
  {
    label: 'raw-convert on a response with a pending info: the entry replaced, info kept where it was',
    current: { ...withoutKey(response, 'api_key'), info: { raw_convert: { extract_text: { status: 'pending' } } }, api_key: 'k' },
    change: { kind: 'raw-convert', conversion: 'extract_text', entry: { status: 'complete', data: { public_id: 'p.extract_text.json' } } },
    expected: {
      ...withoutKey(response, 'api_key'),
      info: { raw_convert: { extract_text: { status: 'complete', data: { public_id: 'p.extract_text.json' } } } },
      api_key: 'k',
    },
  },
  {
    label: 'raw-convert beside another conversion and other info: both kept',
    current: { ...response, info: { other: 1, raw_convert: { aspose: { status: 'pending' } } } },
    change: { kind: 'raw-convert', conversion: 'extract_text', entry: { status: 'failed', error: { message: 'no' } } },
    expected: {
      ...response,
      info: { other: 1, raw_convert: { aspose: { status: 'pending' }, extract_text: { status: 'failed', error: { message: 'no' } } } },
    },
  },
  {
    label: 'raw-convert on a result without info (or with a malformed one): info added last',
    current: { ...response, info: 'odd' },
    change: { kind: 'raw-convert', conversion: 'aspose', entry: { status: 'complete' } },
    expected: { ...response, info: { raw_convert: { aspose: { status: 'complete' } } } },
  },
  {
    label: 'raw-convert on a result whose info is null',
    current: { ...response, info: null },
    change: { kind: 'raw-convert', conversion: 'extract_text', entry: { status: 'complete' } },
    expected: { ...response, info: { raw_convert: { extract_text: { status: 'complete' } } } },
  },
  {
    label: 'raw-convert on an empty result',
    current: null,
    change: { kind: 'raw-convert', conversion: 'aspose', entry: { status: 'complete' } },
    expected: { info: { raw_convert: { aspose: { status: 'complete' } } } },
  },
];

function withoutKey(record: Record<string, unknown>, key: string): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([name]) => name !== key));
}

describe('applyResultChange', () => {
  it.each(rows)('$label', ({ current, change, expected }) => {
    const before = JSON.stringify(current);
    const result = applyResultChange(current, change);
    expect(result).toEqual(expected);
    // Stored as json to keep Cloudinary's field order: the order is part of the result.
    expect(JSON.stringify(result)).toBe(JSON.stringify(expected));
    expect(Object.keys(result)).toEqual(Object.keys(expected));
    // The current result is never edited in place (it is the locked row's copy).
    expect(JSON.stringify(current)).toBe(before);
  });

  it('puts an eager item at index 2 of an empty list, leaving holes before it', () => {
    const result = applyResultChange(null, { kind: 'eager-item', index: 2, item: item('e2') });
    expect(Object.keys(result)).toEqual(['eager']);
    expect(result.eager).toHaveLength(3);
    expect(0 in result.eager!).toBe(false);
    expect(1 in result.eager!).toBe(false);
    expect(result.eager![2]).toEqual(item('e2'));
    // As PostgreSQL's json stores it: the holes are nulls until their items arrive.
    expect(JSON.stringify(result)).toBe(`{"eager":[null,null,${JSON.stringify(item('e2'))}]}`);
    const filled = applyResultChange(JSON.parse(JSON.stringify(result)) as BatchResult, { kind: 'eager-item', index: 0, item: item('e0') });
    expect(filled.eager).toEqual([item('e0'), null, item('e2')]);
  });

  it('keeps the response field order for a response whose fields are not sorted', () => {
    const unordered = { z: 1, a: 2, m: 3, eager: [item('p')], b: 4 };
    const result = applyResultChange({ eager: [item('kept')] }, { kind: 'upload-stored', response: unordered, keepEager: false });
    expect(Object.keys(result)).toEqual(['z', 'a', 'm', 'eager', 'b']);
  });
});

describe('rawConvertEntries', () => {
  it('reads info.raw_convert, and nothing from results without it', () => {
    expect(rawConvertEntries({ info: { raw_convert: { aspose: { status: 'pending' } } } })).toEqual({ aspose: { status: 'pending' } });
    expect(rawConvertEntries({ info: { raw_convert: ['x'] } })).toEqual({});
    expect(rawConvertEntries({ info: null })).toEqual({});
    expect(rawConvertEntries(null)).toEqual({});
    expect(rawConvertEntries(undefined)).toEqual({});
  });
});
