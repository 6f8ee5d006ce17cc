import type { Color, GeometryStep, Gravity, VideoEffect } from '@rendition/transform';

// Pieces of an ffmpeg filter graph (`-filter_complex`), as text built from numbers and fixed words only:
// the geometry steps of a recipe, its effects, and the graph that joins them. Pure.

/** A number as ffmpeg reads it: at most 6 decimals, no exponent, no trailing zeros. */
export function num(value: number): string {
  if (!Number.isFinite(value)) throw new TypeError(`not a finite number: ${value}`);
  const text = value.toFixed(6).replace(/\.?0+$/, '');
  return text === '-0' || text === '' ? '0' : text;
}

const hex = (byte: number): string =>
  Math.max(0, Math.min(255, Math.round(byte)))
    .toString(16)
    .padStart(2, '0');

/** A Cloudinary colour as ffmpeg's `0xRRGGBB@alpha`; null (the executor's default) is black, as Cloudinary pads video. */
export function ffmpegColor(color: Color | null): string {
  if (color === null) return 'black';
  const alpha = Math.max(0, Math.min(1, color.alpha));
  return `0x${hex(color.r)}${hex(color.g)}${hex(color.b)}@${num(alpha)}`;
}

const WEST = new Set(['north_west', 'west', 'south_west']);
const EAST = new Set(['north_east', 'east', 'south_east']);
const NORTH = new Set(['north_west', 'north', 'north_east']);
const SOUTH = new Set(['south_west', 'south', 'south_east']);

/** Where `gravity` puts a cut of free space `free` along an axis (auto gravity has no saliency for video: centre). */
function offset(gravity: Gravity, free: number, axis: 'x' | 'y'): number {
  const direction = gravity.kind === 'compass' ? gravity.direction : 'center';
  const [start, end] = axis === 'x' ? [WEST, EAST] : [NORTH, SOUTH];
  if (start.has(direction)) return 0;
  if (end.has(direction)) return free;
  return Math.floor(free / 2);
}

/** The filters of one geometry step (the recipe's steps are over the display-oriented picture). */
export function geometryFilters(step: GeometryStep): string[] {
  switch (step.op) {
    case 'resize':
      return [`scale=${step.width}:${step.height}`];
    case 'cover': {
      const x = offset(step.gravity, step.scaledWidth - step.width, 'x');
      const y = offset(step.gravity, step.scaledHeight - step.height, 'y');
      return [`scale=${step.scaledWidth}:${step.scaledHeight}`, `crop=${step.width}:${step.height}:${x}:${y}`];
    }
    case 'extract':
      return [`crop=${step.width}:${step.height}:${step.left}:${step.top}`];
    case 'pad':
      return [`pad=${step.width}:${step.height}:${step.left}:${step.top}:color=${ffmpegColor(step.background)}`];
    case 'rotate':
      if (step.degrees === 90) return ['transpose=clock'];
      if (step.degrees === 180) return ['hflip', 'vflip'];
      if (step.degrees === 270) return ['transpose=cclock'];
      return [`rotate=${num(step.degrees)}*PI/180:ow=${step.width}:oh=${step.height}:fillcolor=${ffmpegColor(step.background)}`];
    case 'flip':
      return ['vflip'];
    case 'flop':
      return ['hflip'];
    case 'border':
      return [`pad=${step.width}:${step.height}:${step.thickness}:${step.thickness}:color=${ffmpegColor(step.color)}`];
  }
}

/** A label of the graph, or an input stream (`0:v:0`), which -map names without brackets. */
export type Pad = string;

export const mapTarget = (pad: Pad): string => (pad.includes(':') ? pad : `[${pad}]`);

/**
 * A filter graph under construction: chains `[in]f1,f2[out]` joined with `;`. A filter applied to the
 * single output at the end of a chain extends that chain (every pad is read once), so a run of filters on
 * one stream reads as one chain.
 */
export class FilterGraph {
  readonly chains: string[] = [];
  #next = 0;
  /** Pads that are the single output at the end of a chain, with that chain's index. */
  readonly #tails = new Map<Pad, number>();

  fresh(prefix: string): Pad {
    return `${prefix}${this.#next++}`;
  }

