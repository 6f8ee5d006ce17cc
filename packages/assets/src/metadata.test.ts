import { describe, expect, it } from 'vitest';
import {
  checkMetadataValue,
  isIsoDate,
  MAX_DATASOURCE_VALUES,
  passesValidation,
  pendingListValues,
  resolveMetadata,
  withListValues,
  type MetadataFieldDefinition,
} from './metadata.ts';
import { mergeDatasource, readFieldDefinition } from './metadata-fields.ts';

const field = (overrides: Partial<MetadataFieldDefinition> & Pick<MetadataFieldDefinition, 'external_id' | 'type'>): MetadataFieldDefinition => ({
  label: overrides.external_id,
  mandatory: false,
  default_value: null,
  validation: null,
  datasource: null,
  allow_dynamic_list_values: false,
  ...overrides,
});

const colors = {
  values: [
    { external_id: 'red', value: 'Red', state: 'active' as const },
    { external_id: 'green', value: 'Green', state: 'active' as const },
    { external_id: 'gone', value: 'Gone', state: 'inactive' as const },
  ],
};

const fields: MetadataFieldDefinition[] = [
  field({ external_id: 'title', type: 'string', validation: { type: 'strlen', min: 2, max: 5 } }),
  field({
    external_id: 'count',
    type: 'integer',
    validation: {
      type: 'and',
      rules: [
        { type: 'greater_than', value: 0, equals: false },
        { type: 'less_than', value: 10, equals: true },
      ],
    },
  }),
  field({ external_id: 'day', type: 'date', validation: { type: 'greater_than', value: '2020-01-01', equals: true } }),
  field({ external_id: 'color', type: 'enum', datasource: colors }),
  field({ external_id: 'colors', type: 'set', datasource: colors }),
];

describe('checkMetadataValue', () => {
  it('coerces integers from text and keeps them as numbers', () => {
    expect(checkMetadataValue(fields[1]!, '7')).toEqual({ ok: true, value: 7 });
    expect(checkMetadataValue(fields[1]!, 7)).toEqual({ ok: true, value: 7 });
    expect(checkMetadataValue(fields[1]!, '7.5')).toMatchObject({ ok: false, reason: expect.stringContaining('not an integer') });
    expect(checkMetadataValue(fields[1]!, '0')).toMatchObject({ ok: false, reason: expect.stringContaining('greater than 0') });
    expect(checkMetadataValue(fields[1]!, '10')).toEqual({ ok: true, value: 10 });
  });

  it('takes dates as real YYYY-MM-DD days and compares them', () => {
    expect(isIsoDate('2024-02-29')).toBe(true);
    expect(isIsoDate('2023-02-29')).toBe(false);
    expect(checkMetadataValue(fields[2]!, '2020-01-01')).toEqual({ ok: true, value: '2020-01-01' });
    expect(checkMetadataValue(fields[2]!, '2019-12-31')).toMatchObject({ ok: false });
    expect(checkMetadataValue(fields[2]!, '01/02/2021')).toMatchObject({ ok: false, reason: expect.stringContaining('YYYY-MM-DD') });
  });

  it('checks string lengths', () => {
    expect(checkMetadataValue(fields[0]!, 'abc')).toEqual({ ok: true, value: 'abc' });
    expect(checkMetadataValue(fields[0]!, 'a')).toMatchObject({ ok: false });
    expect(checkMetadataValue(fields[0]!, 'abcdef')).toMatchObject({ ok: false });
  });

  it('takes enum and set values as active datasource external_ids', () => {
    expect(checkMetadataValue(fields[3]!, 'red')).toEqual({ ok: true, value: 'red' });
    expect(checkMetadataValue(fields[3]!, 'Red')).toMatchObject({ ok: false });
    expect(checkMetadataValue(fields[3]!, 'gone')).toMatchObject({ ok: false });
    expect(checkMetadataValue(fields[4]!, '["red","green","red"]')).toEqual({ ok: true, value: ['red', 'green'] });
    expect(checkMetadataValue(fields[4]!, 'green')).toEqual({ ok: true, value: ['green'] });
    expect(checkMetadataValue(fields[4]!, '["red","blue"]')).toMatchObject({ ok: false, reason: expect.stringContaining("'blue'") });
  });

  it('evaluates rules directly', () => {
    expect(passesValidation({ type: 'less_than', value: 5, equals: false }, 5)).toBe(false);
    expect(passesValidation({ type: 'less_than', value: 5, equals: true }, 5)).toBe(true);
    expect(passesValidation({ type: 'strlen', max: 3 }, 'abcd')).toBe(false);
  });
});

