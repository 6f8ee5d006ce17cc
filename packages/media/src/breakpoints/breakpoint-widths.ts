/**
 * The arithmetic of responsive breakpoints (docs/transformations.md, "Responsive breakpoints"): how
 * many images a width range is worth, where to probe it, and which widths to pick from what the
 * probes weighed. Pure, so the choice can be tested without encoding anything.
 */

export interface BreakpointBounds {
  /** The smallest width, already capped by the largest. */
  minWidth: number;
  /** The largest width, already capped by the transformed image's own width. */
  maxWidth: number;
  bytesStep: number;
  maxImages: number;
}

/** An encoded width and its exact size. */
export interface WidthSample {
  width: number;
  bytes: number;
}

/**
 * How many images the range is worth: one per `bytesStep` of difference between the largest and the
 * smallest image, so consecutive images differ by at least the step, plus one; at most `maxImages`,
 * and never more than there are distinct widths. One image when the whole range weighs less than a
 * step: the smallest then adds nothing the largest does not.
 */
export function breakpointCount(largest: WidthSample, smallest: WidthSample, bounds: BreakpointBounds): number {
  if (largest.width <= smallest.width) return 1;
  const range = largest.bytes - smallest.bytes;
  const bySize = range < bounds.bytesStep ? 1 : Math.floor(range / bounds.bytesStep) + 1;
  return Math.max(1, Math.min(bounds.maxImages, bySize, largest.width - smallest.width + 1));
}

/**
 * The byte sizes aimed at, largest first: evenly spaced from the largest image's to the smallest's,
 * so with `count` below what the byte range allows (max_images) the gaps grow past bytes_step.
 */
export function targetSizes(largest: WidthSample, smallest: WidthSample, count: number): number[] {
  if (count <= 1) return [largest.bytes];
  const gap = (largest.bytes - smallest.bytes) / (count - 1);
  return Array.from({ length: count }, (_, index) => largest.bytes - index * gap);
}

/**
 * The widths worth encoding before the final choice, to learn the curve between the two ends: the
 * widths the two-point model predicts for the targets at a third and two thirds of the list (the middle
 * one for three images; none for fewer).
 */
export function probeWidths(largest: WidthSample, smallest: WidthSample, count: number): number[] {
  if (count < 3) return [];
  const targets = targetSizes(largest, smallest, count);
  const indexes = count === 3 ? [1] : [Math.round((count - 1) / 3), Math.round((2 * (count - 1)) / 3)];
  const widths = indexes.map((index) => Math.round(widthForBytes([smallest, largest], targets[index]!)));
  return [...new Set(widths)].filter((width) => width > smallest.width && width < largest.width);
}

/**
 * The width whose image should weigh `bytes`, from the samples: bytes as a function of width is taken
 * as a power law between neighbouring samples (a straight line in log–log), which is how an image's
 * encoded size grows with its area. The samples are made non-decreasing first: a wider image is never
 * assumed lighter.
 */
export function widthForBytes(samples: readonly WidthSample[], bytes: number): number {
  const curve = monotone(samples);
  const first = curve[0]!;
  const last = curve[curve.length - 1]!;
  if (bytes <= first.bytes) return first.width;
  if (bytes >= last.bytes) return last.width;
  for (let index = 1; index < curve.length; index += 1) {
    const upper = curve[index]!;
    if (bytes > upper.bytes) continue;
    const lower = curve[index - 1]!;
    if (upper.bytes === lower.bytes) return lower.width;
    const t = (Math.log(bytes) - Math.log(lower.bytes)) / (Math.log(upper.bytes) - Math.log(lower.bytes));
    return Math.exp(Math.log(lower.width) + t * (Math.log(upper.width) - Math.log(lower.width)));
  }
  return last.width;
}

function monotone(samples: readonly WidthSample[]): WidthSample[] {
  const sorted = [...samples].sort((a, b) => a.width - b.width);
  let floor = 1;
  return sorted.map((sample) => {
    floor = Math.max(floor, sample.bytes);
    return { width: sample.width, bytes: floor };
  });
}

/**
 * The breakpoint widths, widest first: the largest and the smallest ends, and between them the widths
 * the samples predict for evenly spaced sizes. A width within 3% of a sample already encoded takes that
 * sample (one encode fewer, a step slightly off); widths stay distinct and decreasing.
 */
export function chooseWidths(samples: readonly WidthSample[], largest: WidthSample, smallest: WidthSample, count: number): number[] {
  if (count <= 1) return [largest.width];
  const targets = targetSizes(largest, smallest, count);
  const known = samples.map((sample) => sample.width);
  const widths = targets.map((target, index) => {
    if (index === 0) return largest.width;
    if (index === count - 1) return smallest.width;
    const predicted = Math.round(widthForBytes(samples, target));
    const near = known.find((width) => Math.abs(width - predicted) <= Math.max(1, 0.03 * width));
    return near ?? predicted;
  });
  // Each interior width strictly between its neighbours, with room left for the ones after it.
  for (let index = 1; index < count - 1; index += 1) {
    const ceiling = widths[index - 1]! - 1;
    const floor = smallest.width + (count - 1 - index);
    widths[index] = Math.min(ceiling, Math.max(floor, widths[index]!));
  }
  return widths;
}
