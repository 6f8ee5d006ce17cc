import type { LayerGeometry, Size } from '@rendition/transform';
import type { ImageOperation, LayerBlend, LayerPixels } from '../pixel-operations.ts';

// A layer component's geometry → the pipeline's `layer` operation. Pure: the pixels are rendered when the
// pipeline reaches the operation, by the function the executor passes in (compose-layer.ts).

const blendOf = (layer: LayerGeometry): LayerBlend => (layer.cutter ? 'dest-in' : layer.mode === 'underlay' ? 'dest-over' : 'over');

/** The operation that composes `layer` onto an image of size `base` (the size before the layer component). */
export function layerOperation(layer: LayerGeometry, base: Size, pixels: (layer: LayerGeometry) => Promise<LayerPixels | null>): ImageOperation {
  const extend = {
    top: layer.base.top,
    left: layer.base.left,
    bottom: layer.height - base.height - layer.base.top,
    right: layer.width - base.width - layer.base.left,
  };
  if (Object.values(extend).some((edge) => edge < 0)) throw new TypeError('layer geometry does not belong to this image');
  return { op: 'layer', blend: blendOf(layer), tile: layer.tiled, extend, pixels: () => pixels(layer) };
}