  /** `input` through `filters`; the input itself when there are none. */
  pipe(input: Pad, filters: readonly string[], prefix: string): Pad {
    if (filters.length === 0) return input;
    const tail = this.#tails.get(input);
    if (tail !== undefined) {
      // The chain ends in `[input]`, which nothing else reads: the filters go before it, and the pad keeps its name.
      const chain = this.chains[tail]!;
      this.chains[tail] = `${chain.slice(0, chain.length - input.length - 2)},${filters.join(',')}[${input}]`;
      return input;
    }
    const output = this.fresh(prefix);
    this.chains.push(`[${input}]${filters.join(',')}[${output}]`);
    this.#tails.set(output, this.chains.length - 1);
    return output;
  }

  /** A filter with several inputs and `outputs` outputs. */
  node(inputs: readonly Pad[], filter: string, outputs: number, prefix: string): Pad[] {
    const names = Array.from({ length: outputs }, () => this.fresh(prefix));
    const labels = names.map((pad) => `[${pad}]`).join('');
    const tail = inputs.length === 1 ? this.#tails.get(inputs[0]!) : undefined;
    if (tail !== undefined) {
      const chain = this.chains[tail]!;
      this.chains[tail] = `${chain.slice(0, chain.length - inputs[0]!.length - 2)},${filter}${labels}`;
    } else {
      this.chains.push(`${inputs.map((pad) => `[${pad}]`).join('')}${filter}${labels}`);
    }
    for (const input of inputs) this.#tails.delete(input);
    if (outputs === 1) this.#tails.set(names[0]!, tail ?? this.chains.length - 1);
    return names;
  }

  text(): string {
    return this.chains.join(';');
  }
}

/**
 * The streams of a clip at some point of the graph, its duration there (seconds) and its picture's frame
 * rate there (the source's, times any speed-up; null when unknown).
 */
export type Tracks = { v: Pad | null; a: Pad | null; seconds: number; rate: number | null };

/** atempo takes 0.5..100 per instance: a chain for any factor above 0. */
export function atempoChain(factor: number): string[] {
  if (!(factor > 0)) throw new TypeError(`speed factor must be positive, got ${factor}`);
  const chain: string[] = [];
  let left = factor;
  while (left < 0.5) {
    chain.push('atempo=0.5');
    left /= 0.5;
  }
  while (left > 100) {
    chain.push('atempo=100');
    left /= 100;
  }
  chain.push(`atempo=${num(left)}`);
  return chain;
}

/** The most frames the loop filter repeats (its `size` maximum in ffmpeg 5.1). */
export const LOOP_FILTER_MAX_FRAMES = 32767;

/** The evenly spread [start, end) segments of an e_preview over a clip of `seconds`. */
export function previewSegments(effect: Extract<VideoEffect, { name: 'preview' }>, seconds: number): { start: number; end: number }[] {
  const total = Math.min(effect.durationSeconds, seconds);
  if (total >= seconds) return [{ start: 0, end: seconds }];
  const byLength = effect.minSegmentSeconds > 0 ? Math.floor(total / effect.minSegmentSeconds) : effect.maxSegments;
  const count = Math.max(1, Math.min(Math.max(1, Math.floor(effect.maxSegments)), byLength));
  const length = total / count;
  const gap = count === 1 ? 0 : (seconds - length) / (count - 1);
  return Array.from({ length: count }, (_, index) => {
    const start = count === 1 ? (seconds - length) / 2 : index * gap;
    return { start, end: start + length };
  });
}

