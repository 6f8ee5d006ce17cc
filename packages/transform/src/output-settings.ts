import { canonicalComponent } from './canonical.ts';
import { transformErrors } from './messages.ts';
import type { ColorSpace, Flag, FlagName, Format, Quality, TransformationPlan } from './plan.ts';

// What a plan asks of the encoder, gathered across its components, and the check that refuses
// video-only parameters on images.

export type OutputSettings = {
  /** The last `f_` of the chain; null when none (the delivery extension or the source format decides). */
  format: Format | null;
  /** The last `q_` of the chain; null when none. */
  quality: Quality | null;
  /** Every `fl_` of the chain, de-duplicated by name (a later `fl_attachment:x` replaces an earlier one), sorted. */
  flags: Flag[];
  /** The first `pg_` of the chain (it selects the input page/frame, before anything else runs); null when none. */
  page: number | null;
  /** The first `dn_` of the chain (the dpi a document page is rendered at, before anything else runs); null when none. */
  density: number | null;
  /** The last `cs_` of the chain (the output's colour space, an encoder setting like q_); null when none. */
  colorSpace: ColorSpace | null;
  /** The last `dl_` of the chain (milliseconds between the frames of an animated output); null when none. */
  delay: number | null;
};

export function outputSettings(plan: TransformationPlan): OutputSettings {
  let format: Format | null = null;
  let quality: Quality | null = null;
  let page: number | null = null;
  let density: number | null = null;
  let colorSpace: ColorSpace | null = null;
  let delay: number | null = null;
  const flags = new Map<FlagName, Flag>();
  for (const component of plan.components) {
    if (component.format !== undefined) format = component.format;
    if (component.quality !== undefined) quality = component.quality;
    if (component.page !== undefined && page === null) page = component.page;
    if (component.density !== undefined && density === null) density = component.density;
    if (component.colorSpace !== undefined) colorSpace = component.colorSpace;
    if (component.delay !== undefined) delay = component.delay;
    for (const flag of component.flags ?? []) flags.set(flag.name, flag);
  }
  const sorted = [...flags.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { format, quality, flags: sorted, page, density, colorSpace, delay };
}

/** The keys whose every value is video-only (`e_` is video-only for the video effects alone). */
export const VIDEO_ONLY_KEYS: ReadonlySet<string> = new Set(['so', 'eo', 'du', 'vc', 'ac', 'af', 'br', 'fps', 'ki', 'vs', 'sp']);

/**
 * The video-only parameters of the plan in canonical form (`so_2.5`, `vc_h264`, `e_reverse`), in order;
 * [] for none. `fl_animated` and `fl_awebp` are not among them: images accept them.
 */
export function videoOnlyParameters(plan: TransformationPlan): string[] {
  const found: string[] = [];
  for (const component of plan.components) {
    const video = component.videoOnly;
    if (video === undefined) continue;
    for (const param of canonicalComponent(component).split(',')) {
      const key = param.slice(0, param.indexOf('_'));
      if (VIDEO_ONLY_KEYS.has(key) || (key === 'e' && video.effect !== undefined)) found.push(param);
    }
  }
  return found;
}

/** Throws ApiError(400, 'Invalid transformation for an image - video only: so_2.5, …') when the plan has any. */
export function assertImagePlan(plan: TransformationPlan): void {
  const video = videoOnlyParameters(plan);
  if (video.length > 0) throw transformErrors.videoOnImage(video);
}
