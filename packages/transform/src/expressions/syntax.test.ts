import { describe, expect, it } from 'vitest';
import { ExpressionProblem } from './errors.ts';
import { evaluateCondition, evaluateExpression, type Scope, type Value } from './evaluate.ts';
import { looksLikeExpression, parseCondition, parseExpression, tokenize, variablesOf, type Predefined } from './syntax.ts';

/** A scope with fixed values: a 1000x500 original, 800x400 now, tagged `sale`. */
function scope(variables: Record<string, Value> = {}): Scope {
  const numbers: Partial<Record<Predefined, number>> = { w: 800, h: 400, ar: 2, iw: 1000, ih: 500, iar: 2, fc: 0, pc: 3, cp: 1 };
  return {
    variable: (name) => variables[name],
    predefined: (name) => (name === 'tags' ? { kind: 'set', values: ['sale', 'new'] } : { kind: 'number', value: numbers[name]! }),
    context: (key) => ({ kind: 'shoes', rank: '7', label: 'big:red' })[key],
    metadata: (key) => ({ price: 42, colors: ['red', 'blue'], grade: 'A' })[key],
  };
}

const number = (text: string, variables?: Record<string, Value>): number => {
  const value = evaluateExpression(parseExpression(text), scope(variables));
  if (value.kind !== 'number') throw new Error(`not a number: ${JSON.stringify(value)}`);
  return value.value;
};
const holds = (text: string, variables?: Record<string, Value>): boolean => evaluateCondition(parseCondition(text), scope(variables));

