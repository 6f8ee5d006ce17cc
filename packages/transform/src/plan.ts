// The typed transformation plan: what a Cloudinary transformation string means once it is parsed and
// validated. Executors pattern-match on these types; nothing downstream ever looks at the raw string.
//
// A plan is a chain of components (the `/`-separated steps of the string), applied in order. A component
// is one typed record of the `,`-separated parameters of that step; a parameter that was not given is
// absent (never `undefined`-valued on purpose, never defaulted here unless the type says so).

import { OUTPUT_FORMATS } from '@rendition/protocol';
import type { Layer } from './layer.ts';
import type { VideoCodecName } from './video-recipe.ts';

export type * from './layer.ts';

/** A chain of components, applied in order. `components: []` is the identity transformation. */
export type TransformationPlan = {
  components: Component[];
};

export type Component = {
  /** `w_`: pixels (`w_200`) or a fraction of the component's input (`w_0.5`, `w_1.0`, `w_2.0`). */
  width?: Length;
  /** `h_`: as width. */
  height?: Length;
  /** `ar_16:9` or `ar_1.5`. Derives the missing side when only one of w/h is given; ignored when both are. */
  aspectRatio?: AspectRatio;
  /** `c_`. Absent with w or h given means `scale` (Cloudinary's default). */
  crop?: CropMode;
  /** `g_`. */
  gravity?: Gravity;
  /** `x_`: pixels (may be negative) or a fraction of the input width. Used by `c_crop`. */
  x?: Length;
  /** `y_`: as x, of the input height. */
  y?: Length;
  /** `q_`. */
  quality?: Quality;
  /** `f_`. */
  format?: Format;
  /** `e_`: one per component (a repeated `e_` in one component keeps the last, as Cloudinary does). A video
   *  effect (`e_reverse` …) is `videoOnly.effect` instead; a component never has both. */
  effect?: Effect;
  /** `r_`. */
  radius?: Radius;
  /** `a_`: one or more `.`-joined steps (`a_90`, `a_hflip.90`), applied in order. */
  angle?: Angle[];
  /** `b_`: pad colour and the colour transparency is flattened onto. */
  background?: Color;
  /** `bo_<n>px_solid_<color>`. */
  border?: Border;
  /** `o_`: 0..100. */
  opacity?: number;
  /** `dpr_`: 0.1..5.0; multiplies the component's pixel lengths (w, h, x, y, border, radius). `dpr_auto` parses as 1. */
  dpr?: number;
  /** `fl_`: `.`-joined flags, sorted and de-duplicated. */
  flags?: Flag[];
  /** `pg_`: 1-based page or frame of a multi-page or animated input. */
  page?: number;
  /** `dn_`: dots per inch at which a document (PDF) page is rendered before the rest of the plan runs
   *  (72 = one pixel per PDF point); 1..MAX_DENSITY. Changes no pixel of a raster input. */
  density?: number;
  /** `t_`: named transformations (`t_a.b` → ['a', 'b']); replaced by `expandNamed` before execution. */
  named?: string[];
  /** Video-only parameters (so_, eo_, du_, vc_, ac_, af_, br_, fps_, ki_, vs_, sp_ and the video effects of e_).
   *  Present only when the component has one: the image executor refuses such a plan (`assertImagePlan`). */
  videoOnly?: VideoOnlyParams;
  /** `co_`: the colour of a text layer and of the effects that paint one (colorize, outline, shadow …). */
  color?: Color;
  /** `z_`: zoom (> 0, 1.0 = none) for `c_crop`/`c_thumb` around the gravity's region. */
  zoom?: number;
  /** `cs_`: the output's colour space. */
  colorSpace?: ColorSpace;
  /** `dl_`: milliseconds between the frames of an animated output. */
  delay?: number;
  /**
   * `l_` / `u_` with the layer's own components up to `fl_layer_apply`: one layer composed onto the image.
   * The parser folds the opening component, the layer's components and the applying one into this one
   * Component, which then carries nothing but `layer`.
   */
  layer?: Layer;
};

