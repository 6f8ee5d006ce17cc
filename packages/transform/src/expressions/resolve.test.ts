import { ApiError } from '@rendition/protocol';
import { loadCloudinarySdk } from '@rendition/testing';
import { describe, expect, it } from 'vitest';
import { parseTransformation } from '../parse-transformation.ts';
import { parseEagerListWithExpressions } from './eager-list.ts';
import { hasExpressions, resolveExpressions, unconditionalFormat, validateExpressions, type ExpressionContext } from './resolve.ts';

process.env.CLOUDINARY_URL ??= 'cloudinary://123456789012345:secret@demo';
const utils = loadCloudinarySdk().utils as unknown as { generate_transformation_string(options: unknown): string };
/** The transformation text the official SDK writes for these options (cloudinary.url's, without the rest of the URL). */
const sdk = (options: unknown): string => utils.generate_transformation_string(structuredClone(options));

const base = { pages: 1, tags: [] as string[], context: {}, metadata: {}, format: 'jpg' };
/** A landscape photo tagged `sale`, with context and structured metadata. */
const WIDE: ExpressionContext = {
  ...base,
  width: 1000,
  height: 500,
  tags: ['sale', 'summer'],
  context: { productType: 'shoes', rank: '5', word: 'abc' },
  metadata: { color: 'red', price: 42, sizes: ['s', 'm'] },
};
const TALL: ExpressionContext = { ...base, width: 400, height: 800, pages: 3, format: 'png' };
const SMALL: ExpressionContext = { ...base, width: 200, height: 100 };
/** A PDF: its width and height are page 1's, in points (= pixels at the default 72 dpi). */
const PDF: ExpressionContext = { ...base, width: 612, height: 792, pages: 4, format: 'pdf' };
/** An audio file: no picture. */
const AUDIO: ExpressionContext = { ...base, width: null, height: null, format: 'mp3' };
const CONTEXTS = { WIDE, TALL, SMALL, PDF, AUDIO };
type ContextName = keyof typeof CONTEXTS;

