import type { CropMode } from './plan.ts';

// The expected-dimensions table of docs/crop-modes.md. Every row is written by hand from the mode's
// documented semantics (not computed), and crop-mode-table.test.ts checks each one against
// projectOutputSize and against the kind of steps the geometry produces. docs/crop-modes.md is rendered
// from this file (scripts/render-crop-doc.ts); a test fails when the committed page is stale.

export const TABLE_INPUT = { width: 1000, height: 500 } as const;

/** The requested boxes (columns of the table), as transformation parameters without `c_`. */
export const TABLE_TARGETS = ['w_400,h_300', 'w_400', 'h_300', 'w_2000,h_1000', 'w_400,h_1000', 'ar_1:1'] as const;
export type TableTarget = (typeof TABLE_TARGETS)[number];

/** What happened to the image, as read from the geometry steps. */
export type TableAction = 'unchanged' | 'scaled down' | 'scaled up' | 'distorted' | 'cropped' | 'padded';

export type CropModeRow = {
  mode: CropMode;
  target: TableTarget;
  output: `${number}x${number}`;
  /** In this order when several apply: scaled down|scaled up, distorted, cropped, padded. */
  actions: readonly TableAction[];
};

/** One sentence of semantics per mode, Cloudinary's where it documents one, Rendition's choice where not. */
export const CROP_MODE_SEMANTICS: Readonly<Record<CropMode, string>> = {
  scale:
    'Resizes to exactly w×h, distorting when the ratio differs; with one side the other follows the aspect ratio. The default when w or h is given without c_.',
  fit: 'Scales (up or down) to the largest size that fits inside w×h, keeping the aspect ratio; nothing is cut or added.',
  limit: 'Like fit, but only ever scales down: an image already inside the box is left as it is.',
  mfit: 'Like fit, but only ever scales up: an image smaller than the box in both sides grows to fit it; any other image is left as it is (Cloudinary: "same as fit, but only if the original is smaller").',
  fill: 'Scales (up or down) to cover w×h keeping the aspect ratio, then cuts the excess at the gravity (default center): exactly w×h.',
  lfill:
    'Like fill, but never scales up: the output is min(w, scaled width)×min(h, scaled height), so a small image is only cut to the requested proportions where it exceeds the box.',
  pad: 'Scales (up or down) to fit inside w×h, then pads to exactly w×h with b_ (placed by gravity, default center).',
  lpad: 'Like pad, but never scales up: a smaller image is padded to w×h at its own size.',
  mpad: 'Like pad, but never scales down: an image that fits inside the box is scaled up to fit it and padded to w×h; a larger image is left as it is (Cloudinary: "same as pad, but only if the original is smaller").',
  fill_pad:
    "Rendition approximates Cloudinary's content-aware fill_pad without a saliency model: like lfill (cover w×h, never scaling up, cutting the excess at the gravity), then pads what is still short of w×h, so the output is always exactly w×h.",
  crop: 'Extracts a w×h region (each side clamped to the image) with no scaling, placed by gravity (default center; north_west when x/y are given) and shifted by x/y, kept inside the image.',
  thumb:
    "Like fill (Cloudinary uses it with face gravity; Rendition has no face detector, so g_face/g_faces fall back to auto, sharp's attention strategy). With z_ above 1 it scales further before cutting, so the window holds less of the image around the gravity.",
  auto: "Like fill, but the gravity defaults to auto (sharp's attention strategy picks the window) instead of center; Cloudinary's AI cropping is approximated by that saliency measure. z_ zooms as for thumb.",
};

const row = (mode: CropMode, target: TableTarget, output: CropModeRow['output'], ...actions: TableAction[]): CropModeRow => ({
  mode,
  target,
  output,
  actions,
});