/** `cs_`: `srgb`, `tinysrgb` (sRGB with a small profile), `no_cmyk` (CMYK converted to sRGB), `keep_cmyk`, `cmyk`, `copy` (keep the source's). */
export const COLOR_SPACES = ['srgb', 'tinysrgb', 'no_cmyk', 'keep_cmyk', 'cmyk', 'copy'] as const;
export type ColorSpace = (typeof COLOR_SPACES)[number];

/** A pixel count (integer >= 1, or any integer for x/y) or a fraction of the input (a value written with a `.`). */
export type Length = { kind: 'pixels'; value: number } | { kind: 'fraction'; value: number };

export type AspectRatio =
  | { kind: 'ratio'; width: number; height: number } // ar_16:9
  | { kind: 'decimal'; value: number }; // ar_1.5

export const CROP_MODES = ['scale', 'fit', 'limit', 'mfit', 'fill', 'lfill', 'pad', 'lpad', 'mpad', 'fill_pad', 'crop', 'thumb', 'auto'] as const;
export type CropMode = (typeof CROP_MODES)[number];

export const COMPASS_GRAVITIES = ['north_west', 'north', 'north_east', 'west', 'center', 'east', 'south_west', 'south', 'south_east'] as const;
export type CompassGravity = (typeof COMPASS_GRAVITIES)[number];

/**
 * `compass`: a fixed anchor. `auto`: the executor picks the region (sharp's attention strategy);
 * `requested` is the text as canonicalized (`auto`, `auto:subject`, `face`, `faces`, `face:center` …) and
 * `faceFallback` is true when faces were asked for: Rendition has no face detector and uses auto instead.
 */
export type Gravity = { kind: 'compass'; direction: CompassGravity } | { kind: 'auto'; requested: string; faceFallback: boolean };

export const AUTO_QUALITY_LEVELS = ['best', 'good', 'eco', 'low'] as const;
export type AutoQualityLevel = (typeof AUTO_QUALITY_LEVELS)[number];

/** `q_80` → fixed 80; `q_auto` → auto with level null (Cloudinary's `good`); `q_auto:eco` → level 'eco'. */
export type Quality = { kind: 'fixed'; value: number } | { kind: 'auto'; level: AutoQualityLevel | null };

/** `f_`: one of protocol's OUTPUT_FORMATS, or `auto`. */
export const FORMATS = [...OUTPUT_FORMATS, 'auto'] as const;
/** `f_auto` means: pick by the request's `Accept` header (the delivery layer decides). */
export type Format = (typeof FORMATS)[number];

/**
 * Effects. `value` is always resolved (Cloudinary's default when the URL gave none); the canonical string
 * omits a value equal to the default, so `e_blur` and `e_blur:100` are one derivative.
 */
export type Effect =
  | { name: 'grayscale' }
  | { name: 'negate' }
  | { name: 'blackwhite'; value: number } // threshold 0..100, default 50
  | { name: 'sepia'; value: number } // 1..100, default 80
  | { name: 'blur'; value: number } // 1..2000, default 100
  | { name: 'sharpen'; value: number } // 1..2000, default 100
  | { name: 'brightness'; value: number } // -99..100, default 80
  | { name: 'contrast'; value: number } // -100..100, default 0
  | { name: 'saturation'; value: number } // -100..100, default 80
  | { name: 'pixelate'; value: number } // block size 1..200, default 5
  // Issue 19 (ranges and defaults: parse-effect.ts). `co_`, `x_`, `y_` of the component qualify some of them.
  | { name: 'shadow'; value: number } // strength 0..100, default 40
  | { name: 'colorize'; value: number } // 0..100, default 100
  | { name: 'vignette'; value: number } // 0..100, default 20
  | { name: 'unsharp_mask'; value: number } // 1..2000, default 100
  | { name: 'gamma'; value: number } // -50..150, default 0
  | { name: 'oil_paint'; value: number } // 0..100, default 30
  | { name: 'auto_brightness'; value: number } // blend 0..100, default 100
  | { name: 'auto_contrast'; value: number } // blend 0..100, default 100
  | { name: 'auto_color'; value: number } // blend 0..100, default 100
  /** Tolerance 0..100 (default 10); `color` overrides the corner colour that is trimmed (null: the corner's). */
  | { name: 'trim'; tolerance: number; color: Color | null }
  /** `mode` null: inner and outer (Cloudinary's default); width 1..100 (default 5); blur 0..2000 (default 0). */
  | { name: 'outline'; mode: OutlineMode | null; width: number; blur: number }
  /** `equalize` first; amount 0..100 (default 60); 1..10 colours (default red), each at an optional position 0..100 %. */
  | { name: 'tint'; equalize: boolean; amount: number; colors: TintColor[] }
  /** Colours near `from` (null: the most prominent saturated colour) within `tolerance` 0..100 (default 50) become shades of `to`. */
  | { name: 'replace_color'; to: Color; tolerance: number; from: Color | null }
  /** `mode` null: from one edge (`x_`/`y_` say which and how far; default the top half); strength 0..100 (default 20). */
  | { name: 'gradient_fade'; mode: 'symmetric' | 'symmetric_pad' | null; strength: number }
  /** Mode outdoor (default) or indoor; blend 0..100 (default 100). */
  | { name: 'improve'; mode: 'outdoor' | 'indoor'; blend: number }
  /** Line strength 0..100 (default 50); colour reduction 0..100, `bw`, or null (Cloudinary: automatic). */
  | { name: 'cartoonify'; lineStrength: number; colorReduction: number | 'bw' | null };
