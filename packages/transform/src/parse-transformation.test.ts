import { describe, expect, it } from 'vitest';
import { parseDeliveryPath } from '@rendition/protocol';
import { refusal } from '../test/refusal.ts';
import { canonicalString } from './canonical.ts';
import { MAX_COMPONENTS, MAX_TRANSFORMATION_LENGTH, parseEagerList, parseTransformation } from './parse-transformation.ts';

const canonical = (text: string): string => canonicalString(parseTransformation(text));

describe('parseTransformation: valid strings and their canonical form', () => {
  it.each<[string, string]>([
    // order never matters; components keep theirs
    ['w_100,h_50,c_fill', 'c_fill,h_50,w_100'],
    ['c_fill,h_50,w_100', 'c_fill,h_50,w_100'],
    ['h_50,c_fill,w_100/a_90', 'c_fill,h_50,w_100/a_90'],
    ['a_90/c_fill,h_50,w_100', 'a_90/c_fill,h_50,w_100'],
    ['', ''],
    // sizes: integers are pixels, a "." makes a fraction, and the two never collapse
    ['w_200', 'w_200'],
    ['w_0200', 'w_200'],
    ['w_0.5', 'w_0.5'],
    ['w_0.50', 'w_0.5'],
    ['w_1.0', 'w_1.0'],
    ['w_2.0', 'w_2.0'],
    ['h_0.0000001', 'h_0.0000001'],
    ['x_-10,y_0.25', 'x_-10,y_0.25'],
    ['x_-0.0', 'x_0.0'],
    // aspect ratio
    ['ar_16:9,w_400,c_fill', 'ar_16:9,c_fill,w_400'],
    ['ar_1.5', 'ar_1.5'],
    ['ar_2', 'ar_2.0'],
    // crop modes and gravity
    ...['scale', 'fit', 'limit', 'mfit', 'fill', 'lfill', 'pad', 'lpad', 'mpad', 'fill_pad', 'crop', 'thumb'].map((mode): [string, string] => [
      `c_${mode}`,
      `c_${mode}`,
    ]),
    ['g_north_east,c_crop,w_10,h_10,x_5,y_-5', 'c_crop,g_north_east,h_10,w_10,x_5,y_-5'],
    ['g_center', 'g_center'],
    ['g_auto', 'g_auto'],
    ['g_auto:subject', 'g_auto:subject'],
    ['g_face,c_thumb,w_100,h_100', 'c_thumb,g_face,h_100,w_100'],
    ['g_faces:center', 'g_faces:center'],
    // quality and format
    ['q_80', 'q_80'],
    ['q_auto', 'q_auto'],
    ['q_auto:eco', 'q_auto:eco'],
    ['q_auto:good,f_webp', 'f_webp,q_auto:good'],
    ...['jpg', 'png', 'webp', 'avif', 'gif', 'auto'].map((format): [string, string] => [`f_${format}`, `f_${format}`]),
    // effects: a value equal to the default is dropped
    ['e_grayscale', 'e_grayscale'],
    ['e_negate', 'e_negate'],
    ['e_blackwhite', 'e_blackwhite'],
    ['e_blackwhite:50', 'e_blackwhite'],
    ['e_blackwhite:30', 'e_blackwhite:30'],
    ['e_sepia:80', 'e_sepia'],
    ['e_sepia:40', 'e_sepia:40'],
    ['e_blur', 'e_blur'],
    ['e_blur:100', 'e_blur'],
    ['e_blur:300', 'e_blur:300'],
    ['e_sharpen:2000', 'e_sharpen:2000'],
    ['e_brightness:-20', 'e_brightness:-20'],
    ['e_contrast:40', 'e_contrast:40'],
    ['e_contrast', 'e_contrast'],
    ['e_saturation:-100', 'e_saturation:-100'],
    ['e_pixelate', 'e_pixelate'],
    ['e_pixelate:12', 'e_pixelate:12'],
    // radius, angle
    ['r_max', 'r_max'],
    ['r_20', 'r_20'],
    ['r_0', 'r_0'],
    ['a_90', 'a_90'],
    ['a_-45', 'a_-45'],
    ['a_-0', 'a_0'],
    ['a_exif', 'a_exif'],
    ['a_auto_right', 'a_auto_right'],
    ['a_auto_left', 'a_auto_left'],
    ['a_hflip.90', 'a_hflip.90'],
    ['a_45.5', 'a_45.5'], // `.` joins steps: 45° then 5°, never 45.5°
    ['a_vflip', 'a_vflip'],
    // colours
    ['b_red', 'b_red'],
    ['b_RED', 'b_red'],
    ['b_rgb:F00', 'b_rgb:ff0000'],
    ['b_rgb:ff000080', 'b_rgb:ff000080'],
    ['b_transparent', 'b_transparent'],
    ['bo_4px_solid_red', 'bo_4px_solid_red'],
    ['bo_2px_solid_rgb:000', 'bo_2px_solid_rgb:000000'],
    // opacity, dpr, flags, page, named
    ['o_50', 'o_50'],
    ['o_0', 'o_0'],
    ['dpr_2', 'dpr_2.0'],
    ['dpr_2.0', 'dpr_2.0'],
    ['dpr_1.50', 'dpr_1.5'],
    ['dpr_auto', 'dpr_1.0'],
    ['fl_progressive', 'fl_progressive'],
    ['fl_strip_profile.progressive', 'fl_progressive.strip_profile'],
    ['fl_lossy.keep_iptc.preserve_transparency', 'fl_keep_iptc.lossy.preserve_transparency'],
    ['fl_progressive.progressive', 'fl_progressive'],
    ['fl_attachment', 'fl_attachment'],
    ['fl_attachment:my-file_1', 'fl_attachment:my-file_1'],
    ['pg_2', 'pg_2'],
    ['dn_144', 'dn_144'],
    ['dn_1', 'dn_1'],
    ['dn_600', 'dn_600'],
    ['dn_072', 'dn_72'],
    ['w_300,dn_150,pg_3', 'dn_150,pg_3,w_300'],
    ['dpr_2.0,dn_300', 'dn_300,dpr_2.0'],
    ['dn_100,dn_200', 'dn_200'],
    ['t_thumb_small', 't_thumb_small'],
    ['w_100,t_a.b', 't_a.b,w_100'],
    // video-only parameters parse and round-trip (the image executor refuses them)
    ['so_2.5,du_20p', 'du_20p,so_2.5'],
    ['so_20%', 'so_20p'],
    ['eo_10', 'eo_10'],
    ['eo_10.0', 'eo_10'],
    ['vc_h264:baseline:3.1', 'vc_h264:baseline:3.1'],
    ['ac_none', 'ac_none'],
    ['br_250k', 'br_250k'],
    ['fps_24-30', 'fps_24-30'],
    ['fps_15-', 'fps_15-'],
    // a repeated parameter keeps its last value, as Cloudinary does
    ['w_100,w_200', 'w_200'],
    ['c_fill,c_crop,w_300,h_300', 'c_crop,h_300,w_300'],
    ['e_grayscale,e_negate', 'e_negate'],
    // percent-encoded text is decoded once
    ['w_100%2Ch_50', 'h_50,w_100'],
    ['b_rgb%3Aff0000', 'b_rgb:ff0000'],
    ['w_100%2Fa_90', 'w_100/a_90'],
  ])('%s → %s', (text, want) => {
    expect(canonical(text)).toBe(want);
    expect(canonical(want)).toBe(want); // canonical is a fixed point
  });

  it('types every parameter of a component', () => {
    expect(
      parseTransformation(
        'c_fill,g_face,w_0.5,h_200,q_auto:eco,e_blur,f_avif,ar_4:3,x_-3,y_0.1,r_max,a_auto_left.45,b_rgb:0000ff80,bo_3px_solid_white,o_70,dpr_2.0,fl_attachment:pic.lossy,pg_3,t_base',
      ),
    ).toEqual({
      components: [
        {
          crop: 'fill',
          gravity: { kind: 'auto', requested: 'face', faceFallback: true },
          width: { kind: 'fraction', value: 0.5 },
          height: { kind: 'pixels', value: 200 },
          quality: { kind: 'auto', level: 'eco' },
          effect: { name: 'blur', value: 100 },
          format: 'avif',
          aspectRatio: { kind: 'ratio', width: 4, height: 3 },
          x: { kind: 'pixels', value: -3 },
          y: { kind: 'fraction', value: 0.1 },
          radius: { kind: 'max' },
          angle: [{ kind: 'auto_left' }, { kind: 'degrees', value: 45 }],
          background: { text: 'rgb:0000ff80', r: 0, g: 0, b: 255, alpha: 0.502 },
          border: { width: 3, style: 'solid', color: { text: 'white', r: 255, g: 255, b: 255, alpha: 1 } },
          opacity: 70,
          dpr: 2,
          flags: [{ name: 'attachment', filename: 'pic' }, { name: 'lossy' }],
          page: 3,
          named: ['base'],
        },
      ],
    });
  });

  it('records gravity fallbacks and auto variants', () => {
    const gravity = (text: string) => parseTransformation(`g_${text}`).components[0]!.gravity;
    expect(gravity('north')).toEqual({ kind: 'compass', direction: 'north' });
    expect(gravity('auto')).toEqual({ kind: 'auto', requested: 'auto', faceFallback: false });
    expect(gravity('auto:faces')).toEqual({ kind: 'auto', requested: 'auto:faces', faceFallback: true });
    expect(gravity('faces')).toEqual({ kind: 'auto', requested: 'faces', faceFallback: true });
  });

  it('flags video-only parameters on their component only', () => {
    const plan = parseTransformation('w_100/so_2.5,du_20p,vc_h264,w_50');
    expect(plan.components[0]!.videoOnly).toBeUndefined();
    expect(plan.components[1]!.videoOnly).toEqual({
      startOffset: { kind: 'seconds', value: 2.5 },
      duration: { kind: 'percent', value: 20 },
      videoCodec: { kind: 'codec', codec: 'h264', profile: null, level: null },
    });
  });

  it('resolves effect defaults into the plan', () => {
    const effect = (text: string) => parseTransformation(`e_${text}`).components[0]!.effect;
    expect(effect('sepia')).toEqual({ name: 'sepia', value: 80 });
    expect(effect('brightness')).toEqual({ name: 'brightness', value: 80 });
    expect(effect('sharpen:5')).toEqual({ name: 'sharpen', value: 5 });
    expect(effect('grayscale')).toEqual({ name: 'grayscale' });
  });
});

