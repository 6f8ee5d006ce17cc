import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { check, propertyParameters, propertyRuns, returnsOrRefuses } from '@rendition/testing';
import { ApiError } from './api-error.ts';
import {
  FOLDER_SEARCH_FIELDS,
  MAX_SEARCH_EXPRESSION_DEPTH,
  MAX_SEARCH_EXPRESSION_LENGTH,
  MAX_SEARCH_EXPRESSION_TERMS,
  parseSearchExpression,
  printSearchExpression,
  relativeDate,
  type SearchNode,
} from './search-expression.ts';

function canonical(expression: string, fields = undefined as Parameters<typeof parseSearchExpression>[1]): string {
  const node = parseSearchExpression(expression, fields);
  return node === undefined ? '' : printSearchExpression(node);
}

function refusal(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('parseSearchExpression: valid expressions and their canonical text', () => {
  const cases: Array<[expression: string, canonical: string]> = [
    // fields and their operators
    ['tags:cat', 'tags:cat'],
    ['tags=cat', 'tags=cat'],
    ['tags:ca*', 'tags:ca*'],
    ['tags:*', 'tags:*'],
    ['public_id:folder/*', 'public_id:folder/*'],
    ['public_id=folder/sub/name', 'public_id=folder/sub/name'],
    ['folder:a/b', 'folder=a/b'],
    ['folder=""', 'folder=""'],
    ['asset_folder:shop/*', 'asset_folder:shop/*'],
    ['filename:shirt', 'filename:shirt'],
    ['display_name:"Summer Sale"', 'display_name:"Summer Sale"'],
    ['asset_id=0123abcd', 'asset_id=0123abcd'],
    ['resource_type:IMAGE', 'resource_type=image'],
    ['type:authenticated', 'type=authenticated'],
    ['format:JP*', 'format:jp*'],
    ['status:active', 'status=active'],
    ['moderation_status:Approved', 'moderation_status=approved'],
    // numbers, sizes, ratios
    ['bytes>1000', 'bytes>1000'],
    ['bytes:>100000', 'bytes>100000'],
    ['bytes>=1kb', 'bytes>=1024'],
    ['bytes<1.5MB', 'bytes<1572864'],
    ['bytes<=2g', 'bytes<=2147483648'],
    ['width:500', 'width=500'],
    ['width=500', 'width=500'],
    ['width:[100 TO 500]', 'width:[100 TO 500]'],
    ['width:{100 TO 500}', 'width:{100 TO 500}'],
    ['width:[100 TO *]', 'width>=100'],
    ['width:{* TO 500}', 'width<500'],
    ['width:[* TO *]', 'width:*'],
    ['height:*', 'height:*'],
    ['pixels>1000000', 'pixels>1000000'],
    ['pages>=2', 'pages>=2'],
    ['duration<30.5', 'duration<30.5'],
    ['aspect_ratio="16:9"', 'aspect_ratio=1.7777777777777777'],
    ['aspect_ratio>=1.5', 'aspect_ratio>=1.5'],
    // dates: relative (every unit), absolute (a day, a time with a zone), ranges
    ['created_at>1w', 'created_at>1w'],
    ['uploaded_at<1d', 'uploaded_at<1d'],
    ['created_at>999y AND created_at>11000M AND created_at<999999s', 'created_at>999y AND created_at>11000M AND created_at<999999s'],
    [
      'created_at>=30s AND created_at<=5m AND created_at<2h AND created_at>3M AND created_at>1y',
      'created_at>=30s AND created_at<=5m AND created_at<2h AND created_at>3M AND created_at>1y',
    ],
    ['created_at:2024-05-01', 'created_at:[2024-05-01T00:00:00.000Z TO 2024-05-02T00:00:00.000Z}'],
    ['created_at=2024-05-01T10:00:00Z', 'created_at:[2024-05-01T10:00:00.000Z TO 2024-05-01T10:00:01.000Z}'],
    ['created_at>2024-05-01T10:00:00+02:00', 'created_at>2024-05-01T08:00:00.000Z'],
    ['created_at>"2024-05-01 10:00"', 'created_at>2024-05-01T10:00:00.000Z'],
    ['created_at:[4w TO 1w]', 'created_at:[4w TO 1w]'],
    ['created_at:[2024-01-01 TO 2024-02-01}', 'created_at:[2024-01-01T00:00:00.000Z TO 2024-02-01T00:00:00.000Z}'],
    // context and metadata
    ['context.photographer=alice', 'context.photographer=alice'],
    ['context.alt:"blue shirt"', 'context.alt:"blue shirt"'],
    ['context.alt:*', 'context.alt:*'],
    ['context.my\\ key:v*', 'context.my\\ key:v*'],
    ['metadata.color=red', 'metadata.color=red'],
    ['metadata.priority>3', 'metadata.priority>3'],
    ['metadata.priority:[1 TO 5]', 'metadata.priority:[1 TO 5]'],
    ['metadata.launch>2024-05-01', 'metadata.launch>2024-05-01'],
    ['metadata.sku:AB*', 'metadata.sku:AB*'],
    // bare words and quoting
    ['cat', 'cat'],
    ['ca*', 'ca*'],
    ['"blue shirt"', '"blue shirt"'],
    ['"blue sh*"', '"blue sh*"'],
    ['"a\\"b\\\\c\\*"', '"a\\"b\\\\c\\*"'],
    ['a\\:b', '"a:b"'],
    ['"AND"', '"AND"'],
    ['tags:"16:9"', 'tags:"16:9"'],
    ['tags:c\\*t', 'tags:"c\\*t"'],
    // boolean structure: precedence NOT > AND > OR, implicit AND, symbols, grouping, flattening
    ['cat dog', 'cat AND dog'],
    ['cat AND dog OR bird', 'cat AND dog OR bird'],
    ['cat OR dog AND bird', 'cat OR dog AND bird'],
    ['(cat OR dog) bird', '(cat OR dog) AND bird'],
    ['cat && dog || bird', 'cat AND dog OR bird'],
    ['NOT cat', 'NOT cat'],
    ['-cat', 'NOT cat'],
    ['-tags:cat -format:png', 'NOT tags:cat AND NOT format=png'],
    ['NOT (tags:a OR tags:b)', 'NOT (tags:a OR tags:b)'],
    ['NOT NOT tags:a', 'tags:a'],
    ['NOT(tags:a)', 'NOT tags:a'],
    ['a AND (b AND (c AND d))', 'a AND b AND c AND d'],
    ['((a))', 'a'],
    ['tags:(cat OR dog*)', 'tags:cat OR tags:dog*'],
    ['width:(100 OR 200)', 'width=100 OR width=200'],
    ['  tags:cat  ', 'tags:cat'],
    ['ORANGE ANDROID', 'ORANGE AND ANDROID'],
    ['', ''],
    ['   ', ''],
  ];

  it.each(cases)('%s → %s', (expression, expected) => {
    expect(canonical(expression)).toBe(expected);
  });

  it.each(cases.filter(([, text]) => text !== ''))('%s: its canonical text parses to the same tree', (expression) => {
    const node = parseSearchExpression(expression)!;
    expect(parseSearchExpression(printSearchExpression(node))).toEqual(node);
  });

  it('builds the tree the catalog compiles', () => {
    const tree: SearchNode = {
      type: 'or',
      children: [
        {
          type: 'and',
          children: [
            { type: 'match', field: { name: 'tags' }, mode: 'token', text: 'cat' },
            { type: 'not', child: { type: 'match', field: { name: 'format' }, mode: 'exact', text: 'png' } },
            { type: 'range', field: { name: 'bytes' }, lower: { value: { kind: 'number', value: 1_048_576 }, inclusive: false } },
          ],
        },
        { type: 'match', field: null, mode: 'prefix', text: 'dog' },
        { type: 'exists', field: { name: 'context', key: 'alt' } },
        {
          type: 'range',
          field: { name: 'created_at' },
          lower: { value: { kind: 'relative', amount: 2, unit: 'w' }, inclusive: true },
          upper: { value: { kind: 'date', iso: '2024-05-01T00:00:00.000Z' }, inclusive: false },
        },
        { type: 'range', field: { name: 'metadata', key: 'launch' }, upper: { value: { kind: 'text', text: '2024-05-01' }, inclusive: true } },
      ],
    };
    expect(
      parseSearchExpression('tags:cat -format:png bytes>1mb OR dog* || context.alt:* OR created_at:[2w TO 2024-05-01} OR metadata.launch<=2024-05-01'),
    ).toEqual(tree);
  });

  it('reads the folder fields for folders/search', () => {
    expect(canonical('name:sale* AND path:products/* created_at>1w', FOLDER_SEARCH_FIELDS)).toBe('name:sale* AND path:products/* AND created_at>1w');
  });
});

describe('parseSearchExpression: refusals', () => {
  const cases: Array<[expression: string, message: string]> = [
    ['foo:bar', "unknown field 'foo'"],
    ['Tags:cat', "unknown field 'Tags'"],
    ['context:x', "field 'context' needs a key: context.<key>"],
    ['metadata.:x', "field 'metadata' needs a key: metadata.<key>"],
    ['tags:', "missing value for field 'tags' at character 6"],
    ['tags: cat', "missing value for field 'tags' at character 6"],
    ['tags:""', "missing value for field 'tags' at character 6"],
    [':cat', "expected a field name before ':' at character 1"],
    ['tags>3', "field 'tags' does not support '>'"],
    ['public_id<=a', "field 'public_id' does not support '<='"],
    ['context.alt>3', "field 'context.alt' does not support '>'"],
    ['tags:[a TO b]', "field 'tags' does not support ranges (at character 6)"],
    ['width>abc', "'abc' is not a number (field 'width')"],
    ['width:5px', "'5px' is not a number (field 'width')"],
    ['bytes>1tb', "'1tb' is not a size (field 'bytes'): use a number of bytes or one with kb, mb or gb"],
    ['aspect_ratio="16:0"', "'16:0' is not a number (field 'aspect_ratio')"],
    ['width>1e400', "'1e400' is not a number (field 'width')"],
    ['width>99999999999999999999', "'99999999999999999999' is out of range (field 'width')"],
    ['width:10*', "'*' wildcards apply to text fields, not to 'width' (at character 7)"],
    ['created_at>yesterday', "'yesterday' is not a date (field 'created_at'): use an ISO 8601 date such as 2024-05-01, or a relative one such as 1w"],
    ['created_at>2024-02-30', "'2024-02-30' is not a date (field 'created_at'): use an ISO 8601 date such as 2024-05-01, or a relative one such as 1w"],
    ['created_at>2024-13-01', "'2024-13-01' is not a date (field 'created_at'): use an ISO 8601 date such as 2024-05-01, or a relative one such as 1w"],
    ['created_at>1x', "'1x' is not a date (field 'created_at'): use an ISO 8601 date such as 2024-05-01, or a relative one such as 1w"],
    ['created_at>0000-01-01', "'0000-01-01' is not a date (field 'created_at'): use an ISO 8601 date such as 2024-05-01, or a relative one such as 1w"],
    ['created_at<9999-12-31', "'9999-12-31' is not a date (field 'created_at'): use an ISO 8601 date such as 2024-05-01, or a relative one such as 1w"],
    ['created_at>1001y', "'1001y' reaches too far back (field 'created_at'): at most 1000 years"],
    ['created_at>999999w', "'999999w' reaches too far back (field 'created_at'): at most 1000 years"],
    ['created_at:1w', "a relative date needs '>', '>=', '<' or '<=' (field 'created_at', at character 12)"],
    ['metadata.n>big', "'big' is neither a number nor a date (field 'metadata.n')"],
    ['width:[1 5]', "expected 'TO' in the range at character 10"],
    ['width:[1 TO 5', "missing ']' or '}' for the range at character 7"],
    ['width:[ TO 5]', "expected 'TO' in the range at character 12"],
    ['"abc', 'unterminated quoted value at character 1'],
    ['tags:"abc', 'unterminated quoted value at character 6'],
    ['tags:a"b"', `unexpected '"' inside a value at character 7`],
    ['c*t', "'*' is supported only at the end of a value ('c*t' at character 1)"],
    ['*cat', "'*' is supported only at the end of a value ('*cat' at character 1)"],
    ['tags:a**', "'*' is supported only at the end of a value ('a**' at character 6)"],
    ['*', "a lone '*' needs a field (field:*) at character 1"],
    ['(tags:cat', "missing ')' for the '(' at character 1"],
    ['tags:cat)', "unexpected ')' at character 9"],
    ['tags:(a OR b', "missing ')' for the '(' at character 6"],
    ['()', 'expected a term at character 2'],
    ['AND x', 'expected a term at character 1'],
    ['x AND', "expected a term after 'AND' at the end"],
    ['x OR', "expected a term after 'OR' at the end"],
    ['x || ', "expected a term after '||' at the end"],
    ['x AND OR y', "expected a term after 'AND' at character 7"],
    ['NOT', "expected a term after 'NOT' at the end"],
    ['- cat', "expected a term right after '-' at character 1"],
    ['cat -', "expected a term right after '-' at character 5"],
  ];

  it.each(cases)('%s → 400 %s', (expression, message) => {
    const error = refusal(() => parseSearchExpression(expression));
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 400, message: `Invalid search expression: ${message}`, expose: true });
  });

  it(`refuses more than ${MAX_SEARCH_EXPRESSION_LENGTH} characters before parsing`, () => {
    expect(parseSearchExpression(`tags:${'a'.repeat(MAX_SEARCH_EXPRESSION_LENGTH - 5)}`)).toBeDefined();
    const error = refusal(() => parseSearchExpression(`tags:${'a'.repeat(MAX_SEARCH_EXPRESSION_LENGTH - 4)}`));
    expect(error).toMatchObject({ status: 400, message: `Search expression is too long: at most 4096 characters (got 4097)` });
  });

  it(`refuses nesting deeper than ${MAX_SEARCH_EXPRESSION_DEPTH} levels (parentheses, NOT, field groups)`, () => {
    const nested = (depth: number) => `${'('.repeat(depth)}a${')'.repeat(depth)}`;
    expect(canonical(nested(MAX_SEARCH_EXPRESSION_DEPTH))).toBe('a');
    const message = `Invalid search expression: nested deeper than ${MAX_SEARCH_EXPRESSION_DEPTH} levels`;
    expect(refusal(() => parseSearchExpression(nested(MAX_SEARCH_EXPRESSION_DEPTH + 1)))).toMatchObject({ status: 400, message });
    expect(refusal(() => parseSearchExpression(`${'NOT '.repeat(MAX_SEARCH_EXPRESSION_DEPTH + 1)}a`))).toMatchObject({ status: 400, message });
    expect(
      refusal(() => parseSearchExpression(`${'tags:('.repeat(MAX_SEARCH_EXPRESSION_DEPTH + 1)}a${')'.repeat(MAX_SEARCH_EXPRESSION_DEPTH + 1)}`)),
    ).toMatchObject({ status: 400, message });
    // Thousands of parentheses are refused at the bound, not by the stack.
    expect(refusal(() => parseSearchExpression(nested(2_000)))).toMatchObject({ status: 400, message });
  });

  it(`refuses more than ${MAX_SEARCH_EXPRESSION_TERMS} terms`, () => {
    const terms = (count: number) => Array.from({ length: count }, (_, index) => `t${index}`).join(' OR ');
    expect(parseSearchExpression(terms(MAX_SEARCH_EXPRESSION_TERMS))).toBeDefined();
    expect(refusal(() => parseSearchExpression(terms(MAX_SEARCH_EXPRESSION_TERMS + 1)))).toMatchObject({
      status: 400,
      message: `Invalid search expression: more than ${MAX_SEARCH_EXPRESSION_TERMS} terms`,
    });
  });

  it('knows only the folder fields in folders/search', () => {
    expect(refusal(() => parseSearchExpression('tags:cat', FOLDER_SEARCH_FIELDS))).toMatchObject({
      status: 400,
      message: "Invalid search expression: unknown field 'tags'",
    });
  });
});

