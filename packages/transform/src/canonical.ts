import { createHash } from 'node:crypto';
import { layerSourceText } from './layer-source.ts';
import { canonicalEffect } from './parse-effect.ts';
import { DEFAULT_FADE_MS, PREVIEW_DEFAULTS, SUPPORTED_KEYS, VIDEO_EFFECT_RULES, type SupportedKey } from './parse-parameter.ts';
import { transformErrors } from './messages.ts';
import { MAX_TRANSFORMATION_LENGTH } from './parse-transformation.ts';
import type {
  Angle,
  AudioFrequency,
  BitRate,
  Component,
  Effect,
  Flag,
  FrameRate,
  Layer,
  Length,
  StartOffset,
  TransformationPlan,
  VideoCodecParam,
  VideoEffectParam,
  VideoSampling,
} from './plan.ts';

// The canonical string: one spelling per meaning, so URL parameter order (or `e_blur` vs `e_blur:100`)
// never changes a cache or storage key. Within a component, parameters are sorted by key, exactly as the
// SDK's generate_transformation_string sorts its `key_value` pairs; components keep their order.

/**
 * A finite number in positional notation, exactly the digits of String(value): 1e-7 → "0.0000001",
 * 1e21 → "1000000000000000000000". Parsing the text gives the same number back.
 */