describe('parseTransformation: every kind of invalid input is a 400 naming it', () => {
  it.each<[string, string]>([
    // grammar
    ['w100', 'Invalid transformation component - w100'],
    ['w_100,,h_5', 'Invalid transformation component - w_100,,h_5'],
    ['w_', 'Invalid transformation component - w_'],
    ['_100', 'Invalid transformation component - _100'],
    ['w_100/jpg', 'Invalid transformation component - jpg'],
    ['w_100//h_50', 'Invalid transformation - empty component in w_100//h_50'],
    ['w_100/', 'Invalid transformation - empty component in w_100/'],
    ['/w_100', 'Invalid transformation - empty component in /w_100'],
    ['w_%E0%A4%A', 'Invalid transformation - bad percent-encoding in w_%E0%A4%A'],
    // keys
    ['zz_1', 'Unknown transformation parameter - zz_1'],
    ['W_100', 'Unknown transformation parameter - W_100'],
    ['w_100,foo_bar', 'Unknown transformation parameter - foo_bar'],
    // layers parse (parse-layer.test.ts); their refusals name the layer
    ['l_video:clip', 'Unsupported layer - l_video:clip: only image layers are supported'],
    ['u_a::b', 'Invalid layer - u_a::b: Invalid public_id a//b: contains an empty path element'],
    ['z_0', 'Invalid zoom in transformation: 0'],
    ['if_w_gt_100', 'Unsupported transformation parameter - if_w_gt_100'],
    ['$size_100', 'Unsupported transformation parameter - $size_100'],
    // sizes
    ['w_abc', 'Invalid width in transformation: abc'],
    ['w_0', 'Invalid width in transformation: 0'],
    ['w_-5', 'Invalid width in transformation: -5'],
    ['w_0.0', 'Invalid width in transformation: 0.0'],
    ['w_1.', 'Invalid width in transformation: 1.'],
    ['w_.5', 'Invalid width in transformation: .5'],
    ['w_1001.0', 'Invalid width in transformation: 1001.0'],
    ['w_auto', 'Invalid width in transformation: auto'],
    ['w_iw', 'Invalid width in transformation: iw'],
    ['w_99999999999999999999', 'Invalid width in transformation: 99999999999999999999'],
    ['h_0', 'Invalid height in transformation: 0'],
    ['h_-0.5', 'Invalid height in transformation: -0.5'],
    ['x_1.2.3', 'Invalid x in transformation: 1.2.3'],
    ['y_abc', 'Invalid y in transformation: abc'],
    ['ar_0:9', 'Invalid aspect ratio in transformation: 0:9'],
    ['ar_16:', 'Invalid aspect ratio in transformation: 16:'],
    ['ar_abc', 'Invalid aspect ratio in transformation: abc'],
    ['ar_0', 'Invalid aspect ratio in transformation: 0'],
    // enumerations
    ['c_foo', 'Invalid crop mode - foo'],
    ['c_imagga_scale', 'Invalid crop mode - imagga_scale'],
    ['g_up', 'Invalid gravity - up'],
    ['g_xy_center', 'Invalid gravity - xy_center'],
    ['g_auto:', 'Invalid gravity - auto:'],
    ['q_0', 'Invalid quality in transformation: 0'],
    ['q_101', 'Invalid quality in transformation: 101'],
    ['q_auto:max', 'Invalid quality in transformation: auto:max'],
    ['q_80:420', 'Invalid quality in transformation: 80:420'],
    ['f_bmp', 'Invalid format - bmp'],
    ['f_JPG', 'Invalid format - JPG'],
    // effects
    ['e_cartoon', 'Invalid effect - cartoon'],
    ['e_blur:0', 'Invalid effect - blur:0'],
    ['e_blur:2001', 'Invalid effect - blur:2001'],
    ['e_blur:abc', 'Invalid effect - blur:abc'],
    ['e_blur:', 'Invalid effect - blur:'],
    ['e_brightness:-100', 'Invalid effect - brightness:-100'],
    ['e_sepia:0', 'Invalid effect - sepia:0'],
    ['e_pixelate:201', 'Invalid effect - pixelate:201'],
    ['e_grayscale:5', 'Invalid effect - grayscale:5'],
    ['e_toString', 'Invalid effect - toString'],
    // radius, angle
    ['r_a', 'Invalid radius in transformation: a'],
    ['r_10:20', 'Invalid radius in transformation: 10:20'],
    ['r_-1', 'Invalid radius in transformation: -1'],
    ['a_361', 'Invalid angle in transformation: 361'],
    ['a_-361', 'Invalid angle in transformation: -361'],
    ['a_ignore', 'Invalid angle in transformation: ignore'],
    ['a_90.x', 'Invalid angle in transformation: 90.x'],
    // colours and border
    ['b_notacolor', 'Invalid color - notacolor'],
    ['b_auto', 'Invalid color - auto'],
    ['b_auto:predominant', 'Invalid color - auto:predominant'],
    ['b_rgb:ff00', 'Invalid color - rgb:ff00'],
    ['b_rgb:gg0000', 'Invalid color - rgb:gg0000'],
    ['b_#ff0000', 'Invalid color - #ff0000'],
    ['bo_4px_dashed_red', 'Invalid border in transformation: 4px_dashed_red'],
    ['bo_0px_solid_red', 'Invalid border in transformation: 0px_solid_red'],
    ['bo_4_solid_red', 'Invalid border in transformation: 4_solid_red'],
    ['bo_4px_solid_nope', 'Invalid color - nope'],
    // opacity, dpr, flags, page, named
    ['o_101', 'Invalid opacity in transformation: 101'],
    ['o_-1', 'Invalid opacity in transformation: -1'],
    ['o_50.5', 'Invalid opacity in transformation: 50.5'],
    ['dpr_6.0', 'Invalid dpr in transformation: 6.0'],
    ['dpr_0', 'Invalid dpr in transformation: 0'],
    ['dpr_x', 'Invalid dpr in transformation: x'],
    ['fl_splice', 'Invalid flag - splice'],
    ['fl_progressive.foo', 'Invalid flag - foo'],
    ['fl_attachment:', 'Invalid flag - attachment:'],
    ['fl_attachment:a b', 'Invalid flag - attachment:a b'],
    ['pg_0', 'Invalid page in transformation: 0'],
    ['pg_-1', 'Invalid page in transformation: -1'],
    ['pg_1.5', 'Invalid page in transformation: 1.5'],
    ['pg_x', 'Invalid page in transformation: x'],
    ['pg_1-3-', 'Invalid page in transformation: 1-3-'],
    // page selections that make a PDF (ranges, lists) or explode it: Cloudinary's, not implemented
    ['pg_1-3', 'Unsupported transformation parameter - pg_1-3: page ranges, lists and pg_all are not supported, select one page (pg_<n>)'],
    ['pg_5-', 'Unsupported transformation parameter - pg_5-: page ranges, lists and pg_all are not supported, select one page (pg_<n>)'],
    ['pg_3;5;7', 'Unsupported transformation parameter - pg_3;5;7: page ranges, lists and pg_all are not supported, select one page (pg_<n>)'],
    ['pg_all', 'Unsupported transformation parameter - pg_all: page ranges, lists and pg_all are not supported, select one page (pg_<n>)'],
    // density: integer dots per inch, 1..600
    ['dn_0', 'Invalid density in transformation: 0'],
    ['dn_601', 'Invalid density in transformation: 601'],
    ['dn_-72', 'Invalid density in transformation: -72'],
    ['dn_72.5', 'Invalid density in transformation: 72.5'],
    ['dn_150.0', 'Invalid density in transformation: 150.0'],
    ['dn_auto', 'Invalid density in transformation: auto'],
    ['dn_1e2', 'Invalid density in transformation: 1e2'],
    ['dn_abc,dn_100', 'Invalid density in transformation: abc'],
    ['t_a..b', 'Invalid named transformation - a..b'],
    ['t_a:b', 'Invalid named transformation - a:b'],
    // video-only values are validated too
    ['so_abc', 'Invalid start offset in transformation: abc'],
    ['eo_-1', 'Invalid end offset in transformation: -1'],
    ['du_101p', 'Invalid duration in transformation: 101p'],
    ['vc_H264!', 'Invalid video codec in transformation: H264!'],
    ['ac_a b', 'Invalid audio codec in transformation: a b'],
    ['br_fast', 'Invalid bit rate in transformation: fast'],
    ['fps_x', 'Invalid fps in transformation: x'],
    // the earlier of two repeated parameters is validated even though the last one wins
    ['w_abc,w_100', 'Invalid width in transformation: abc'],
  ])('%s → %s', (text, message) => {
    const error = refusal(() => parseTransformation(text));
    expect(error.status).toBe(400);
    expect(error.message).toBe(message);
  });

  it('bounds the length and the number of components', () => {
    expect(refusal(() => parseTransformation('w_1,'.repeat(MAX_TRANSFORMATION_LENGTH))).message).toBe(
      `Invalid transformation - longer than ${MAX_TRANSFORMATION_LENGTH} characters`,
    );
    expect(parseTransformation(Array(MAX_COMPONENTS).fill('w_1').join('/')).components).toHaveLength(MAX_COMPONENTS);
    expect(
      refusal(() =>
        parseTransformation(
          Array(MAX_COMPONENTS + 1)
            .fill('w_1')
            .join('/'),
        ),
      ).message,
    ).toBe(`Invalid transformation - more than ${MAX_COMPONENTS} components`);
  });
});