export type EffectName = Effect['name'];

export const OUTLINE_MODES = ['outer', 'inner', 'inner_fill', 'fill'] as const;
export type OutlineMode = (typeof OUTLINE_MODES)[number];
/** One colour of `e_tint`; `position` is a percentage (`red:40p`), null when not given (evenly spaced). */
export type TintColor = { color: Color; position: number | null };

/** `r_20` → corner radius in pixels (before dpr); `r_max` → circle/ellipse. */
export type Radius = { kind: 'pixels'; value: number } | { kind: 'max' };

/**
 * One step of `a_`. `degrees` -360..360 (clockwise); `exif` = auto-orient from EXIF (a no-op for sizes: the
 * input size given to projection is the oriented one); `auto_right`/`auto_left` rotate 90° cw/ccw first,
 * and only when the requested box's orientation differs from the image's; `hflip`/`vflip` mirror.
 */
export type Angle =
  { kind: 'degrees'; value: number } | { kind: 'exif' } | { kind: 'auto_right' } | { kind: 'auto_left' } | { kind: 'hflip' } | { kind: 'vflip' };

/**
 * A colour: `b_red` (CSS name) or `b_rgb:f00` / `rgb:ff0000` / `rgb:ff000080`. `text` is the canonical
 * spelling (`red`, `rgb:ff0000`, `rgb:ff000080`); r/g/b are 0..255 and alpha 0..1 (sharp's convention).
 */
export type Color = { text: string; r: number; g: number; b: number; alpha: number };

/** `bo_4px_solid_red`: `width` in pixels (before dpr). Only `solid` exists. */
export type Border = { width: number; style: 'solid'; color: Color };

/**
 * `animated` and `awebp` ask for an animated output of a video (gif always is; webp with one of them).
 * They are accepted on images too, where they change nothing beyond what the image executor already
 * does (it keeps or drops frames by the output format alone).
 */
export const SIMPLE_FLAGS = [
  'animated',
  'any_format',
  'awebp',
  'clip',
  'keep_iptc',
  'lossy',
  'preserve_transparency',
  'progressive',
  'strip_profile',
] as const;
/** Flags that only mean something on a layer (the `fl_layer_apply` component or the opening one): the parser moves them into `Layer.placement`. */
export const LAYER_FLAGS = [
  'layer_apply',
  'tiled',
  'no_overflow',
  'cutter',
  'relative',
  'region_relative',
  'text_no_trim',
  'text_disallow_overflow',
] as const;
export type LayerFlagName = (typeof LAYER_FLAGS)[number];
export type SimpleFlagName = (typeof SIMPLE_FLAGS)[number];
/** `fl_attachment` → filename null; `fl_attachment:my_name` → 'my_name'. */
export type Flag = { name: SimpleFlagName } | { name: 'attachment'; filename: string | null };
export type FlagName = Flag['name'];

/** `so_2.5` → seconds 2.5; `so_20p` / `so_20%` → percent 20 (of the source's duration). */
export type VideoOffset = { kind: 'seconds'; value: number } | { kind: 'percent'; value: number };