function positional(value: number): string {
  const text = String(value);
  const match = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (match === null) return text;
  const [, sign = '', lead = '', fraction = '', exponentText = '0'] = match;
  const exponent = Number(exponentText);
  // JavaScript writes an exponent only below 1e-6 and from 1e21: the point never lands inside the digits.
  if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${lead}${fraction}`;
  return `${sign}${lead}${fraction}${'0'.repeat(exponent - fraction.length)}`;
}

/**
 * A decimal with at least one fractional digit and never an exponent: 2 → "2.0", 0.5 → "0.5".
 * Cloudinary reads a `.` as "relative", so `w_2.0` (200%) and `w_2` (2 px) must never collapse.
 */
export function formatDecimal(value: number): string {
  const text = positional(value);
  return text.includes('.') ? text : `${text}.0`;
}

const length = (value: Length): string => (value.kind === 'pixels' ? String(value.value) : formatDecimal(value.value));

function offset(value: StartOffset): string {
  if (value.kind === 'auto') return 'auto';
  return value.kind === 'seconds' ? positional(value.value) : `${positional(value.value)}p`;
}

function videoCodec(value: VideoCodecParam): string {
  if (value.kind !== 'codec') return value.kind;
  return [value.codec, value.profile, value.level].filter((part) => part !== null).join(':');
}

const audioFrequency = (value: AudioFrequency): string => (value.kind === 'original' ? 'iaf' : String(value.value));

/** The shortest exact spelling: `2m`, `500k`, `1500k`, `500001`; `:constant` kept. */
function bitRate(value: BitRate): string {
  const bits = value.bitsPerSecond;
  const text = bits % 1_000_000 === 0 ? `${bits / 1_000_000}m` : bits % 1000 === 0 ? `${bits / 1000}k` : String(bits);
  return value.constant ? `${text}:constant` : text;
}

function frameRate(value: FrameRate): string {
  if (value.max === value.min) return positional(value.min);
  return `${positional(value.min)}-${value.max === null ? '' : positional(value.max)}`;
}

const sampling = (value: VideoSampling): string => (value.kind === 'seconds' ? `${positional(value.value)}s` : String(value.value));

const angle = (step: Angle): string => (step.kind === 'degrees' ? String(step.value) : step.kind);

/** Image effects: parse-effect.ts writes them, next to where they are parsed. */
const effect = (value: Effect): string => canonicalEffect(value);

function videoEffect(value: VideoEffectParam): string {
  switch (value.name) {
    case 'reverse':
    case 'boomerang':
      return value.name;
    case 'accelerate':
    case 'loop':
      return value.value === VIDEO_EFFECT_RULES[value.name].default ? value.name : `${value.name}:${value.value}`;
    case 'fade':
      return value.value === DEFAULT_FADE_MS ? 'fade' : `fade:${value.value}`;
    case 'volume': {
      const volume = value.volume;
      if (volume.kind === 'mute') return 'volume:mute';
      if (volume.kind === 'decibels') return `volume:${volume.value}db`;
      return volume.value === 0 ? 'volume' : `volume:${volume.value}`;
    }
    case 'preview': {
      const parts = ['preview'];
      if (value.duration !== PREVIEW_DEFAULTS.duration) parts.push(`duration_${positional(value.duration)}`);
      if (value.maxSegments !== PREVIEW_DEFAULTS.maxSegments) parts.push(`max_seg_${value.maxSegments}`);
      if (value.minSegmentDuration !== PREVIEW_DEFAULTS.minSegmentDuration) parts.push(`min_seg_dur_${positional(value.minSegmentDuration)}`);
      return parts.join(':');
    }
  }
}

const flag = (value: Flag): string => (value.name === 'attachment' && value.filename !== null ? `attachment:${value.filename}` : value.name);

/** The canonical value text of one key of a component, or undefined when the component lacks it. */
function valueOf(component: Component, key: SupportedKey): string | undefined {
  const video = component.videoOnly;
  switch (key) {
    case 'a':
      return component.angle?.map(angle).join('.');
    case 'ac':
      return video?.audioCodec;
    case 'af':
      return video?.audioFrequency && audioFrequency(video.audioFrequency);
    case 'ar': {
      const ratio = component.aspectRatio;
      if (ratio === undefined) return undefined;
      return ratio.kind === 'ratio' ? `${ratio.width}:${ratio.height}` : formatDecimal(ratio.value);
    }
    case 'b':
      return component.background?.text;
    case 'bo':
      return component.border && `${component.border.width}px_${component.border.style}_${component.border.color.text}`;
    case 'br':
      return video?.bitRate && bitRate(video.bitRate);
    case 'c':
      return component.crop;
    case 'co':
      return component.color?.text;
    case 'cs':
      return component.colorSpace;
    case 'dl':
      return component.delay === undefined ? undefined : String(component.delay);
    case 'l':
    case 'u':
      // A layer spans several components: canonicalLayer writes them.
      return undefined;
    case 'z':
      return component.zoom === undefined ? undefined : formatDecimal(component.zoom);
    case 'dn':
      return component.density === undefined ? undefined : String(component.density);
    case 'dpr':
      return component.dpr === undefined ? undefined : formatDecimal(component.dpr);
    case 'du':
      return video?.duration && offset(video.duration);
    case 'e':
      if (component.effect !== undefined) return effect(component.effect);
      return video?.effect && videoEffect(video.effect);
    case 'eo':
      return video?.endOffset && offset(video.endOffset);
    case 'f':
      return component.format;
    case 'fl':
      return component.flags?.map(flag).join('.');
    case 'fps':
      return video?.fps && frameRate(video.fps);
    case 'g': {
      const gravity = component.gravity;
      if (gravity === undefined) return undefined;
      return gravity.kind === 'compass' ? gravity.direction : gravity.requested;
    }
    case 'h':
      return component.height && length(component.height);
    case 'ki':
      return video?.keyframeInterval === undefined ? undefined : positional(video.keyframeInterval);
    case 'o':
      return component.opacity === undefined ? undefined : String(component.opacity);
    case 'pg':
      return component.page === undefined ? undefined : String(component.page);
    case 'q': {
      const quality = component.quality;
      if (quality === undefined) return undefined;
      if (quality.kind === 'fixed') return String(quality.value);
      return quality.level === null ? 'auto' : `auto:${quality.level}`;
    }
    case 'r': {
      const radius = component.radius;
      if (radius === undefined) return undefined;
      return radius.kind === 'max' ? 'max' : String(radius.value);
    }
    case 'so':
      return video?.startOffset && offset(video.startOffset);
    case 'sp':
      return video?.streamingProfile;
    case 't':
      return component.named?.join('.');
    case 'vc':
      return video?.videoCodec && videoCodec(video.videoCodec);
    case 'vs':
      return video?.videoSampling && sampling(video.videoSampling);
    case 'w':
      return component.width && length(component.width);
    case 'x':
      return component.x && length(component.x);
    case 'y':
      return component.y && length(component.y);
  }
}

/** `key_value` pairs sorted by key, joined by `,`; `extra` gives values a Component does not hold (`l_`, the apply's `fl_`). */
function sortedParams(component: Component, extra: Partial<Record<SupportedKey, string>> = {}): string {
  const params: string[] = [];
  for (const key of SUPPORTED_KEYS) {
    const value = extra[key] ?? valueOf(component, key);
    if (value !== undefined && value !== '') params.push(`${key}_${value}`);
  }
  return params.join(',');
}

/**
 * A layer in one spelling however it was written. When the layer has at most one own component, not a
 * layer itself and without g_/x_/y_ (which would then read as the placement), it is the SDK's one
 * component (`c_scale,l_text:Arial_60:Hi,w_200`): eager derivatives are reported under the text an
 * SDK wrote. Otherwise: the opening component (`l_`/`u_` and the layer's first own component, unless
 * that is itself a layer), the layer's other components, then an applying component with
 * fl_layer_apply, every layer flag and the placement. `l_logo,g_north` and `l_logo/fl_layer_apply,g_north`
 * are one string, and the text parses back to the same layer.
 */
function canonicalLayer(layer: Layer, nested: boolean): string {
  const [first, ...rest] = layer.components;
  const source = { [layer.mode === 'overlay' ? 'l' : 'u']: layerSourceText(layer.source) };
  const { gravity, x, y, flags } = layer.placement;
  // Only outside a layer: inside one, a following fl_layer_apply would close the nested layer instead of its parent.
  if (!nested && rest.length === 0 && (first === undefined || isPlainOwnComponent(first))) {
    const own = first ?? {};
    const allFlags = [...(own.flags?.map(flag) ?? []), ...flags].sort().join('.');
    return sortedParams({ ...own, gravity, x, y }, allFlags === '' ? source : { ...source, fl: allFlags });
  }
  const merged = first !== undefined && first.layer === undefined;
  const opening = sortedParams(merged ? first : {}, source);
  const applying = sortedParams({ gravity, x, y }, { fl: ['layer_apply', ...flags].sort().join('.') });
  return [opening, ...(merged ? rest : layer.components).map((component) => layerComponent(component, true)), applying].join('/');
}

/** A layer's own component that can share the opening component with the placement. */
const isPlainOwnComponent = (component: Component): boolean =>
  component.layer === undefined && component.gravity === undefined && component.x === undefined && component.y === undefined;

/** One component's canonical text: `key_value` pairs sorted by key, joined by `,` (a layer: several components, see canonicalLayer). */
export function canonicalComponent(component: Component): string {
  return layerComponent(component, false);
}

const layerComponent = (component: Component, nested: boolean): string =>
  component.layer === undefined ? sortedParams(component) : canonicalLayer(component.layer, nested);

/** The plan's canonical string: canonical components joined by `/` ('' for the identity plan). */
export function canonicalString(plan: TransformationPlan): string {
  const canonical = plan.components.map(canonicalComponent).join('/');
  // The canonical form can be longer than the text it came from (`dpr_1` → `dpr_1.0`, `rgb:fff` →
  // `rgb:ffffff`), and it is parsed again by the worker and by named transformations: it obeys the
  // same length limit, so whatever is accepted can always be parsed again.
  if (canonical.length > MAX_TRANSFORMATION_LENGTH) throw transformErrors.tooLong(MAX_TRANSFORMATION_LENGTH);
  return canonical;
}

/** 16 hex characters of SHA-1 over the canonical string: the derivative's key in storage. */
export function planHash(plan: TransformationPlan): string {
  return createHash('sha1').update(canonicalString(plan)).digest('hex').slice(0, 16);
}