/** Input 1000x500 (2:1). */
export const CROP_MODE_TABLE: readonly CropModeRow[] = [
  row('scale', 'w_400,h_300', '400x300', 'scaled down', 'distorted'),
  row('scale', 'w_400', '400x200', 'scaled down'),
  row('scale', 'h_300', '600x300', 'scaled down'),
  row('scale', 'w_2000,h_1000', '2000x1000', 'scaled up'),
  row('scale', 'w_400,h_1000', '400x1000', 'distorted'),
  row('scale', 'ar_1:1', '1000x1000', 'scaled up', 'distorted'),

  row('fit', 'w_400,h_300', '400x200', 'scaled down'),
  row('fit', 'w_400', '400x200', 'scaled down'),
  row('fit', 'h_300', '600x300', 'scaled down'),
  row('fit', 'w_2000,h_1000', '2000x1000', 'scaled up'),
  row('fit', 'w_400,h_1000', '400x200', 'scaled down'),
  row('fit', 'ar_1:1', '1000x500', 'unchanged'),

  row('limit', 'w_400,h_300', '400x200', 'scaled down'),
  row('limit', 'w_400', '400x200', 'scaled down'),
  row('limit', 'h_300', '600x300', 'scaled down'),
  row('limit', 'w_2000,h_1000', '1000x500', 'unchanged'),
  row('limit', 'w_400,h_1000', '400x200', 'scaled down'),
  row('limit', 'ar_1:1', '1000x500', 'unchanged'),

  row('mfit', 'w_400,h_300', '1000x500', 'unchanged'),
  row('mfit', 'w_400', '1000x500', 'unchanged'),
  row('mfit', 'h_300', '1000x500', 'unchanged'),
  row('mfit', 'w_2000,h_1000', '2000x1000', 'scaled up'),
  row('mfit', 'w_400,h_1000', '1000x500', 'unchanged'),
  row('mfit', 'ar_1:1', '1000x500', 'unchanged'),

  row('fill', 'w_400,h_300', '400x300', 'scaled down', 'cropped'),
  row('fill', 'w_400', '400x200', 'scaled down'),
  row('fill', 'h_300', '600x300', 'scaled down'),
  row('fill', 'w_2000,h_1000', '2000x1000', 'scaled up'),
  row('fill', 'w_400,h_1000', '400x1000', 'scaled up', 'cropped'),
  row('fill', 'ar_1:1', '500x500', 'cropped'),

  row('lfill', 'w_400,h_300', '400x300', 'scaled down', 'cropped'),
  row('lfill', 'w_400', '400x200', 'scaled down'),
  row('lfill', 'h_300', '600x300', 'scaled down'),
  row('lfill', 'w_2000,h_1000', '1000x500', 'unchanged'),
  row('lfill', 'w_400,h_1000', '400x500', 'cropped'),
  row('lfill', 'ar_1:1', '500x500', 'cropped'),

  row('pad', 'w_400,h_300', '400x300', 'scaled down', 'padded'),
  row('pad', 'w_400', '400x200', 'scaled down'),
  row('pad', 'h_300', '600x300', 'scaled down'),
  row('pad', 'w_2000,h_1000', '2000x1000', 'scaled up'),
  row('pad', 'w_400,h_1000', '400x1000', 'scaled down', 'padded'),
  row('pad', 'ar_1:1', '1000x1000', 'padded'),

  row('lpad', 'w_400,h_300', '400x300', 'scaled down', 'padded'),
  row('lpad', 'w_400', '400x200', 'scaled down'),
  row('lpad', 'h_300', '600x300', 'scaled down'),
  row('lpad', 'w_2000,h_1000', '2000x1000', 'padded'),
  row('lpad', 'w_400,h_1000', '400x1000', 'scaled down', 'padded'),
  row('lpad', 'ar_1:1', '1000x1000', 'padded'),

  row('mpad', 'w_400,h_300', '1000x500', 'unchanged'),
  row('mpad', 'w_400', '1000x500', 'unchanged'),
  row('mpad', 'h_300', '1000x500', 'unchanged'),
  row('mpad', 'w_2000,h_1000', '2000x1000', 'scaled up'),
  row('mpad', 'w_400,h_1000', '1000x500', 'unchanged'),
  row('mpad', 'ar_1:1', '1000x1000', 'padded'),

  row('fill_pad', 'w_400,h_300', '400x300', 'scaled down', 'cropped'),
  row('fill_pad', 'w_400', '400x200', 'scaled down'),
  row('fill_pad', 'h_300', '600x300', 'scaled down'),
  row('fill_pad', 'w_2000,h_1000', '2000x1000', 'padded'),
  row('fill_pad', 'w_400,h_1000', '400x1000', 'cropped', 'padded'),
  row('fill_pad', 'ar_1:1', '500x500', 'cropped'),

  row('crop', 'w_400,h_300', '400x300', 'cropped'),
  row('crop', 'w_400', '400x500', 'cropped'),
  row('crop', 'h_300', '1000x300', 'cropped'),
  row('crop', 'w_2000,h_1000', '1000x500', 'unchanged'),
  row('crop', 'w_400,h_1000', '400x500', 'cropped'),
  row('crop', 'ar_1:1', '500x500', 'cropped'),

  row('thumb', 'w_400,h_300', '400x300', 'scaled down', 'cropped'),
  row('thumb', 'w_400', '400x200', 'scaled down'),
  row('thumb', 'h_300', '600x300', 'scaled down'),
  row('thumb', 'w_2000,h_1000', '2000x1000', 'scaled up'),
  row('thumb', 'w_400,h_1000', '400x1000', 'scaled up', 'cropped'),
  row('thumb', 'ar_1:1', '500x500', 'cropped'),

  row('auto', 'w_400,h_300', '400x300', 'scaled down', 'cropped'),
  row('auto', 'w_400', '400x200', 'scaled down'),
  row('auto', 'h_300', '600x300', 'scaled down'),
  row('auto', 'w_2000,h_1000', '2000x1000', 'scaled up'),
  row('auto', 'w_400,h_1000', '400x1000', 'scaled up', 'cropped'),
  row('auto', 'ar_1:1', '500x500', 'cropped'),
];