/**
 * `so_`: an offset, or `so_auto` (Cloudinary: the "best" frame for a thumbnail). Rendition has no frame
 * scorer: `so_auto` means the middle of the video (where a frame is taken without `so_` too).
 */
export type StartOffset = VideoOffset | { kind: 'auto' };

export const VIDEO_CODEC_PROFILES = ['baseline', 'main', 'high'] as const;
export type VideoCodecProfile = (typeof VIDEO_CODEC_PROFILES)[number];

/**
 * `vc_`: `auto` (the container's default codec), `none` (no picture), or a codec with an optional
 * profile and level (`vc_h264:baseline:3.1`; profiles and levels only for h264 and h265).
 */
export type VideoCodecParam =
  { kind: 'auto' } | { kind: 'none' } | { kind: 'codec'; codec: VideoCodecName; profile: VideoCodecProfile | null; level: string | null };

/** `ac_`: an audio codec, or `none` (no sound). */
export const AUDIO_CODEC_PARAMS = ['aac', 'mp3', 'opus', 'vorbis', 'none'] as const;
export type AudioCodecParam = (typeof AUDIO_CODEC_PARAMS)[number];

/** `af_`: the audio sample rates Cloudinary lists, in hertz. */
export const AUDIO_FREQUENCIES = [8000, 11025, 16000, 22050, 32000, 37800, 44056, 44100, 47250, 48000, 88200, 96000, 176400, 192000] as const;
/** `af_44100` → hertz 44100; `af_iaf` → keep the source's rate. */
export type AudioFrequency = { kind: 'hertz'; value: number } | { kind: 'original' };

/** `br_500k` / `br_2m` / `br_500000` → bits per second; `:constant` asks for a constant bit rate. */
export type BitRate = { bitsPerSecond: number; constant: boolean };

/** `fps_24` → { min: 24, max: 24 }; `fps_20-30` → a range; `fps_20-` → max null (open). */
export type FrameRate = { min: number; max: number | null };

/** `vs_4s` → one frame every 4 seconds; `vs_10` → 10 frames over the clip. */
export type VideoSampling = { kind: 'seconds'; value: number } | { kind: 'frames'; value: number };

/** `e_volume:`: a percent change (-100..400, 0 = unchanged; `e_volume` alone = 0), decibels (-50..50), or mute. */
export type VolumeChange = { kind: 'percent'; value: number } | { kind: 'decibels'; value: number } | { kind: 'mute' };

/**
 * Video effects (`e_`). They live in `videoOnly.effect`, apart from the image effects, so the image
 * executor's exhaustive `Effect` switch is unchanged; a component still has one `e_` (the last wins).
 * Values are resolved (defaults applied); the canonical string omits a default.
 */
export type VideoEffectParam =
  | { name: 'volume'; volume: VolumeChange }
  | { name: 'reverse' }
  /** -50..100 percent faster, default 100. */
  | { name: 'accelerate'; value: number }
  /** Extra plays 1..100, default 1. */
  | { name: 'loop'; value: number }
  | { name: 'boomerang' }
  /** Milliseconds: positive fades in at the start, negative fades out at the end; default 2000. */
  | { name: 'fade'; value: number }
  /** Seconds of summary (default 5), at most maxSegments segments (default 3) of at least minSegmentDuration seconds (default 1). */
  | { name: 'preview'; duration: number; maxSegments: number; minSegmentDuration: number };
export type VideoEffectName = VideoEffectParam['name'];

/** Video-only parameters, parsed so the string round-trips and the image executor can name them in a 400. */
export type VideoOnlyParams = {
  startOffset?: StartOffset; // so_
  endOffset?: VideoOffset; // eo_
  duration?: VideoOffset; // du_
  videoCodec?: VideoCodecParam; // vc_
  audioCodec?: AudioCodecParam; // ac_
  audioFrequency?: AudioFrequency; // af_
  bitRate?: BitRate; // br_
  fps?: FrameRate; // fps_
  keyframeInterval?: number; // ki_ (seconds)
  videoSampling?: VideoSampling; // vs_
  streamingProfile?: string; // sp_
  effect?: VideoEffectParam; // e_ (video effects only)
};