describe('malformed steps in delivery URLs', () => {
  // The delivery path parser refuses a malformed step before any asset is looked up; it must refuse
  // the steps this parser refuses with the same text, and never refuse one this parser accepts.
  it.each(['w_100,,,h_100', 'w_100,', ',w_100', 'w_100,h_', 'w_100,_1', 'w_100%2C%2Ch_100', 'c_fill,w_100,x'])('%s', (step) => {
    const parsed = refusal(() => parseTransformation(step));
    const delivered = refusal(() => parseDeliveryPath(`/demo/image/upload/${step}/x.png`));
    expect(delivered.status).toBe(400);
    expect(delivered.message).toBe(parsed.message);
  });

  it.each(['c_fill,h_50,w_100', 'fl_attachment:my-file_1', 'l_text:Arial_12:Hello%20World', 'w_100%2Ch_50'])('%s passes through', (step) => {
    expect(parseDeliveryPath(`/demo/image/upload/${step}/x.png`).transformation).toBe(step);
  });
});

describe('parseEagerList', () => {
  it('splits on | and keeps each item as requested', () => {
    const items = parseEagerList('w_400,h_300,c_pad|w_260,h_200,c_crop,g_north');
    expect(items.map((item) => item.requested)).toEqual(['w_400,h_300,c_pad', 'w_260,h_200,c_crop,g_north']);
    expect(items.map((item) => canonicalString(item.plan))).toEqual(['c_pad,h_300,w_400', 'c_crop,g_north,h_200,w_260']);
    expect(items.map((item) => item.formatSuffix)).toEqual([undefined, undefined]);
    expect(items.every((item) => !('formatSuffix' in item))).toBe(true);
  });

  it.each<[string, string, string | undefined, number]>([
    // the reference's echoed examples (gem spec): the suffix is the derivative's format
    ['c_crop,w_0.5/tiff', 'c_crop,w_0.5', 'tiff', 1],
    ['c_crop,w_0.5/a_90', 'c_crop,w_0.5/a_90', undefined, 2],
    ['c_crop,w_0.5/a_90/tiff', 'c_crop,w_0.5/a_90', 'tiff', 2],
    ['c_scale,w_2.0', 'c_scale,w_2.0', undefined, 1],
    ['w_100,h_50,c_fill/jpg', 'c_fill,h_50,w_100', 'jpg', 1],
    ['w_100/JPG', 'w_100', 'jpg', 1],
    ['w_100/webp', 'w_100', 'webp', 1],
    ['/jpg', '', 'jpg', 0],
    ['w_100/', 'w_100', '', 1],
  ])('%s → plan %s, suffix %s', (text, plan, suffix, components) => {
    const [item, ...rest] = parseEagerList(text);
    expect(rest).toEqual([]);
    expect(item!.requested).toBe(text);
    expect(canonicalString(item!.plan)).toBe(plan);
    expect(item!.formatSuffix).toBe(suffix);
    expect(item!.plan.components).toHaveLength(components);
  });

  it('handles suffixes item by item', () => {
    const items = parseEagerList('c_pad,h_300,w_400|c_crop,g_north,h_200,w_260/jpg|e_sepia/png');
    expect(items.map((item) => [item.requested, item.formatSuffix])).toEqual([
      ['c_pad,h_300,w_400', undefined],
      ['c_crop,g_north,h_200,w_260/jpg', 'jpg'],
      ['e_sepia/png', 'png'],
    ]);
  });

  it.each<[string, string]>([
    ['', 'Invalid eager transformation - empty item in '],
    ['w_100||h_5', 'Invalid eager transformation - empty item in w_100||h_5'],
    ['w_100|', 'Invalid eager transformation - empty item in w_100|'],
    ['jpg', 'Invalid transformation component - jpg'],
    ['w_100/jpg/png', 'Invalid transformation component - jpg'],
    ['w_100//jpg', 'Invalid transformation - empty component in w_100//jpg'],
    ['w_100/jp.g', 'Invalid transformation component - jp.g'],
    ['w_100|c_nope', 'Invalid crop mode - nope'],
  ])('refuses %j: %s', (text, message) => {
    const error = refusal(() => parseEagerList(text));
    expect(error.status).toBe(400);
    expect(error.message).toBe(message);
  });
});
