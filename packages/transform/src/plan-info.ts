import { canonicalString } from './canonical.ts';
import type { TransformationPlan } from './plan.ts';

// The Admin API's `info` of a transformation (GET transformations?transformation=…): one object per
// component, keyed by the SDKs' option names (`{crop: 'scale', width: 100}`), as Cloudinary answers it.

/** URL key → the SDK option that writes it (the SDK's generate_transformation_string, reversed). */
export const INFO_KEYS: Readonly<Record<string, string>> = {
  w: 'width',
  h: 'height',
  c: 'crop',
  g: 'gravity',
  x: 'x',
  y: 'y',
  z: 'zoom',
  q: 'quality',
  f: 'fetch_format',
  e: 'effect',
  a: 'angle',
  r: 'radius',
  b: 'background',
  bo: 'border',
  o: 'opacity',
  co: 'color',
  dpr: 'dpr',
  fl: 'flags',
  l: 'overlay',
  u: 'underlay',
  t: 'transformation',
  ar: 'aspect_ratio',
  pg: 'page',
  dn: 'density',
  cs: 'color_space',
  dl: 'delay',
  d: 'default_image',
  so: 'start_offset',
  eo: 'end_offset',
  du: 'duration',
  vc: 'video_codec',
  ac: 'audio_codec',
  af: 'audio_frequency',
  br: 'bit_rate',
  fps: 'fps',
  ki: 'keyframe_interval',
  vs: 'video_sampling',
  sp: 'streaming_profile',
  fn: 'custom_function',
  if: 'if',
};

/** Values that are plain numbers in the text answer as JSON numbers (`w_100` → 100, `o_50` → 50). */
const NUMBER = /^-?\d+(?:\.\d+)?$/;

export type TransformationInfo = Record<string, string | number>;

/**
 * The info objects of a canonical transformation text (`c_scale,w_100/e_blur` →
 * `[{crop: 'scale', width: 100}, {effect: 'blur'}]`). `extension`: the output extension a named
 * definition ends with ('' for a trailing `/`, answered as `'none'`), added to the last object.
 * A parameter with no known option keeps its URL key.
 */
export function transformationInfo(canonical: string, extension?: string | null): TransformationInfo[] {
  const components = canonical === '' ? [] : canonical.split('/');
  const info = components.map((component) => {
    const object: TransformationInfo = {};
    for (const parameter of component.split(',')) {
      const cut = parameter.indexOf('_');
      const key = cut < 0 ? parameter : parameter.slice(0, cut);
      const value = cut < 0 ? '' : parameter.slice(cut + 1);
      const name = key.startsWith('$') ? key : (INFO_KEYS[key] ?? key);
      object[name] = NUMBER.test(value) && name !== 'transformation' ? Number(value) : value;
    }
    return object;
  });
  if (extension !== undefined && extension !== null) {
    const last = info.at(-1) ?? {};
    if (info.length === 0) info.push(last);
    last.extension = extension === '' ? 'none' : extension;
  }
  return info;
}

/** The info objects of a plan: those of its canonical text. */
export function planInfo(plan: TransformationPlan, extension?: string | null): TransformationInfo[] {
  return transformationInfo(canonicalString(plan), extension);
}