describe('resolveMetadata', () => {
  it('types every given value', () => {
    expect(resolveMetadata(fields, { count: '3', color: 'green', colors: '["red"]' }, { mode: 'update', clearInvalid: false })).toEqual({
      set: { count: 3, color: 'green', colors: ['red'] },
      clear: [],
    });
  });

  it('refuses an invalid value or an unknown field with a 400 naming the field', () => {
    expect(() => resolveMetadata(fields, { count: 'many' }, { mode: 'upload', clearInvalid: false })).toThrow(/Metadata field count/);
    expect(() => resolveMetadata(fields, { nope: 'x' }, { mode: 'upload', clearInvalid: false })).toThrow(/Metadata field nope/);
  });

  it('drops invalid values with clear_invalid (cleared from the asset on update)', () => {
    expect(resolveMetadata(fields, { count: 'many', color: 'red', nope: 'x' }, { mode: 'upload', clearInvalid: true })).toEqual({
      set: { color: 'red' },
      clear: [],
    });
    expect(resolveMetadata(fields, { count: 'many', color: 'red' }, { mode: 'update', clearInvalid: true })).toEqual({
      set: { color: 'red' },
      clear: ['count'],
    });
  });

  it('clears with an empty value on update, but never a mandatory field', () => {
    expect(resolveMetadata(fields, { title: '', colors: '[]' }, { mode: 'update', clearInvalid: false })).toEqual({
      set: {},
      clear: ['title', 'colors'],
    });
    const mandatory = [field({ external_id: 'owner', type: 'string', mandatory: true, default_value: 'ops' })];
    expect(() => resolveMetadata(mandatory, { owner: '' }, { mode: 'update', clearInvalid: false })).toThrow(
      /Metadata field owner: the field is mandatory/,
    );
  });

  it('applies defaults on upload and refuses a mandatory field left without a value', () => {
    const withDefaults = [
      field({ external_id: 'owner', type: 'string', mandatory: true, default_value: 'ops' }),
      field({ external_id: 'stock', type: 'integer', default_value: 5 }),
      field({ external_id: 'sku', type: 'string', mandatory: true }),
    ];
    expect(resolveMetadata(withDefaults, { sku: 'x1' }, { mode: 'upload', clearInvalid: false })).toEqual({
      set: { sku: 'x1', owner: 'ops', stock: 5 },
      clear: [],
    });
    expect(() => resolveMetadata(withDefaults, {}, { mode: 'upload', clearInvalid: false })).toThrow(
      /Metadata field sku: the field is mandatory and has no value/,
    );
  });
});

describe('metadata value limit (hardening item 6)', () => {
  const textFields = [field({ external_id: 'caption', type: 'string' }), field({ external_id: 'sku', type: 'string', mandatory: true })];

  it('refuses a string value longer than maxValueLength, whatever the mode, even with clear_invalid', () => {
    for (const mode of ['upload', 'update', 'preset'] as const) {
      for (const clearInvalid of [false, true]) {
        expect(() => resolveMetadata(textFields, { caption: 'x'.repeat(1025), sku: 'a' }, { mode, clearInvalid, maxValueLength: 1024 })).toThrow(
          'Metadata field caption: the value is longer than 1024 characters',
        );
      }
    }
    expect(
      resolveMetadata(textFields, { caption: '😀'.repeat(1024), sku: 'a' }, { mode: 'upload', clearInvalid: false, maxValueLength: 1024 }).set,
    ).toEqual({
      caption: '😀'.repeat(1024),
      sku: 'a',
    });
  });

  it('bounds only string fields: other types are bounded by their own rules', () => {
    expect(resolveMetadata(fields, { colors: '["red","green"]' }, { mode: 'update', clearInvalid: false, maxValueLength: 3 }).set).toEqual({
      colors: ['red', 'green'],
    });
  });

  it("checks a preset's values as an upload does, without defaults and without requiring mandatory fields", () => {
    expect(resolveMetadata(textFields, { caption: 'hi' }, { mode: 'preset', clearInvalid: false, maxValueLength: 1024 })).toEqual({
      set: { caption: 'hi' },
      clear: [],
    });
    expect(resolveMetadata(textFields, { caption: '' }, { mode: 'preset', clearInvalid: false })).toEqual({ set: {}, clear: [] });
    expect(() => resolveMetadata(textFields, { nope: 'x' }, { mode: 'preset', clearInvalid: false })).toThrow('Metadata field nope');
  });
});

