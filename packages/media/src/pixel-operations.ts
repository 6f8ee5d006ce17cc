import type { CompassGravity } from '@rendition/transform';

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
  | { op: 'sharpen'; sigma: number }
  /** a × value + b on r/g/b (alpha left alone), clamped to 0..255. */
  | { op: 'linear'; a: number; b: number }
  /** Keep only the inside of a rounded rectangle (`radius` pixels) or of the inscribed ellipse; the rest becomes transparent. */
  | { op: 'mask'; shape: { kind: 'rounded'; radius: number } | { kind: 'ellipse' }; width: number; height: number }
  /** Multiply alpha by `opacity` (0..1). */
  | { op: 'fade'; opacity: number; width: number; height: number }
  /** Put the image over a solid `color` (drops alpha when the colour is opaque). */
  | { op: 'flatten'; color: Rgba; width: number; height: number }
  /** Invert r/g/b; alpha is left alone. */
  | { op: 'negate' };
