import { randomUUID } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import type { GeometryStep, Size, VideoRecipe, VideoSource } from '@rendition/transform';
import { executeImagePlan } from '../image-executor.ts';
import type { ImageExecutionLimits } from '../image-executor.ts';
import { isImageTarget } from '../image-targets.ts';
import { MediaError } from '../media-error.ts';
import type { SafeDemuxer } from './demuxers.ts';
import { encodedSize, expectedDuration, recipeArgs, STREAMING_NAMES, streamingArgs } from './ffmpeg-args.ts';
import { videoSource } from './ffprobe-facts.ts';
import { runFfmpeg } from './ffmpeg-runner.ts';
import { readVideoFacts } from './probe-video.ts';

export type VideoExecutionOptions = {
  /** The whole execution (probe, ffmpeg, reading the result) ends by then: MediaError('timeout'). */
  timeoutMs: number;
  /** Stops ffmpeg (its whole process group) at once; the promise rejects with the signal's reason. */
  signal?: AbortSignal | undefined;
  /** 0..100 as the output is written. */
  onProgress?: ((percent: number) => void) | undefined;
  threads?: number | undefined;
  /** Force the input's demuxer (DEMUXER_BY_FORMAT of its detected format). */
  inputDemuxer?: string | undefined;
  /** Output size bounds (maxDimension, maxOutputPixels, checked before ffmpeg starts) and the frame's image execution. */
  imageLimits: ImageExecutionLimits;
  /** The source's facts when the caller has them (its stored probe); otherwise the input is probed first. */
  source?: VideoSource | undefined;
};

export type VideoExecution = {
  /** The written picture's size (the largest rendition for streaming); null without a picture. */
  width: number | null;
  height: number | null;
  /** Seconds (absent for a frame). */
  duration?: number;
  /** Streaming only: the files written in the output directory, relative names, the master playlist first. */
  files?: string[];
};

/** The demuxer that reads back each output format (webp has no animated-WebP demuxer in ffmpeg 5.1). */
const OUTPUT_DEMUXERS: Readonly<Record<string, SafeDemuxer>> = {
  mp4: 'mov',
  mov: 'mov',
  webm: 'matroska',
  mkv: 'matroska',
  ogv: 'ogg',
  mp3: 'mp3',
  m4a: 'mov',
  ogg: 'ogg',
  wav: 'wav',
  flac: 'flac',
  gif: 'gif',
};

/**
 * Executes a video recipe on the video or audio file at `inputPath`.
 *
 * - video, audio, animation: ffmpeg writes `outputPath` (complete or not at all: a temporary name in the
 *   same directory, renamed at the end); its size and duration are read back with ffprobe.
 * - frame: ffmpeg extracts the frame at `at` to a PNG beside the output, and the image executor runs the
 *   recipe's image plan on it into `outputPath` in the recipe's format.
 * - streaming: `outputPath` is a directory (made if missing) that receives the master playlist
 *   (`master.m3u8` or `manifest.mpd`, first in `files`) and every playlist and segment.
 *
 * Errors: MediaError for the input (corrupt, too_large for an output over the image limits, timeout),
 * the signal's reason on abort, Error for our own faults.
 */