/** Rules every mode shares, rendered under the table. */
export const SHARED_RULES: readonly string[] = [
  'One side only (`w_400` or `h_300`): every mode keeps the aspect ratio; the limit modes (limit, lfill, lpad, fill_pad) never enlarge, the minimum modes (mfit, mpad) never shrink, and crop cuts that side only.',
  'No `c_` with w or h means `c_scale`. A `c_` with neither w, h nor ar changes nothing.',
  "`w_0.5` (a value with a `.`) is a fraction of the component's input; `w_1.0` is 100%, `w_2.0` 200%. `w_200` is pixels.",
  '`ar_` with one side derives the other (`w_400,ar_16:9` → 400x225); with both sides it is ignored; alone, see the `ar_1:1` column: crop modes take the largest box of that ratio inside the image, pad modes the smallest box around it, the scale family keeps the width.',
  '`dpr_2.0` multiplies every pixel length of its component (w, h, x, y, border, radius): `w_400,dpr_2.0` is 800 pixels wide.',
  '`z_` (zoom) changes no size: with `c_crop` the region is the box divided by the zoom, scaled back up by it (`c_crop,w_400,h_300,z_2.0` cuts 200x150 and delivers 400x300; a region clamped by the image comes out at its size times the zoom; without w/h the box is the image); with `c_thumb` and `c_auto` a zoom above 1 scales further before the cut. Other modes ignore it.',
  'Sizes are rounded to the nearest pixel and never below 1.',
  'After the sizing: `a_90`/`a_270` swap the sides, other angles give the rotated bounding box, `a_auto_right`/`a_auto_left` rotate by 90° first when the box and the image differ in orientation; `bo_Npx_solid_color` adds 2N to each side.',
  "Every step is checked against the configured maximum side and pixel count (a fill's scaled intermediate included); the first step beyond them is a 400 `Requested output of WxH exceeds the maximum …`, before any pixel is decoded.",
];
