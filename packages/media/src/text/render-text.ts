import type { Color, TextStyle } from '@rendition/transform';

// Text layers rendered with the system's fonts (libvips' text operation through sharp: Pango and
// fontconfig). TODO(text helper): implement.

export type TextLayerRequest = {
  style: TextStyle;
  /** The text as it is shown (already unescaped). */
  text: string;
  /** `co_` of the layer's component; black when absent (Cloudinary's default). */
  color: Color | null;
  /** `c_fit` with `w_` on the text layer: wrap the text at this many pixels. */
  wrapWidth: number | null;
};

export type RenderedText = { png: Buffer; width: number; height: number };

/** Renders a text layer to a transparent PNG, refusing one larger than `limits` before drawing it. */
export async function renderTextLayer(request: TextLayerRequest, limits: { maxDimension: number; maxPixels: number }): Promise<RenderedText> {
  throw new Error(`renderTextLayer not implemented: ${request.text} ${limits.maxDimension}`);
}
