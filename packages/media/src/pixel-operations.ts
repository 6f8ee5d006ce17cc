import type { CompassGravity, Size } from '@rendition/transform';

// The vocabulary of pixel operations: what image-operations.ts and effects.ts produce from a plan and
// image-pipeline.ts runs on sharp. Types only, so the producers and the runner share them without
// importing each other.

/** r/g/b 0..255, alpha 0..1 (sharp's convention, and the plan's `Color`). */
export type Rgba = { r: number; g: number; b: number; alpha: number };
export type Matrix3 = [[number, number, number], [number, number, number], [number, number, number]];
/** Where a cover resize keeps its window: a compass anchor, or sharp's attention strategy (g_auto, g_face…). */
export type CoverPosition = { kind: 'compass'; direction: CompassGravity } | { kind: 'attention' };

export type ImageOperation =
  /** Cut a region, no scaling. */
  | { op: 'extract'; left: number; top: number; width: number; height: number }
  /** Scale to exactly width×height. */
  | { op: 'resize'; width: number; height: number; kernel: 'lanczos3' | 'nearest' }
  /** Scale to cover width×height keeping the aspect ratio, then cut the excess at `position`. */
  | { op: 'cover'; width: number; height: number; position: CoverPosition }
  /** Clockwise; `background` fills the corners of angles that are not multiples of 90. */
  | { op: 'rotate'; degrees: number; background: Rgba }
  | { op: 'flip' }
  | { op: 'flop' }
  /** Add pixels around the image (pad, border). */
  | { op: 'extend'; top: number; right: number; bottom: number; left: number; background: Rgba }
  | { op: 'blur'; sigma: number }
  /** A 3×3 colour matrix on r/g/b; alpha is left alone. */
  | { op: 'recomb'; matrix: Matrix3 }
  /** Multiply lightness and chroma (LCh). */
  | { op: 'modulate'; brightness: number; saturation: number }
  /** Unsharp mask on lightness; `flat`/`jagged` are sharp's m1/m2 (absent: sharp's 1 and 2). */
  | { op: 'sharpen'; sigma: number; flat?: number; jagged?: number }
  /** a × value + b on r/g/b (alpha left alone), clamped to 0..255; arrays give one number per channel (r, g, b). */
  | { op: 'linear'; a: number | [number, number, number]; b: number | [number, number, number] }
  /** Median filter of size×size pixels (odd). */
  | { op: 'median'; size: number }
  /** A pass of its own over raw 8-bit sRGB pixels (effect-kernels.ts), for what sharp has no operation for. */
  | { op: 'kernel'; kernel: PixelKernel }
  /**
   * e_trim: cut the edges whose colour is within `threshold` (0..255) of `background` (null: the top-left
   * pixel's). What is left cannot be known before the pixels are, so the operations after it are made
   * from the measured size: `then(size)`. `memo` keeps the first measured box, so every frame of an
   * animation is cut alike.
   */
  | { op: 'trim'; threshold: number; background: Rgba | null; memo: { box?: TrimBox }; then: (trimmed: Size) => ImageOperation[] }
  /** Keep only the inside of a rounded rectangle (`radius` pixels) or of the inscribed ellipse; the rest becomes transparent. */
  | { op: 'mask'; shape: { kind: 'rounded'; radius: number } | { kind: 'ellipse' }; width: number; height: number }
  /** Multiply alpha by `opacity` (0..1). */
  | { op: 'fade'; opacity: number; width: number; height: number }
  /** Put the image over a solid `color` (drops alpha when the colour is opaque). */
  | { op: 'flatten'; color: Rgba; width: number; height: number }
  /** Invert r/g/b; alpha is left alone. */
  | { op: 'negate' }
  /**
   * Compose a layer (l_/u_): grow the canvas by `extend` (transparent), then blend the layer's pixels onto
   * it, `over` (overlay), `dest-over` (underlay: the image stays on top) or `dest-in` (fl_cutter: the image
   * keeps only what the layer covers); `tile` repeats them over the canvas from its top-left corner.
   * `pixels` renders the layer when the pipeline reaches it (layers/compose-layer.ts).
   */
  | { op: 'layer'; blend: LayerBlend; tile: boolean; extend: Edges; pixels: () => Promise<LayerPixels | null> };

export type LayerBlend = 'over' | 'dest-over' | 'dest-in';
export type Edges = { top: number; right: number; bottom: number; left: number };
/** A rendered layer as it goes onto the canvas: RGBA (4 channels), clipped to the canvas, its top-left at left/top; null when none of it shows. */
export type LayerPixels = { data: Buffer; width: number; height: number; left: number; top: number };

export type TrimBox = { left: number; top: number; width: number; height: number };

/** How an edge of `e_gradient_fade` fades: over `extent` pixels from the start (left/top) or the end (right/bottom). */
export type FadeAxis = { extent: number; fromEnd: boolean };

/** Statistics-driven corrections of e_auto_* and e_improve, applied in order. */
export type AutoAdjustment = 'color' | 'contrast' | 'brightness';

/**
 * Raw-pixel effects (effect-kernels.ts runs them). Sizes are in pixels of the image they run on; colours
 * are opaque sRGB. Each keeps the image's size; only gradient_fade adds an alpha channel.
 */
export type PixelKernel =
  | { name: 'gamma'; exponent: number }
  | { name: 'vignette'; strength: number }
  | { name: 'shadow'; color: Rgba; opacity: number; dx: number; dy: number; sigma: number }
  | { name: 'outline'; mode: 'outer' | 'inner' | 'both' | 'inner_fill' | 'fill'; width: number; sigma: number; color: Rgba }
  | { name: 'tint'; equalize: boolean; amount: number; stops: { color: Rgba; position: number }[] }
  | { name: 'replace_color'; to: Rgba; from: Rgba | null; tolerance: number }
  | { name: 'gradient_fade'; x: FadeAxis | null; y: FadeAxis | null; symmetric: boolean; exponent: number }
  | { name: 'auto_adjust'; steps: AutoAdjustment[]; blend: number }
  | { name: 'cartoonify'; lineThreshold: number | null; levels: number; saturation: number; bw: boolean };