function reason(work: () => unknown): string {
  try {
    work();
  } catch (error) {
    if (error instanceof ExpressionProblem) return error.message;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('arithmetic', () => {
  it.each<[string, number]>([
    ['iw_div_2', 500],
    ['ih_mul_0.5_add_10', 260],
    ['w_sub_20', 780],
    ['iw_mul_2_add_ih_mul_2', 3000], // Cloudinary's perimeter example: mul before add
    ['iw_add_ih_mul_2', 2000],
    ['iw_sub_ih_sub_100', 400], // left-associative
    ['iw_div_10_div_2', 50],
    ['2_pow_3_pow_2', 512], // pow is right-associative and binds tightest
    ['2_mul_3_pow_2', 18],
    ['iw_mod_300', 100],
    ['-10_add_5', -5],
    ['3:4', 0.75], // a ratio is a number
    // The SDK's symbols, left as they are when not followed by a space (and `%`, which it never turns into mod)
    ['iw_*_0.5_+_10', 510],
    ['iw_-_10', 990],
    ['iw_%_300', 100],
    ['2_^_10', 1024],
    ['fc_add_pc_add_cp', 4],
    ['ar_mul_iar', 4],
  ])('%s = %d', (text, expected) => {
    expect(number(text)).toBeCloseTo(expected, 9);
  });

  it('reads variables, in both spellings, and strings that are numbers', () => {
    const variables: Record<string, Value> = { $half: { kind: 'number', value: 0.5, literal: '0.5' }, $n: { kind: 'string', value: '12' } };
    expect(number('iw_mul_$half', variables)).toBe(500);
    expect(number('$(half)_mul_4', variables)).toBe(2);
    expect(number('$n_add_1', variables)).toBe(13);
    expect(number('ctx:!rank!_mul_2')).toBe(14);
    expect(number('md:!price!_div_2')).toBe(21);
  });

  it('keeps the literal text of a plain number, and drops it once computed', () => {
    expect(evaluateExpression(parseExpression('2.0'), scope())).toEqual({ kind: 'number', value: 2, literal: '2.0' });
    expect(evaluateExpression(parseExpression('1_add_1.0'), scope())).toEqual({ kind: 'number', value: 2 });
  });

  it.each<[string, string]>([
    ['iw_div_0', 'division by zero'],
    ['iw_div_fc', 'division by zero'], // fc is always 0
    ['iw_mod_0', 'modulo by zero'],
    ['10_pow_400', 'the result is not a finite number'],
    ['$nope_add_1', 'variable $nope is not defined (assign it first: $nope_<value>)'],
    ['!abc!_add_1', 'the string "abc" is not a number'],
    ['ctx:!kind!_mul_2', 'the string "shoes" is not a number'],
    ['tags_add_1', 'a set of strings is not a number'],
    ['md:!colors!_add_1', 'a set of strings is not a number'],
  ])('%s is refused: %s', (text, message) => {
    expect(reason(() => number(text))).toBe(message);
  });
});

describe('conditions', () => {
  it.each<[string, boolean]>([
    ['w_gt_300', true],
    ['w_lt_300', false],
    ['w_eq_800', true],
    ['w_ne_h', true],
    ['w_lte_800_and_h_gte_400', true],
    ['iw_gt_w', true],
    ['ar_eq_2:1', true],
    ['ar_gt_3:4_and_w_gt_300_and_h_gt_200', true], // Cloudinary's documented example
    ['w_lt_10_and_h_lt_10_or_ar_gt_1', true], // and before or
    ['w_gt_10_or_h_gt_10_and_ar_lt_1', true],
    ['w_lt_10_or_h_lt_10_and_ar_gt_1', false],
    ['fc_gt_0', false],
    ['pc_gte_2', true],
    ['iw_div_2_gt_ih_sub_1', true], // arithmetic on both sides
    // The SDK's symbol spellings
    ['w_>_300', true],
    ['w_>=_800_&&_h_!=_400', false],
    ['w_<_300_||_h_<=_400', true],
    ['w_=_800', true],
    // Strings, context, metadata
    ['ctx:!kind!_eq_!shoes!', true],
    ['ctx:kind_ne_!shoes!', false],
    ['ctx:!missing!_eq_!!', true],
    ['ctx:!rank!_gt_3', true],
    ['ctx:!rank!_eq_7', true],
    ['ctx:!kind!_eq_7', false],
    ['md:!price!_gte_40', true],
    ['md:!grade!_eq_!A!', true],
    ['md:!missing!_eq_!!', true],
    // Sets: `a in b` holds when every member of a is in b; a string is the set of its `:` parts
    ['!sale!_in_tags', true],
    ['!sale:new!_in_tags', true],
    ['!sale:old!_in_tags', false],
    ['!old!_nin_tags', true],
    ['!sale!_nin_tags', false],
    ['!red!_in_md:!colors!', true],
    ['!big!_in_ctx:!label!', true],
    // The SDK's `tags in ['sale']`: the listed values among the tags [GUESS]
    ["tags_in_['sale']", true],
    ["tags_in_['sale',_'new']", true],
    ["tags_in_['sale',_'old']", false],
    ["tags_nin_['old']", true],
    ["tags_nin_['sale']", false],
    ['tags_in_!sale!', true],
    ['tags_eq_!new:sale!', true],
  ])('%s is %s', (text, expected) => {
    expect(holds(text)).toBe(expected);
  });

  it('reads variables (strings and numbers) in conditions', () => {
    const variables: Record<string, Value> = { $tag: { kind: 'string', value: 'sale' }, $min: { kind: 'number', value: 500 } };
    expect(holds('$tag_in_tags', variables)).toBe(true);
    expect(holds('w_gt_$min', variables)).toBe(true);
    expect(holds('$(min)_gt_w', variables)).toBe(false);
  });

  it('evaluates both sides of and/or, so a bad operand is refused whatever the other side', () => {
    expect(reason(() => holds('w_lt_0_and_$x_gt_1'))).toBe('variable $x is not defined (assign it first: $x_<value>)');
    expect(reason(() => holds('w_gt_0_or_$x_gt_1'))).toBe('variable $x is not defined (assign it first: $x_<value>)');
  });

  it.each<[string, string]>([
    ['tags_gt_1', 'a set of strings is not a number'],
    ['ctx:!kind!_lt_3', 'the string "shoes" is not a number'],
  ])('%s is refused: %s', (text, message) => {
    expect(reason(() => holds(text))).toBe(message);
  });
});

describe('syntax', () => {
  it('tokenizes strings with _ and :, lists, context keys and both variable spellings', () => {
    expect(tokenize("ctx:!product_type!_eq_!a_b:c!_and_$x_in_['p',_'q']_or_$(y)_eq_md:color")).toEqual([
      { kind: 'context', key: 'product_type' },
      { kind: 'operator', operator: 'eq' },
      { kind: 'string', value: 'a_b:c' },
      { kind: 'operator', operator: 'and' },
      { kind: 'variable', name: '$x' },
      { kind: 'operator', operator: 'in' },
      { kind: 'list', values: ['p', 'q'] },
      { kind: 'operator', operator: 'or' },
      { kind: 'variable', name: '$y' },
      { kind: 'operator', operator: 'eq' },
      { kind: 'metadata', key: 'color' },
    ]);
    expect(tokenize('!!_eq_!=_!=_-5_-_-5')).toEqual([
      { kind: 'string', value: '' },
      { kind: 'operator', operator: 'eq' },
      { kind: 'operator', operator: 'ne' },
      { kind: 'operator', operator: 'ne' },
      { kind: 'number', value: -5, text: '-5' },
      { kind: 'operator', operator: 'sub' },
      { kind: 'number', value: -5, text: '-5' },
    ]);
  });

  it('lists the variables an expression reads', () => {
    expect(variablesOf(parseCondition('$a_gt_w_and_$(b)_mul_$a_lt_3'))).toEqual(['$a', '$b', '$a']);
  });

  it.each<[string, string]>([
    ['', 'empty'],
    ['w_gt', 'ends with an operator where a value belongs'],
    ['w_300', 'expected a comparison (eq, ne, lt, gt, lte, gte, in, nin) but found a number'],
    ['w', 'expected a comparison (eq, ne, lt, gt, lte, gte, in, nin) but found the end'],
    ['gt_300', 'gt where a value belongs'],
    ['w_gt_300_and', 'ends with an operator where a value belongs'],
    ['w_gt_300_w', 'unexpected a predefined'],
    ['w_gt_foo', 'unknown value foo: not a number, a variable ($name), a string (!text!) or one of w, h, ar, iw, ih, iar, fc, pc, cp, tags'],
    ['du_gt_10', 'du is not supported by Rendition'],
    ['w__gt_1', 'cannot read ""'],
    ['w_gt_1_', 'ends with _'],
    ['w_gt_1x', 'cannot read "1x"'],
    ['!sale_in_tags', 'unterminated string !sale_in_tags: a string is written !text!'],
    ["tags_in_['sale'", "unterminated list ['sale'"],
    ["tags_in_['a''b']", "invalid list ['a''b']"],
    ['$1x_gt_1', 'invalid variable $1x: a variable is $ followed by a letter, then letters or digits'],
    ['$(x_gt_1', 'invalid variable $(x_gt_1'],
    ['ctx:_eq_1', 'ctx: needs a key'],
    ['ctx:!!_eq_1', 'ctx: needs a key'],
    ['ctx:!k_eq_1', 'unterminated key in ctx:!k_eq_1: write ctx:!key!'],
    ['w.5_gt_1', 'cannot read "w.5"'],
    [`w_gt_${'1_add_'.repeat(60)}1`, 'more than 100 operands and operators'],
    [`w_gt_${'1'.repeat(600)}`, 'longer than 512 characters'],
  ])('condition %j is refused: %s', (text, message) => {
    expect(reason(() => parseCondition(text))).toBe(message);
  });

  it('refuses a comparison where a value belongs', () => {
    expect(reason(() => parseExpression('iw_gt_2'))).toBe('a comparison or unexpected operator in a value: iw_gt_2');
  });

  it.each<[string, boolean]>([
    ['iw_div_2', true],
    ['w_sub_20', true],
    ['iw', true],
    ['$w', true],
    ['$(w)', true],
    ['1_add_1', true],
    ['iw_*_2', true],
    ['ctx:!w!', true],
    ['100', false],
    ['0.5', false],
    ['-10', false],
    ['16:9', false],
    ['auto', false],
    ['auto:100', false],
    ['auto_right', false],
    ['max', false],
    ['auto:good', false],
    ['2.5p', false],
    ['duration_5', false],
    ['', false],
  ])('looksLikeExpression(%j) = %s', (text, expected) => {
    expect(looksLikeExpression(text)).toBe(expected);
  });
});
