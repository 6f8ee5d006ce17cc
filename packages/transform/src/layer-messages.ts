import { ApiError } from '@rendition/protocol';
import { LAYER_FLAGS } from './plan.ts';

// The refusals of layers (`l_`, `u_`, `fl_layer_apply` and the layer flags): Rendition's own texts, in the
// shape of messages.ts (Cloudinary documents no wording for them). Kept apart so the layer parser's
// messages are read in one place; every one is a 400.

const bad = (message: string): ApiError => new ApiError(400, message);

/** The most layers one plan may compose (nested ones included): each is one more image to load and decode. */
export const MAX_LAYERS = 10;

const PLACEMENT_KEYS = `g_, x_, y_ and the layer flags (${LAYER_FLAGS.join(', ')})`;

export const layerErrors = {
  /** `l_` / `u_` whose value names nothing Rendition can show. */
  invalidSource: (param: string, reason: string) => bad(`Invalid layer - ${param}: ${reason}`),
  /** A Cloudinary layer source Rendition does not implement (video, subtitles, private assets …). */
  unsupportedSource: (param: string, reason: string) => bad(`Unsupported layer - ${param}: ${reason}`),
  twoLayersInOneComponent: (component: string) => bad(`Invalid transformation - one layer (l_ or u_) per component: ${component}`),
  strayApply: (component: string) => bad(`Invalid transformation - fl_layer_apply with no layer (l_ or u_) to apply: ${component}`),
  notPlacement: (component: string) => bad(`Invalid transformation - only ${PLACEMENT_KEYS} may accompany fl_layer_apply: ${component}`),
  layerFlagOutsideLayer: (flag: string, component: string) =>
    bad(`Invalid flag - ${flag}: only valid inside a layer (from l_ or u_ to fl_layer_apply): ${component}`),
  cutterOnUnderlay: (component: string) =>
    bad(`Invalid transformation - fl_cutter cuts the image with an overlay (l_), not an underlay (u_): ${component}`),
  namedInLayer: (component: string) => bad(`Unsupported transformation parameter - t_ inside a layer: ${component}`),
  tooManyLayers: (max: number) => bad(`Invalid transformation - more than ${max} layers`),
};