export async function executeVideoRecipe(
  inputPath: string,
  outputPath: string,
  recipe: VideoRecipe,
  options: VideoExecutionOptions,
): Promise<VideoExecution> {
  const deadline = Date.now() + positive(options.timeoutMs);
  const remaining = (): number => {
    const left = deadline - Date.now();
    if (left < 1) throw new MediaError('timeout', 'Video processing took too long');
    return Math.ceil(left);
  };
  assertOutputSize(recipe, options.imageLimits);
  const source =
    options.source ?? videoSource(await readVideoFacts(inputPath, { demuxer: options.inputDemuxer, timeoutMs: remaining(), signal: options.signal }));
  const argsOptions = { source, threads: options.threads, inputDemuxer: options.inputDemuxer };
  const run = (args: string[], expectedSeconds?: number): Promise<void> =>
    runFfmpeg(args, { timeoutMs: remaining(), signal: options.signal, onProgress: options.onProgress, expectedSeconds });

  const output = recipe.output;
  if (output.kind === 'frame') {
    if (!source.hasVideo) throw new MediaError('unsupported', 'An audio file has no frame to show');
    if (!isImageTarget(output.format)) throw new MediaError('unsupported', 'Unsupported target format');
    const png = join(dirname(outputPath), `.${randomUUID()}.frame.png`);
    try {
      await run(recipeArgs(inputPath, png, recipe, argsOptions));
      if ((await sizeOf(png)) === 0) throw new MediaError('unsupported', `The video has no frame at ${output.at} seconds`);
      const limits = {
        ...options.imageLimits,
        timeoutSeconds: Math.max(1, Math.min(options.imageLimits.timeoutSeconds, Math.floor(remaining() / 1000))),
      };
      const image = await executeImagePlan(png, outputPath, output.imagePlan, { format: output.format, limits });
      return { width: image.width, height: image.height };
    } finally {
      await rm(png, { force: true });
    }
  }

  if (output.kind === 'streaming') {
    const created = await mkdir(outputPath, { recursive: true });
    try {
      await run(streamingArgs(inputPath, outputPath, recipe, argsOptions), expectedDuration(recipe, source));
      const master = STREAMING_NAMES[output.protocol].master;
      const files = (await listFiles(outputPath)).sort();
      if (!files.includes(master)) throw new Error(`ffmpeg wrote no ${master}`);
      const largest = output.representations
        .map(encodedSize)
        .filter((size): size is Size => size !== null)
        .reduce<Size | null>((best, size) => (best === null || size.width * size.height > best.width * best.height ? size : best), null);
      return {
        width: largest?.width ?? null,
        height: largest?.height ?? null,
        duration: expectedDuration(recipe, source),
        files: [master, ...files.filter((file) => file !== master)],
      };
    } catch (error) {
      if (created !== undefined) await rm(created, { recursive: true, force: true });
      throw error;
    }
  }

  const partial = join(dirname(outputPath), `.${basename(outputPath)}.${randomUUID()}.partial`);
  try {
    await run(recipeArgs(inputPath, partial, recipe, argsOptions), expectedDuration(recipe, source));
    if ((await sizeOf(partial)) === 0) throw new MediaError('corrupt', 'Invalid video file', { cause: new Error('ffmpeg wrote an empty output') });
    const format = output.kind === 'animation' ? output.format : output.container;
    const result = await describeOutput(partial, format, recipe, source, remaining, options.signal);
    await rename(partial, outputPath);
    return result;
  } finally {
    await rm(partial, { force: true });
  }
}

async function describeOutput(
  path: string,
  format: string,
  recipe: VideoRecipe,
  source: VideoSource,
  remaining: () => number,
  signal: AbortSignal | undefined,
): Promise<VideoExecution> {
  const demuxer = OUTPUT_DEMUXERS[format];
  if (demuxer === undefined) {
    const size = encodedSize(recipe);
    return { width: size?.width ?? null, height: size?.height ?? null, duration: expectedDuration(recipe, source) };
  }
  const facts = await readVideoFacts(path, { demuxer, timeoutMs: remaining(), signal });
  return { width: facts.width ?? null, height: facts.height ?? null, duration: facts.duration };
}

function positive(timeoutMs: number): number {
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1) throw new TypeError(`timeoutMs must be a positive integer, got ${timeoutMs}`);
  return timeoutMs;
}

/** Every size the recipe promises (each step, the output, each rendition) within the image limits. */
function assertOutputSize(recipe: VideoRecipe, limits: ImageExecutionLimits): void {
  const sizes: Size[] = [];
  const collect = (one: VideoRecipe): void => {
    sizes.push(...one.geometry.map((step: GeometryStep) => ({ width: step.width, height: step.height })));
    if (one.size !== null) sizes.push(one.size);
    if (one.output.kind === 'streaming') one.output.representations.forEach(collect);
  };
  collect(recipe);
  for (const size of sizes) {
    if (size.width > limits.maxDimension || size.height > limits.maxDimension || size.width * size.height > limits.maxOutputPixels) {
      throw new MediaError(
        'too_large',
        `The output of ${size.width}x${size.height} pixels exceeds the limits (${limits.maxDimension} per side, ${limits.maxOutputPixels} pixels)`,
      );
    }
  }
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

/** Every file under `dir`, as relative paths with forward slashes. */
async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => relative(dir, join(entry.parentPath, entry.name)).split('\\').join('/'));
}