describe('relativeDate', () => {
  const now = new Date('2024-03-31T12:00:00.000Z');
  it.each([
    [30, 's', '2024-03-31T11:59:30.000Z'],
    [5, 'm', '2024-03-31T11:55:00.000Z'],
    [2, 'h', '2024-03-31T10:00:00.000Z'],
    [1, 'd', '2024-03-30T12:00:00.000Z'],
    [1, 'w', '2024-03-24T12:00:00.000Z'],
    [1, 'M', '2024-03-02T12:00:00.000Z'],
    [1, 'y', '2023-03-31T12:00:00.000Z'],
  ] as const)('%i%s before %s', (amount, unit, expected) => {
    expect(relativeDate(now, amount, unit).toISOString()).toBe(expected);
  });
});

describe('parseSearchExpression: any text', () => {
  // Pieces of the language, glued at random: most results are nonsense, every one must be a tree or a 400.
  const piece = fc.constantFrom(
    'tags',
    'public_id',
    'context.alt',
    'metadata.n',
    'width',
    'bytes',
    'created_at',
    'aspect_ratio',
    'folder',
    'foo',
    ':',
    '=',
    '>',
    '>=',
    '<',
    '<=',
    ':>',
    '*',
    '"',
    '\\',
    '(',
    ')',
    '[',
    ']',
    '{',
    '}',
    ' TO ',
    ' AND ',
    ' OR ',
    'NOT ',
    '-',
    '&&',
    '||',
    ' ',
    'cat',
    '1w',
    '12M',
    '1mb',
    '16:9',
    '2024-05-01',
    '2024-02-30T10:00Z',
    '-5',
    '1e400',
    '0.5',
    '\u0000',
    '\uD800',
  );
  const expression = fc.oneof(
    { weight: 4, arbitrary: fc.array(piece, { maxLength: 24 }).map((parts) => parts.join('')) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 80 }) },
  );

  it('returns a tree whose canonical text reads back the same, or refuses with a 400', () => {
    const details = fc.check(
      fc.property(expression, (text) => {
        const outcome = returnsOrRefuses(`parseSearchExpression(${JSON.stringify(text)})`, () => parseSearchExpression(text));
        if (!('value' in outcome) || outcome.value === undefined) return;
        const printed = printSearchExpression(outcome.value);
        const again = returnsOrRefuses(`parseSearchExpression(${JSON.stringify(printed)})`, () => parseSearchExpression(printed));
        check(
          'value' in again && JSON.stringify(again.value) === JSON.stringify(outcome.value),
          () => `${JSON.stringify(text)} printed as ${JSON.stringify(printed)} reads back differently`,
        );
      }),
      propertyParameters(propertyRuns(500)),
    );
    if (details.failed) throw new Error(fc.defaultReportMessage(details), { cause: details.errorInstance });
  });
});
