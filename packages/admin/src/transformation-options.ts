// How the Admin API shows a transformation as the SDKs write it: `c_scale,w_100` → {crop: "scale", width: 100}
// (upload presets' eager and transformation settings, streaming profiles' representations).

/** Transformation keys back to the SDKs' option names (the names `generate_transformation_string` reads; reference §6.2). */
export const TRANSFORMATION_OPTION_NAMES: Readonly<Record<string, string>> = {
  a: 'angle',
  ac: 'audio_codec',
  af: 'audio_frequency',
  ar: 'aspect_ratio',
  b: 'background',
  bo: 'border',
  br: 'bit_rate',
  c: 'crop',
  co: 'color',
  cs: 'color_space',
  d: 'default_image',
  dl: 'delay',
  dn: 'density',
  dpr: 'dpr',
  du: 'duration',
  e: 'effect',
  eo: 'end_offset',
  f: 'fetch_format',
  fl: 'flags',
  fn: 'custom_function',
  fps: 'fps',
  g: 'gravity',
  h: 'height',
  if: 'if',
  ki: 'keyframe_interval',
  l: 'overlay',
  o: 'opacity',
  p: 'prefix',
  pg: 'page',
  q: 'quality',
  r: 'radius',
  so: 'start_offset',
  sp: 'streaming_profile',
  t: 'transformation',
  u: 'underlay',
  vc: 'video_codec',
  vs: 'video_sampling',
  w: 'width',
  x: 'x',
  y: 'y',
  z: 'zoom',
};

/** Numbers as numbers (`w_1200` → 1200), everything else as the text (`br_5m`, `vc_h264:high:4.0`). */
export function optionValue(text: string): string | number {
  return /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text;
}