describe('field definitions', () => {
  it('refuses a default value that fails the field rules', () => {
    expect(() =>
      readFieldDefinition({
        external_id: 'n',
        type: 'integer',
        label: 'n',
        default_value: 6,
        validation: { type: 'less_than', equals: true, value: 5 },
      }),
    ).toThrow(/default_value is invalid/);
    expect(
      readFieldDefinition({
        external_id: 'n',
        type: 'integer',
        label: 'n',
        default_value: '5',
        validation: { type: 'less_than', equals: true, value: 5 },
      }),
    ).toMatchObject({
      default_value: 5,
    });
  });

  it('keeps external_id and type on update and needs a datasource for enum and set', () => {
    const current = readFieldDefinition({ external_id: 'g', type: 'string', label: 'g' });
    expect(readFieldDefinition({ external_id: 'other', type: 'integer', label: 'new', mandatory: true, default_value: 'd' }, current)).toEqual({
      external_id: 'g',
      type: 'string',
      label: 'new',
      mandatory: true,
      default_value: 'd',
      validation: null,
      datasource: null,
      allow_dynamic_list_values: false,
    });
    expect(() => readFieldDefinition({ type: 'enum', label: 'e' })).toThrow(/datasource is required/);
    expect(() => readFieldDefinition({ type: 'date', label: 'd', validation: { type: 'strlen', max: 3 } })).toThrow(/validation is invalid/);
  });

  it('merges datasource entries by external_id and appends new ones with generated ids', () => {
    const merged = mergeDatasource(colors.values, { values: [{ external_id: 'red', value: 'Crimson' }, { value: 'Blue' }] });
    expect(merged.slice(0, 3)).toEqual([
      { external_id: 'red', value: 'Crimson', state: 'active' },
      { external_id: 'green', value: 'Green', state: 'active' },
      { external_id: 'gone', value: 'Gone', state: 'inactive' },
    ]);
    expect(merged[3]).toMatchObject({ value: 'Blue', state: 'active', external_id: expect.stringMatching(/^[0-9a-f]{16}$/) });
  });
});

describe('dynamic list values', () => {
  const dynamicEnum = field({ external_id: 'tone', type: 'enum', datasource: colors, allow_dynamic_list_values: true });
  const dynamicSet = field({ external_id: 'tones', type: 'set', datasource: colors, allow_dynamic_list_values: true });
  const dynamic = [dynamicEnum, dynamicSet, ...fields];
  const update = { mode: 'update', clearInvalid: false } as const;

  it('reads the flag on create and update, keeps it when an update leaves it out, and refuses a non-boolean', () => {
    const created = readFieldDefinition({ type: 'set', label: 's', datasource: colors, allow_dynamic_list_values: true });
    expect(created.allow_dynamic_list_values).toBe(true);
    expect(readFieldDefinition({ label: 'renamed' }, created).allow_dynamic_list_values).toBe(true);
    expect(readFieldDefinition({ allow_dynamic_list_values: false }, created).allow_dynamic_list_values).toBe(false);
    expect(() => readFieldDefinition({ type: 'enum', label: 'e', datasource: colors, allow_dynamic_list_values: 'yes' })).toThrow(
      /allow_dynamic_list_values is invalid/,
    );
  });

  it('names an active entry by external_id, or by value on a dynamic field only', () => {
    expect(checkMetadataValue(dynamicEnum, 'Green')).toEqual({ ok: true, value: 'green' });
    expect(checkMetadataValue(dynamicSet, '["Red","green","red"]')).toEqual({ ok: true, value: ['red', 'green'] });
    expect(checkMetadataValue(fields[3]!, 'Green')).toMatchObject({ ok: false });
    expect(checkMetadataValue(dynamicEnum, 'Gone')).toMatchObject({ ok: false });
  });

  it('finds the values that name no entry, once each, and leaves other fields and values alone', () => {
    const pending = pendingListValues(
      dynamic,
      { tone: ' Purple ', tones: '["Teal","red","Green","Teal","gone","Gone"]', color: 'purple', title: 'x', nope: 'y' },
      update,
    );
    expect(pending).toEqual(
      new Map([
        ['tone', ['Purple']],
        ['tones', ['Teal']],
      ]),
    );
    expect(pendingListValues(dynamic, { tone: '', tones: '[]' }, update).size).toBe(0);
    expect(pendingListValues(dynamic, { tones: 'not a ["list' }, update)).toEqual(new Map([['tones', ['not a ["list']]]));
  });

  it('bounds new values by length and the datasource by its size', () => {
    expect(() => pendingListValues(dynamic, { tone: 'x'.repeat(6) }, { ...update, maxValueLength: 5 })).toThrow(
      'Metadata field tone: the new list value is longer than 5 characters',
    );
    const full = field({
      external_id: 'full',
      type: 'enum',
      allow_dynamic_list_values: true,
      datasource: {
        values: Array.from({ length: MAX_DATASOURCE_VALUES }, (_, i) => ({ external_id: `v${i}`, value: `V${i}`, state: 'active' as const })),
      },
    });
    expect(() => pendingListValues([full], { full: 'new' }, update)).toThrow(/more than 3000 values/);
    expect(pendingListValues([full], { full: 'new' }, { ...update, clearInvalid: true }).size).toBe(0);
  });

  it('types the values against the lists with the new entries in place', () => {
    let n = 0;
    const given = { tone: 'Purple', tones: '["Teal","red"]' };
    const { fields: extended, additions } = withListValues(dynamic, pendingListValues(dynamic, given, update), () => `new${++n}`);
    expect(additions).toEqual({
      tone: [{ external_id: 'new1', value: 'Purple', state: 'active' }],
      tones: [{ external_id: 'new2', value: 'Teal', state: 'active' }],
    });
    expect(resolveMetadata(extended, given, update)).toEqual({ set: { tone: 'new1', tones: ['new2', 'red'] }, clear: [] });
    expect(extended[2]).toBe(dynamic[2]);
  });
});
