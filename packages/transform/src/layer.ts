// Layers: `l_` (overlay) and `u_` (underlay). Types only; the parser (parse-layer.ts) builds them, the
// canonical string re-emits them, the projection sizes them and the image executor composes them.
import type { Component, Gravity, LayerFlagName, Length } from './plan.ts';
import type { TextStyle } from './text-layer.ts';

/**
 * What a layer shows.
 * - `asset`: another asset of the same cloud (`l_<public_id>`, `:` for folders, optional `.<format>`).
 *   The parser gives `deliveryType: 'upload'` only: `l_private:`/`l_authenticated:` are refused (layer-source.ts).
 * - `text`: `l_text:<style>:<text>` rendered with a system font (text-layer.ts).
 * - `fetch`: `l_fetch:<base64url of an http(s) URL>`, fetched through the SSRF guard.
 */
export type LayerSource =
  | { kind: 'asset'; publicId: string; resourceType: 'image'; deliveryType: 'upload' | 'private' | 'authenticated'; format: string | null }
  | { kind: 'text'; style: TextStyle; text: string }
  | { kind: 'fetch'; url: string };
export type AssetLayerSource = Extract<LayerSource, { kind: 'asset' }>;
export type FetchLayerSource = Extract<LayerSource, { kind: 'fetch' }>;

/** Where and how the transformed layer is composed (the `fl_layer_apply` component, or the opening one without it). */
export type LayerPlacement = {
  gravity?: Gravity;
  x?: Length;
  y?: Length;
  /** Layer flags of the applying component (layer_apply itself is implied and not kept). */
  flags: LayerFlagName[];
};

export type Layer = {
  mode: 'overlay' | 'underlay';
  source: LayerSource;
  /** The layer's own transformation: the opening component's other parameters, then the components before `fl_layer_apply`. */
  components: Component[];
  placement: LayerPlacement;
};