/** One effect applied to the clip's streams (a stream the output does not keep is null and skipped). */
export function applyEffect(graph: FilterGraph, tracks: Tracks, effect: VideoEffect): Tracks {
  const { v, a, seconds } = tracks;
  switch (effect.name) {
    case 'volume':
      return { ...tracks, a: a === null ? null : graph.pipe(a, [`volume=${num(effect.factor)}`], 'a') };
    case 'reverse':
      return { ...tracks, v: v === null ? null : graph.pipe(v, ['reverse'], 'v'), a: a === null ? null : graph.pipe(a, ['areverse'], 'a') };
    case 'accelerate':
      return {
        v: v === null ? null : graph.pipe(v, [`setpts=PTS/${num(effect.factor)}`], 'v'),
        a: a === null ? null : graph.pipe(a, atempoChain(effect.factor), 'a'),
        seconds: seconds / effect.factor,
        rate: tracks.rate === null ? null : tracks.rate * effect.factor,
      };
    case 'loop': {
      // Holds the clip's frames in memory (up to LOOP_FILTER_MAX_FRAMES); ffmpeg-args.ts loops by reopening
      // the input instead wherever it can. The repeated frames get their times from the frames' durations,
      // which reverse and concat leave unreliable: they are renumbered at the clip's rate, so no two
      // share a time (the encoder would drop one).
      if (effect.extra < 1) return tracks;
      const extra = Math.floor(effect.extra);
      const renumber = tracks.rate === null ? [] : [`setpts=N/(${num(tracks.rate)}*TB)`];
      return {
        ...tracks,
        v: v === null ? null : graph.pipe(v, [`loop=loop=${extra}:size=${LOOP_FILTER_MAX_FRAMES}:start=0`, ...renumber], 'v'),
        a: a === null ? null : graph.pipe(a, [`aloop=loop=${extra}:size=2147483647:start=0`, 'asetpts=N/SR/TB'], 'a'),
        seconds: seconds * (1 + extra),
      };
    }
    case 'boomerang': {
      const forthAndBack = (pad: Pad, kind: 'v' | 'a'): Pad => {
        const [forth, copy] = graph.node([pad], kind === 'v' ? 'split=2' : 'asplit=2', 2, kind) as [Pad, Pad];
        const back = graph.pipe(copy, [kind === 'v' ? 'reverse' : 'areverse'], kind);
        return graph.node([forth, back], kind === 'v' ? 'concat=n=2:v=1:a=0' : 'concat=n=2:v=0:a=1', 1, kind)[0]!;
      };
      return { ...tracks, v: v === null ? null : forthAndBack(v, 'v'), a: a === null ? null : forthAndBack(a, 'a'), seconds: seconds * 2 };
    }
    case 'fade': {
      const length = Math.min(effect.durationMs / 1000, seconds);
      if (!(length > 0)) return tracks;
      const start = effect.direction === 'in' ? 0 : Math.max(0, seconds - length);
      const options = `t=${effect.direction}:st=${num(start)}:d=${num(length)}`;
      return {
        ...tracks,
        v: v === null ? null : graph.pipe(v, [`fade=${options}`], 'v'),
        a: a === null ? null : graph.pipe(a, [`afade=${options}`], 'a'),
      };
    }
    case 'preview': {
      const segments = previewSegments(effect, seconds);
      const total = segments.reduce((sum, segment) => sum + segment.end - segment.start, 0);
      if (segments.length === 1 && segments[0]!.start === 0 && segments[0]!.end === seconds) return tracks;
      const cut = (pad: Pad, kind: 'v' | 'a'): Pad => {
        const prefix = kind === 'v' ? '' : 'a';
        const count = segments.length;
        const parts = count === 1 ? [pad] : graph.node([pad], `${prefix}split=${count}`, count, kind);
        const pieces = segments.map((segment, index) =>
          graph.pipe(parts[index]!, [`${prefix}trim=start=${num(segment.start)}:end=${num(segment.end)}`, `${prefix}setpts=PTS-STARTPTS`], kind),
        );
        if (count === 1) return pieces[0]!;
        return graph.node(pieces, kind === 'v' ? `concat=n=${count}:v=1:a=0` : `concat=n=${count}:v=0:a=1`, 1, kind)[0]!;
      };
      return { ...tracks, v: v === null ? null : cut(v, 'v'), a: a === null ? null : cut(a, 'a'), seconds: total };
    }
  }
}

/** The duration after an effect, without building anything (for the expected output duration). */
export function durationAfter(effect: VideoEffect, seconds: number): number {
  switch (effect.name) {
    case 'accelerate':
      return seconds / effect.factor;
    case 'loop':
      return effect.extra < 1 ? seconds : seconds * (1 + Math.floor(effect.extra));
    case 'boomerang':
      return seconds * 2;
    case 'preview':
      return previewSegments(effect, seconds).reduce((sum, segment) => sum + segment.end - segment.start, 0);
    default:
      return seconds;
  }
}