function refusal(work: () => unknown): ApiError {
  try {
    work();
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error('expected an ApiError');
}

// [transformation, {context: resolved text}]
const RESOLVED: Array<[string, Partial<Record<ContextName, string>>]> = [
  // A condition with parameters in its component: that component only, closed by if_end when one follows.
  ['if_w_gt_300,c_scale,w_300/if_end', { WIDE: 'c_scale,w_300', TALL: 'c_scale,w_300', SMALL: '' }],
  ['if_w_gt_300,c_scale,w_300', { WIDE: 'c_scale,w_300', SMALL: '' }],
  ['if_w_gt_300,w_300/e_grayscale', { WIDE: 'w_300/e_grayscale', SMALL: 'e_grayscale' }],
  ['if_w_gt_300,c_scale,w_300/if_else,w_100/if_end', { WIDE: 'c_scale,w_300', SMALL: 'w_100' }],
  // Blocks: if_ alone opens, if_else switches, if_end closes.
  ['if_ar_lt_1/c_pad,h_300,w_500/if_end', { WIDE: '', TALL: 'c_pad,h_300,w_500' }],
  ['if_iw_lte_400/c_fill,h_120,w_240/if_else/c_fill,h_240,w_400/if_end', { WIDE: 'c_fill,h_240,w_400', TALL: 'c_fill,h_120,w_240' }],
  ['if_w_gt_300/c_scale,w_300/e_grayscale/if_end/a_90', { WIDE: 'c_scale,w_300/e_grayscale/a_90', SMALL: 'a_90' }],
  ['if_w_gt_300/w_300/e_grayscale', { WIDE: 'w_300/e_grayscale', SMALL: '' }], // no if_end: to the end
  ['if_w_gt_300/w_300/if_else,w_100/e_grayscale', { WIDE: 'w_300/e_grayscale', SMALL: 'w_100/e_grayscale' }],
  ['if_w_gt_300/w_300/if_else/w_100/e_grayscale', { WIDE: 'w_300', SMALL: 'w_100/e_grayscale' }],
  ['if_w_gt_300/c_scale,w_300/if_end,e_grayscale', { WIDE: 'c_scale,w_300/e_grayscale', SMALL: '' }],
  ['if_w_gt_100/if_h_gt_200/w_50/if_else/w_60/if_end/e_grayscale/if_end', { WIDE: 'w_50/e_grayscale', SMALL: 'w_60/e_grayscale' }],
  ['if_w_gt_10,w_10/if_h_gt_1,h_10/if_end/e_grayscale', { WIDE: 'w_10/h_10/e_grayscale', SMALL: 'w_10/h_10/e_grayscale' }], // if_end closes the inner one
  ['if_w_gt_10,w_10/if_h_gt_10,h_10/if_end/e_grayscale', { WIDE: 'w_10/e_grayscale' }], // w_10 made it 10x5
  // w/h/ar are the size at that point of the chain, iw/ih/iar the original's.
  ['c_scale,w_200/if_w_lt_300,e_grayscale', { WIDE: 'c_scale,w_200/e_grayscale' }],
  ['c_scale,w_200/if_iw_lt_300,e_grayscale', { WIDE: 'c_scale,w_200' }],
  ['c_fill,h_100,w_100/if_ar_eq_1,w_50', { WIDE: 'c_fill,h_100,w_100/w_50' }],
  ['c_scale,h_50/if_h_eq_50_and_w_eq_100,e_grayscale', { WIDE: 'c_scale,h_50/e_grayscale' }],
  ['a_90/if_ar_lt_1,e_grayscale', { WIDE: 'a_90/e_grayscale', TALL: 'a_90' }],
  ['c_scale,w_500/if_w_lt_600/e_grayscale/if_end', { WIDE: 'c_scale,w_500/e_grayscale' }],
  ['c_scale,w_500/if_iar_gt_1_and_ar_gt_1,e_grayscale', { WIDE: 'c_scale,w_500/e_grayscale', TALL: 'c_scale,w_500' }],
  // A PDF: page 1 at dn_ (72 by default) is the first size.
  ['if_w_lt_700,w_300', { PDF: 'w_300' }],
  ['dn_144/if_w_gt_1000,w_300', { PDF: 'dn_144/w_300' }],
  ['if_pc_gt_3,pg_4', { PDF: 'pg_4', TALL: '' }],
  ['pg_2/if_cp_eq_2,w_100', { PDF: 'pg_2/w_100' }],
  ['if_fc_gt_0,e_grayscale', { WIDE: '' }], // no face detector: 0 faces
  ['if_fc_eq_0,e_grayscale', { WIDE: 'e_grayscale' }],
  // Tags, context, structured metadata.
  ['if_!sale!_in_tags,w_100', { WIDE: 'w_100', TALL: '' }],
  ['if_!sale:summer!_in_tags,w_100', { WIDE: 'w_100' }],
  ['if_!sale!_nin_tags,w_100', { WIDE: '', TALL: 'w_100' }],
  ["if_tags_in_['sale'],w_100", { WIDE: 'w_100', TALL: '' }],
  ["if_tags_in_['sale',_'summer'],w_100", { WIDE: 'w_100', TALL: '' }],
  ["if_tags_nin_['sale'],w_100", { WIDE: '', TALL: 'w_100' }],
  ['if_ctx:!productType!_eq_!shoes!,w_100', { WIDE: 'w_100', TALL: '' }],
  ['if_ctx:productType_ne_!shoes!,w_100', { WIDE: '', TALL: 'w_100' }],
  ['if_ctx:!productType!_eq_!!,w_100', { WIDE: '', TALL: 'w_100' }],
  ['if_ctx:!rank!_gte_5,w_100', { WIDE: 'w_100' }],
  ['if_md:!color!_eq_!red!,w_100', { WIDE: 'w_100', TALL: '' }],
  ['if_md:!price!_gt_40_and_!m!_in_md:!sizes!,w_100', { WIDE: 'w_100' }],
  // Operators, SDK symbols, precedence.
  ['if_w_gt_10_or_h_gt_10_and_ar_lt_1,w_100', { WIDE: 'w_100' }],
  ['if_w_>=_1000_&&_h_!=_400,w_100', { WIDE: 'w_100', TALL: '' }],
  ['if_ar_gt_3:4,w_100', { WIDE: 'w_100', TALL: '' }],
  // Variables: numbers (their text kept), expressions (pixels), strings.
  ['$small_150,w_$small', { WIDE: 'w_150' }],
  ['$small_150/c_scale,w_$(small)', { WIDE: 'c_scale,w_150' }],
  ['$rel_0.5/c_scale,w_$rel', { WIDE: 'c_scale,w_0.5' }],
  ['$w_iw_div_3/c_scale,w_$w', { WIDE: 'c_scale,w_333', TALL: 'c_scale,w_133' }],
  ['$w_100/$w_$w_mul_2/w_$w', { WIDE: 'w_200' }],
  ['$crop_!fill!,$side_120/c_$crop,h_$side,w_$side', { WIDE: 'c_fill,h_120,w_120' }],
  ['$name_!Hello!,l_text:Arial_20:$(name)', { WIDE: 'l_text:Arial_20:Hello' }],
  ['if_w_gt_300/$v_5/if_end/w_$v', { WIDE: 'w_5' }],
  ['$min_600/if_w_gt_$min,w_$min', { WIDE: 'w_600', TALL: '' }],
  ['$tag_!sale!/if_$tag_in_tags,e_grayscale', { WIDE: 'e_grayscale', TALL: '' }],
  ['$cw_w/c_scale,w_100/c_pad,h_100,w_$cw', { WIDE: 'c_scale,w_100/c_pad,h_100,w_1000' }], // $cw is evaluated where assigned
  // Arithmetic in numeric values: rounded where the parameter takes whole numbers.
  ['c_scale,w_iw_mul_0.5_add_10', { WIDE: 'c_scale,w_510', TALL: 'c_scale,w_210' }],
  ['c_scale,h_ih_sub_20', { WIDE: 'c_scale,h_480' }],
  ['c_scale,w_iw_add_ih_mul_2', { WIDE: 'c_scale,w_2000' }],
  ['c_scale,w_iw_*_0.5_+_10', { WIDE: 'c_scale,w_510' }],
  ['c_scale,w_iw_%_300', { WIDE: 'c_scale,w_100' }],
  ['c_scale,w_2_^_8', { WIDE: 'c_scale,w_256' }],
  ['c_scale,w_iw_div_3', { WIDE: 'c_scale,w_333' }],
  ['c_scale,w_200/c_scale,w_w_sub_20', { WIDE: 'c_scale,w_200/c_scale,w_180' }],
  ['c_crop,h_100,w_100,x_w_div_10,y_ih_div_10', { WIDE: 'c_crop,h_100,w_100,x_100,y_50' }],
  ['c_crop,h_100,w_100,x_0_sub_iw_div_100', { WIDE: 'c_crop,h_100,w_100,x_-10' }],
  ['r_iw_div_10', { WIDE: 'r_100' }],
  ['$o_25/o_$o_mul_2', { WIDE: 'o_50' }],
  ['$deg_45/a_$deg', { WIDE: 'a_45' }],
  ['a_iw_div_10.hflip', { WIDE: 'a_100.hflip' }],
  ['$b_300/e_blur:$b', { WIDE: 'e_blur:300' }],
  ['e_brightness:iw_div_100', { WIDE: 'e_brightness:10' }],
  ['c_fill,ar_iar_mul_2,w_100', { WIDE: 'c_fill,ar_4.0,w_100' }],
  ['dpr_ar,w_100', { WIDE: 'dpr_2.0,w_100' }],
  ['c_scale,w_iw', { WIDE: 'c_scale,w_1000' }],
  // Percent-encoding is decoded once, as the parser does: `%2C` separates, `%25` stays a percent sign.
  ['if_w_gt_300,w_300%2Ch_50', { WIDE: 'w_300,h_50' }],
  ['if_w_gt_300,w_300/du_20%25', { WIDE: 'w_300/du_20%25' }],
];

describe('resolveExpressions', () => {
  const rows = RESOLVED.flatMap(([text, byContext]) => Object.entries(byContext).map(([name, expected]) => [text, name, expected] as const));

  it.each(rows)('%s on %s → %j', (text, name, expected) => {
    const resolved = resolveExpressions(text, CONTEXTS[name as ContextName]);
    expect(resolved).toBe(expected);
    // What comes out is a plain transformation: the parser takes it, and has nothing left to resolve.
    expect(hasExpressions(resolved)).toBe(false);
    if (!resolved.includes('l_')) expect(() => parseTransformation(resolved)).not.toThrow();
  });

  it.each(RESOLVED.map(([text]) => text))('validateExpressions accepts %s (everything resolvable passes intake)', (text) => {
    expect(() => validateExpressions(text)).not.toThrow();
    expect(hasExpressions(text)).toBe(true);
  });

  it('returns a text without expressions unchanged, encoding included', () => {
    for (const text of ['', 'c_fill,h_50,w_100', 'w_100%2Ch_50', 'l_text:Arial_20:Price%20%245', 'a_auto_right', 'q_auto:good']) {
      expect(resolveExpressions(text, WIDE)).toBe(text);
    }
  });

  it('reads the asset only where the text does: tags flip the result, the rest does not matter', () => {
    const text = 'if_!sale!_in_tags/e_grayscale/if_else/e_sepia/if_end';
    expect(resolveExpressions(text, { ...WIDE, tags: ['sale'] })).toBe('e_grayscale');
    expect(resolveExpressions(text, { ...WIDE, tags: [] })).toBe('e_sepia');
  });
});

describe('SDK-built transformations', () => {
  // [options as a client passes them to cloudinary.url, the text the SDK writes, {context: resolved}]
  it.each<[unknown, string, Partial<Record<ContextName, string>>]>([
    [
      { transformation: [{ if: 'w_gt_300', width: 300, crop: 'scale' }, { if: 'end' }] },
      'if_w_gt_300,c_scale,w_300/if_end',
      { WIDE: 'c_scale,w_300', SMALL: '' },
    ],
    [
      { transformation: [{ if: 'width > 300', width: 300, crop: 'scale' }, { if: 'else', width: 100, crop: 'scale' }, { if: 'end' }] },
      'if_w_gt_300,c_scale,w_300/if_else,c_scale,w_100/if_end',
      { WIDE: 'c_scale,w_300', SMALL: 'c_scale,w_100' },
    ],
    [
      { transformation: [{ if: 'aspect_ratio < 1.0' }, { width: 500, height: 300, crop: 'pad' }, { if: 'end' }] },
      'if_ar_lt_1.0/c_pad,h_300,w_500/if_end',
      { WIDE: '', TALL: 'c_pad,h_300,w_500' },
    ],
    [{ variables: [['$small', 150]], width: '$small', crop: 'scale' }, '$small_150,c_scale,w_$small', { WIDE: 'c_scale,w_150' }],
    [{ $small: 150, width: '$small' }, '$small_150,w_$small', { WIDE: 'w_150' }],
    [{ variables: [['$small', 150]], width: '$(small)' }, '$small_150,w_$(small)', { WIDE: 'w_150' }],
    [
      { transformation: [{ variables: [['$w', 'initial_width / 2']] }, { width: '$w', crop: 'scale' }] },
      '$w_iw_div_2/c_scale,w_$w',
      { WIDE: 'c_scale,w_500', TALL: 'c_scale,w_200' },
    ],
    [{ if: "tags in ['sale']", width: 100 }, "if_tags_in_['sale'],w_100", { WIDE: 'w_100', TALL: '' }],
    [{ if: "tags nin ['sale']", width: 100 }, "if_tags_nin_['sale'],w_100", { WIDE: '', TALL: 'w_100' }],
    [{ if: '!sale!_in_tags', width: 100 }, 'if_!sale!_in_tags,w_100', { WIDE: 'w_100', TALL: '' }],
    [
      { if: 'initial_width > 300 && aspect_ratio < 1', width: 'initial_width / 2', crop: 'scale' },
      'if_iw_gt_300_and_ar_lt_1,c_scale,w_iw_div_2',
      { WIDE: '', TALL: 'c_scale,w_200' },
    ],
    [{ width: 'iw * 0.5 + 10', crop: 'scale' }, 'c_scale,w_iw_mul_0.5_add_10', { WIDE: 'c_scale,w_510' }],
    [{ if: 'ctx:!productType! = !shoes!', effect: 'grayscale' }, 'if_ctx:!productType!_eq_!shoes!,e_grayscale', { WIDE: 'e_grayscale', TALL: '' }],
    [{ if: 'face_count > 0', effect: 'grayscale' }, 'if_fc_gt_0,e_grayscale', { WIDE: '' }],
    [{ if: 'page_count >= 2 || width <= 100', width: 50 }, 'if_pc_gte_2_or_w_lte_100,w_50', { PDF: 'w_50', WIDE: '' }],
    [{ if: 'width != height', effect: 'grayscale' }, 'if_w_ne_h,e_grayscale', { WIDE: 'e_grayscale' }],
    [
      { crop: 'crop', width: 100, height: 100, x: 'width / 10', y: 'initial_height / 10' },
      'c_crop,h_100,w_100,x_w_div_10,y_ih_div_10',
      { WIDE: 'c_crop,h_100,w_100,x_100,y_50' },
    ],
    [{ radius: 'iw / 10' }, 'r_iw_div_10', { WIDE: 'r_100' }],
    [{ variables: [['$o', 25]], opacity: '$o * 2' }, '$o_25,o_$o_mul_2', { WIDE: 'o_50' }],
    [
      { $name: '!Hello!', overlay: { text: '$(name)', font_family: 'Arial', font_size: 20 } },
      '$name_!Hello!,l_text:Arial_20:$(name)',
      { WIDE: 'l_text:Arial_20:Hello' },
    ],
  ])('%j', (options, written, byContext) => {
    expect(sdk(options)).toBe(written);
    for (const [name, expected] of Object.entries(byContext)) expect(resolveExpressions(written, CONTEXTS[name as ContextName])).toBe(expected);
  });
});

describe('refusals', () => {
  // [transformation, context, message]: refused by resolveExpressions (and by validateExpressions when `syntax`).
  it.each<[string, ContextName, string, 'syntax' | 'asset']>([
    ['w_iw_div_0', 'WIDE', 'Invalid expression in transformation: w_iw_div_0 - division by zero', 'asset'],
    ['w_iw_div_fc', 'WIDE', 'Invalid expression in transformation: w_iw_div_fc - division by zero', 'asset'],
    ['w_iw_mod_0', 'WIDE', 'Invalid expression in transformation: w_iw_mod_0 - modulo by zero', 'asset'],
    ['w_2_pow_2000', 'WIDE', 'Invalid expression in transformation: w_2_pow_2000 - the result is not a finite number', 'asset'],
    [
      'w_1_sub_1',
      'WIDE',
      'Invalid expression in transformation: w_1_sub_1 - it evaluates to w_0, refused: Invalid width in transformation: 0',
      'asset',
    ],
    [
      'w_iw_sub_2000',
      'WIDE',
      'Invalid expression in transformation: w_iw_sub_2000 - it evaluates to w_-1000, refused: Invalid width in transformation: -1000',
      'asset',
    ],
    ['o_iw', 'WIDE', 'Invalid expression in transformation: o_iw - it evaluates to o_1000, refused: Invalid opacity in transformation: 1000', 'asset'],
    ['w_$nope', 'WIDE', 'Invalid expression in transformation: w_$nope - variable $nope is not defined (assign it first: $nope_<value>)', 'syntax'],
    ['w_$(nope)', 'WIDE', 'Invalid expression in transformation: w_$(nope) - variable $nope is not defined (assign it first: $nope_<value>)', 'syntax'],
    ['w_$x/$x_1', 'WIDE', 'Invalid expression in transformation: w_$x - variable $x is not defined (assign it first: $x_<value>)', 'syntax'],
    [
      'if_w_gt_300/$v_5/if_end/w_$v',
      'SMALL',
      'Invalid expression in transformation: w_$v - variable $v is not defined (assign it first: $v_<value>)',
      'asset',
    ],
    ['$s_!abc!/w_$s_add_1', 'WIDE', 'Invalid expression in transformation: w_$s_add_1 - the string "abc" is not a number', 'asset'],
    [
      '$s_!abc!/w_$s',
      'WIDE',
      'Invalid expression in transformation: w_$s - it evaluates to w_abc, refused: Invalid width in transformation: abc',
      'asset',
    ],
    [
      'w_iw_div_2',
      'AUDIO',
      'Invalid expression in transformation: w_iw_div_2 - the asset has no known width and height (iw, ih, w, h and ar need them)',
      'asset',
    ],
    [
      'if_w_gt_1,e_grayscale',
      'AUDIO',
      'Invalid condition in transformation: if_w_gt_1 - the asset has no known width and height (iw, ih, w, h and ar need them)',
      'asset',
    ],
    ['if_ctx:!word!_gt_3,w_1', 'WIDE', 'Invalid condition in transformation: if_ctx:!word!_gt_3 - the string "abc" is not a number', 'asset'],
    ['if_tags_gt_1,w_1', 'WIDE', 'Invalid condition in transformation: if_tags_gt_1 - a set of strings is not a number', 'asset'],
    [
      't_thumb/if_w_gt_1,w_1',
      'WIDE',
      'Invalid condition in transformation: if_w_gt_1 - w, h and ar cannot be evaluated after a named transformation (t_) in the same URL',
      'asset',
    ],
    // Syntax: refused for every asset, at intake too.
    ['if_w_gt/w_1/if_end', 'WIDE', 'Invalid condition in transformation: if_w_gt - ends with an operator where a value belongs', 'syntax'],
    [
      'if_w_300,w_1',
      'WIDE',
      'Invalid condition in transformation: if_w_300 - expected a comparison (eq, ne, lt, gt, lte, gte, in, nin) but found a number',
      'syntax',
    ],
    [
      'if_w_gt_big,w_1',
      'WIDE',
      'Invalid condition in transformation: if_w_gt_big - unknown value big: not a number, a variable ($name), a string (!text!) or one of w, h, ar, iw, ih, iar, fc, pc, cp, tags',
      'syntax',
    ],
    ['if_du_gt_10,w_1', 'WIDE', 'Invalid condition in transformation: if_du_gt_10 - du is not supported by Rendition', 'syntax'],
    [
      'if_!sale_in_tags,w_1',
      'WIDE',
      'Invalid condition in transformation: if_!sale_in_tags - unterminated string !sale_in_tags: a string is written !text!',
      'syntax',
    ],
    ["if_tags_in_['sale',w_1", 'WIDE', "Invalid condition in transformation: if_tags_in_['sale',w_1 - unterminated list ['sale',w_1", 'syntax'],
    ['w_iw_div', 'WIDE', 'Invalid expression in transformation: w_iw_div - ends with an operator where a value belongs', 'syntax'],
    ['w_$w_$h', 'WIDE', 'Invalid expression in transformation: w_$w_$h - a comparison or unexpected operator in a value: $w_$h', 'syntax'],
    ['$w_iw_gt_1', 'WIDE', 'Invalid expression in transformation: $w_iw_gt_1 - a comparison or unexpected operator in a value: iw_gt_1', 'syntax'],
    ['$1a_10', 'WIDE', 'Invalid variable in transformation: $1a_10 - a variable is $ followed by a letter, then letters or digits', 'syntax'],
    ['$a-b_10', 'WIDE', 'Invalid variable in transformation: $a-b_10 - a variable is $ followed by a letter, then letters or digits', 'syntax'],
    [
      '$img_current:public_id',
      'WIDE',
      "Invalid expression in transformation: $img_current:public_id - current: values (the asset's public_id, tags…) are not supported by Rendition",
      'syntax',
    ],
    ['if_else/w_1', 'WIDE', 'Invalid conditional transformation - if_else without an if_<condition> before it', 'syntax'],
    ['w_1/if_end', 'WIDE', 'Invalid conditional transformation - if_end without an if_<condition> before it', 'syntax'],
    ['if_w_gt_300,w_300/if_end/if_end', 'WIDE', 'Invalid conditional transformation - if_end without an if_<condition> before it', 'syntax'],
    ['if_w_gt_1/w_1/if_else/w_2/if_else/w_3/if_end', 'WIDE', 'Invalid conditional transformation - a second if_else for if_w_gt_1', 'syntax'],
    ['if_w_gt_1,if_h_gt_1,w_1', 'WIDE', 'Invalid conditional transformation - more than one if_ in the component if_w_gt_1,if_h_gt_1,w_1', 'syntax'],
    [`${'if_w_gt_1/'.repeat(9)}w_1`, 'WIDE', 'Invalid conditional transformation - conditions nested more than 8 deep', 'syntax'],
    [Array.from({ length: 33 }, (_, index) => `$v${index}_1`).join(','), 'WIDE', 'Invalid transformation - more than 32 different variables', 'syntax'],
    // A bad plain parameter is refused even in a branch this asset does not take.
    ['if_w_gt_99999/w_abc/if_end', 'WIDE', 'Invalid width in transformation: abc', 'syntax'],
    ['if_w_gt_1,c_bogus', 'SMALL', 'Invalid crop mode - bogus', 'syntax'],
    ['if_w_gt_1,foo_bar', 'SMALL', 'Unknown transformation parameter - foo_bar', 'syntax'],
    // The plain grammar's own refusals.
    ['if_w_gt_1//w_1', 'WIDE', 'Invalid transformation - empty component in if_w_gt_1//w_1', 'syntax'],
    ['if_w_gt_1,w_1,', 'WIDE', 'Invalid transformation component - if_w_gt_1,w_1,', 'syntax'],
    [`if_w_gt_1,${'w_1,'.repeat(1100)}w_1`, 'WIDE', 'Invalid transformation - longer than 4096 characters', 'syntax'],
    [`if_w_gt_1/${'w_1/'.repeat(100)}w_1`, 'WIDE', 'Invalid transformation - more than 100 components', 'syntax'],
    ['if_w_gt_1,w_%E0%A4%A', 'WIDE', 'Invalid transformation - bad percent-encoding in if_w_gt_1,w_%E0%A4%A', 'syntax'],
  ])('%s on %s: %s', (text, name, message, kind) => {
    const error = refusal(() => resolveExpressions(text, CONTEXTS[name]));
    expect([error.status, error.message]).toEqual([400, message]);
    if (kind === 'syntax') expect(refusal(() => validateExpressions(text)).message).toBe(message);
    else expect(() => validateExpressions(text)).not.toThrow();
  });

  it('accepts 8 levels of nesting and 32 variables', () => {
    expect(resolveExpressions(`${'if_w_gt_1/'.repeat(8)}w_1`, WIDE)).toBe('w_1');
    const assignments = Array.from({ length: 32 }, (_, index) => `$v${index}_${index}`).join(',');
    expect(resolveExpressions(`${assignments}/w_$v31`, WIDE)).toBe('w_31');
  });

  it('leaves $(name) inside a text as written when no $name is assigned', () => {
    expect(resolveExpressions('l_text:Arial_20:$(nope)', WIDE)).toBe('l_text:Arial_20:$(nope)');
    expect(resolveExpressions('$a_!x!/l_text:Arial_20:$(a)$(nope)', WIDE)).toBe('l_text:Arial_20:x$(nope)');
    expect(() => validateExpressions('l_text:Arial_20:$(nope)')).not.toThrow();
  });

  it('reads iw after a named transformation (its size is known), not w', () => {
    expect(resolveExpressions('t_thumb/if_iw_gt_1,w_1', WIDE)).toBe('t_thumb/w_1');
  });
});

describe('hasExpressions', () => {
  it.each<[string, boolean]>([
    ['if_w_gt_1,w_1', true],
    ['if_else', true],
    ['$a_1', true],
    ['w_iw_div_2', true],
    ['c_crop,x_w_div_50', true],
    ['e_blur:$b', true],
    ['e_brightness:iw_div_10', true],
    ['r_iw_div_10', true],
    ['a_iw_div_10.hflip', true],
    ['l_text:Arial_20:$(name)', true],
    ['if_w_gt_1%2Cw_1', true],
    ['w_100', false],
    ['c_fill,h_50,w_100', false],
    ['w_0.5', false],
    ['x_-10', false],
    ['ar_16:9', false],
    ['a_auto_right', false],
    ['a_90.hflip', false],
    ['q_auto:good', false],
    ['r_max', false],
    ['r_10:20', false],
    ['e_preview:duration_5:max_seg_3', false],
    ['so_2.5p', false],
    ['w_auto:100', false],
    ['dpr_auto', false],
    ['l_text:Arial_20:if_x', false],
    ['t_if_x', false],
    ['', false],
  ])('%s → %s', (text, expected) => {
    expect(hasExpressions(text)).toBe(expected);
  });
});

describe('eager lists', () => {
  it('parses plain items as parseEagerList does and keeps items with expressions for the derive job', () => {
    const items = parseEagerListWithExpressions('c_scale,w_100|if_w_gt_300,w_300/if_end/png|$w_iw_div_2/w_$w/f_webp|if_w_gt_1,f_webp/|w_50/jpg');
    expect(items.map((item) => item.requested)).toEqual([
      'c_scale,w_100',
      'if_w_gt_300,w_300/if_end/png',
      '$w_iw_div_2/w_$w/f_webp',
      'if_w_gt_1,f_webp/',
      'w_50/jpg',
    ]);
    expect(items[0]).toMatchObject({ plan: { components: [{ crop: 'scale', width: { kind: 'pixels', value: 100 } }] } });
    expect(items[1]).toEqual({ expressions: 'if_w_gt_300,w_300/if_end', formatSuffix: 'png', format: null, requested: 'if_w_gt_300,w_300/if_end/png' });
    // f_ outside any condition is the item's format; one inside a condition is not known before the asset.
    expect(items[2]).toEqual({ expressions: '$w_iw_div_2/w_$w/f_webp', format: 'webp', requested: '$w_iw_div_2/w_$w/f_webp' });
    expect(items[3]).toEqual({ expressions: 'if_w_gt_1,f_webp', formatSuffix: '', format: null, requested: 'if_w_gt_1,f_webp/' });
    expect(items[4]).toMatchObject({ formatSuffix: 'jpg', requested: 'w_50/jpg' });
    expect(items[4]!.expressions).toBeUndefined();
  });

  it('decodes once: an item keeps its `%` escaped for the resolver', () => {
    const [item] = parseEagerListWithExpressions('if_w_gt_1,w_1/du_20%25');
    expect(item).toMatchObject({ expressions: 'if_w_gt_1,w_1/du_20%25', requested: 'if_w_gt_1,w_1/du_20%' });
    expect(resolveExpressions(item!.expressions!, WIDE)).toBe('w_1/du_20%25');
  });

  it.each<[string, string]>([
    ['w_100|if_else', 'Invalid conditional transformation - if_else without an if_<condition> before it'],
    ['if_w_gt_1,w_1|', 'Invalid eager transformation - empty item in if_w_gt_1,w_1|'],
    ['if_w_gt_1,w_1|w_abc', 'Invalid width in transformation: abc'],
    ['if_w_gt_1,w_abc/png', 'Invalid width in transformation: abc'],
    ['w_$x/jpg', 'Invalid expression in transformation: w_$x - variable $x is not defined (assign it first: $x_<value>)'],
  ])('refuses %s: %s', (text, message) => {
    expect(refusal(() => parseEagerListWithExpressions(text)).message).toBe(message);
  });

  it('finds the unconditional format', () => {
    expect(unconditionalFormat('f_png/if_w_gt_1/f_webp/if_end')).toBe('png');
    expect(unconditionalFormat('if_w_gt_1,w_1/f_auto')).toBeNull();
    expect(unconditionalFormat('$f_!png!/f_$f')).toBeNull();
  });
});
