import { ApiError, type OutputFormat } from '@rendition/protocol';
import { canonicalComponent } from './canonical.ts';
import { transformErrors } from './messages.ts';
import { outputSettings } from './output-settings.ts';
import { parseTransformation } from './parse-transformation.ts';
import type {
  AudioCodecParam,
  AudioFrequency,
  BitRate,
  Component,
  CropMode,
  FrameRate,
  Gravity,
  StartOffset,
  TransformationPlan,
  VideoCodecParam,
  VideoEffectParam,
  VideoOffset,
  VideoSampling,
} from './plan.ts';
import { assertWithinSizeLimits, componentGeometry, projectPlan, type GeometryStep, type Size } from './project-size.ts';
import { predefinedStreamingProfile } from './streaming-profiles.ts';
import {
  AUDIO_CONTAINERS,
  VIDEO_CONTAINERS,
  type AudioCodecName,
  type AudioContainer,
  type RecipeOutput,
  type VideoCodecName,
  type VideoContainer,
  type VideoEffect,
  type VideoRecipe,
  type VideoSource,
} from './video-recipe.ts';

// A plan + the probed source + the output format → the VideoRecipe the video executor runs. Pure: every
// refusal is a 400 thrown here, before ffmpeg starts (docs: video-recipe.ts holds the contract).

/** The deployment's bounds on what one derivative may ask of ffmpeg. */
export type VideoRecipeLimits = { maxDimension: number; maxPixels: number; maxFrameRate: number; maxBitRate: number };

export type VideoRecipeOptions = {
  limits: VideoRecipeLimits;
  /**
   * The representations (one transformation each, smallest first) of a streaming profile: the caller's
   * custom profiles. undefined: not a custom profile, and the predefined one of that name is used.
   */
  streamingProfile?: (name: string) => readonly string[] | undefined;
};

/** Which executor derives a plan: a video asset's always goes to the video executor (which hands frames to the image executor). */
export function planExecutor(resourceType: 'image' | 'video' | 'raw', _format: OutputFormat): 'image' | 'video' {
  return resourceType === 'video' ? 'video' : 'image';
}

// ---------------------------------------------------------------------------------------------
// Containers and codecs. Defaults are Cloudinary's usual pairs; the accepted codecs are what ffmpeg's
// muxer for the container takes and players commonly play (checked against ffmpeg 6).

type ContainerCodecs<V, A> = { video: readonly V[]; audio: readonly A[]; defaultVideo: V; defaultAudio: A };

const ALL_VIDEO_CODECS = ['h264', 'h265', 'vp8', 'vp9', 'theora', 'prores'] as const;

export const VIDEO_CONTAINER_CODECS: Readonly<Record<VideoContainer, ContainerCodecs<VideoCodecName, AudioCodecName>>> = {
  mp4: { video: ['h264', 'h265', 'vp9'], audio: ['aac', 'mp3', 'opus'], defaultVideo: 'h264', defaultAudio: 'aac' },
  mov: { video: ['h264', 'h265', 'prores'], audio: ['aac', 'mp3'], defaultVideo: 'h264', defaultAudio: 'aac' },
  mkv: { video: ALL_VIDEO_CODECS, audio: ['aac', 'mp3', 'opus', 'vorbis'], defaultVideo: 'h264', defaultAudio: 'aac' },
  webm: { video: ['vp8', 'vp9'], audio: ['opus', 'vorbis'], defaultVideo: 'vp9', defaultAudio: 'opus' },
  ogv: { video: ['theora'], audio: ['vorbis', 'opus'], defaultVideo: 'theora', defaultAudio: 'vorbis' },
};

export const AUDIO_CONTAINER_CODECS: Readonly<Record<AudioContainer, { audio: readonly AudioCodecName[]; defaultAudio: AudioCodecName }>> = {
  mp3: { audio: ['mp3'], defaultAudio: 'mp3' },
  m4a: { audio: ['aac'], defaultAudio: 'aac' },
  ogg: { audio: ['vorbis', 'opus'], defaultAudio: 'vorbis' },
  wav: { audio: ['pcm_s16le'], defaultAudio: 'pcm_s16le' },
  flac: { audio: ['flac'], defaultAudio: 'flac' },
};

/** Sample rates (of af_'s list) each encoder takes; codecs not listed take them all. */
const CODEC_SAMPLE_RATES: Partial<Record<AudioCodecName, readonly number[]>> = {
  aac: [8000, 11025, 16000, 22050, 32000, 44100, 48000, 88200, 96000],
  mp3: [8000, 11025, 16000, 22050, 32000, 44100, 48000],
  opus: [8000, 16000, 48000],
};

/** The segments of HLS and DASH renditions are fragmented MP4. */
const STREAMING_CONTAINER: VideoContainer = 'mp4';

// ---------------------------------------------------------------------------------------------
// The plan's video settings, gathered across the chain: the last of each parameter wins (as f_ and q_
// do in outputSettings); effects apply in chain order.

type VideoSettings = {
  startOffset?: StartOffset;
  endOffset?: VideoOffset;
  duration?: VideoOffset;
  videoCodec?: VideoCodecParam;
  audioCodec?: AudioCodecParam;
  audioFrequency?: AudioFrequency;
  bitRate?: BitRate;
  fps?: FrameRate;
  keyframeInterval?: number;
  videoSampling?: VideoSampling;
  streamingProfile?: string;
  effects: VideoEffectParam[];
};

function videoSettings(plan: TransformationPlan): VideoSettings {
  const settings: VideoSettings = { effects: [] };
  for (const component of plan.components) {
    const { effect, ...rest } = component.videoOnly ?? {};
    Object.assign(settings, rest);
    if (effect !== undefined) settings.effects.push(effect);
  }
  return settings;
}

/** The plan's `sp_` (the last of the chain, as every video setting): the profile a caller resolves for `videoRecipe`. */
export function streamingProfileOf(plan: TransformationPlan): string | undefined {
  return videoSettings(plan).streamingProfile;
}

/** The plan without its video-only parameters (components left empty are dropped): what an image executor runs. */
export function withoutVideoParameters(plan: TransformationPlan): TransformationPlan {
  const components: Component[] = [];
  for (const component of plan.components) {
    const { videoOnly: _videoOnly, ...rest } = component;
    if (Object.keys(rest).length > 0) components.push(rest);
  }
  return { components };
}

/** The plan without `sp_` (components left empty are dropped): what every rendition of a stream shares. */
function withoutStreamingProfile(plan: TransformationPlan): TransformationPlan {
  const components: Component[] = [];
  for (const component of plan.components) {
    if (component.videoOnly?.streamingProfile === undefined) {
      components.push(component);
      continue;
    }
    const { streamingProfile: _profile, ...video } = component.videoOnly;
    const { videoOnly: _videoOnly, ...rest } = component;
    const kept: Component = Object.keys(video).length > 0 ? { ...rest, videoOnly: video } : rest;
    if (Object.keys(kept).length > 0) components.push(kept);
  }
  return { components };
}

// ---------------------------------------------------------------------------------------------

/**
 * The recipe for one derivative of a video (or audio) asset. `format` is the output format (the plan's
 * last `f_` already folded in by the caller); the plan must have its named transformations expanded.
 * Throws ApiError(400) for anything that cannot be made within `options.limits`.
 */
export function videoRecipe(plan: TransformationPlan, source: VideoSource, format: OutputFormat, options: VideoRecipeOptions): VideoRecipe {
  if (plan.components.some((component) => component.named !== undefined)) {
    throw new TypeError('expand named transformations (expandNamed) before building a video recipe');
  }
  const settings = videoSettings(plan);
  if (format === 'm3u8' || format === 'mpd') return streamingRecipe(plan, settings, source, format, options);
  if (settings.streamingProfile !== undefined) throw transformErrors.streamingProfileOutsideStreaming(`sp_${settings.streamingProfile}`, format);
  if (isIn(VIDEO_CONTAINERS, format)) return mediaRecipe(plan, settings, source, { kind: 'video', container: format }, options.limits);
  if (isIn(AUDIO_CONTAINERS, format)) return mediaRecipe(plan, settings, source, { kind: 'audio', container: format }, options.limits);
  const animated = outputSettings(plan).flags.some((flag) => flag.name === 'animated' || flag.name === 'awebp');
  if (format === 'gif' || (format === 'webp' && animated)) return animationRecipe(plan, settings, source, format, options.limits);
  if (format === 'avif' && animated) throw transformErrors.animatedAvif();
  return frameRecipe(plan, settings, source, format, options.limits);
}

const isIn = <T extends string>(list: readonly T[], value: string): value is T => (list as readonly string[]).includes(value);

const EMPTY: Omit<VideoRecipe, 'output'> = {
  trim: { start: 0, end: null },
  geometry: [],
  size: null,
  video: null,
  audio: null,
  bitRate: null,
  quality: null,
  fps: null,
  keyframeIntervalSeconds: null,
  effects: [],
};

/** The source's display size; a TypeError when a source said to have video has none (a probe bug, not a request's). */
function displaySize(source: VideoSource): Size {
  if (source.width === null || source.height === null) throw new TypeError('a video source with a picture needs its display width and height');
  return { width: source.width, height: source.height };
}

/** A still frame at so_ (the middle without it); the image executor runs the rest of the plan on it. */
function frameRecipe(
  plan: TransformationPlan,
  settings: VideoSettings,
  source: VideoSource,
  format: 'jpg' | 'png' | 'webp' | 'avif',
  limits: VideoRecipeLimits,
): VideoRecipe {
  if (!source.hasVideo) throw transformErrors.noVideoStream(format);
  const size = displaySize(source);
  const imagePlan = withoutVideoParameters(plan);
  // The image executor checks again with its own limits; refusing here keeps a bad frame out of the queue.
  projectPlan(imagePlan, size, limits);
  const duration = Number.isFinite(source.duration) ? Math.max(0, source.duration) : 0;
  const requested = settings.startOffset === undefined ? duration / 2 : offsetSeconds(settings.startOffset, duration);
  // The last frame starts one frame before the end: seeking to the end itself finds no frame.
  const lastFrame = Math.max(0, duration - 1 / (source.frameRate ?? 25));
  const at = Math.min(Math.max(0, requested), lastFrame);
  return { ...EMPTY, output: { kind: 'frame', at, format, imagePlan }, size };
}

/** gif, or webp with fl_awebp / fl_animated: the picture only, sampled by vs_. */
function animationRecipe(
  plan: TransformationPlan,
  settings: VideoSettings,
  source: VideoSource,
  format: 'gif' | 'webp',
  limits: VideoRecipeLimits,
): VideoRecipe {
  if (!source.hasVideo) throw transformErrors.noVideoStream(format);
  const trim = trimOf(settings, source.duration);
  const sampling = settings.videoSampling ?? null;
  if (sampling !== null) checkSampling(sampling, (trim.end ?? source.duration) - trim.start, limits);
  const { steps, size } = videoGeometry(plan, displaySize(source), limits);
  return {
    ...EMPTY,
    output: { kind: 'animation', format, sampling },
    trim,
    geometry: steps,
    size,
    quality: outputSettings(plan).quality,
    fps: frameRate(settings.fps, limits),
    effects: settings.effects.filter((effect) => effect.name !== 'volume').map(resolveEffect),
  };
}

/** A video container (picture and/or sound) or an audio container (sound only). */
function mediaRecipe(
  plan: TransformationPlan,
  settings: VideoSettings,
  source: VideoSource,
  output: Extract<RecipeOutput, { kind: 'video' | 'audio' }>,
  limits: VideoRecipeLimits,
): VideoRecipe {
  const format = output.container;
  const codecs = output.kind === 'video' ? VIDEO_CONTAINER_CODECS[output.container] : null;
  const audioCodecs = output.kind === 'video' ? VIDEO_CONTAINER_CODECS[output.container] : AUDIO_CONTAINER_CODECS[output.container];

  let video: VideoRecipe['video'] = null;
  if (codecs !== null && source.hasVideo && settings.videoCodec?.kind !== 'none') {
    const requested = settings.videoCodec;
    if (requested?.kind === 'codec') {
      if (!codecs.video.includes(requested.codec)) throw transformErrors.codecNotInContainer('video', requested.codec, format);
      video = { codec: requested.codec, profile: requested.profile, level: requested.level };
    } else {
      video = { codec: codecs.defaultVideo, profile: null, level: null };
    }
  }

  let audio: VideoRecipe['audio'] = null;
  if (output.kind === 'audio' && !source.hasAudio) throw transformErrors.noAudioStream(format);
  if (source.hasAudio && settings.audioCodec !== 'none') {
    const requested = settings.audioCodec;
    if (requested !== undefined && !audioCodecs.audio.includes(requested)) throw transformErrors.codecNotInContainer('audio', requested, format);
    const codec = requested ?? audioCodecs.defaultAudio;
    const frequency = settings.audioFrequency;
    const sampleRate = frequency === undefined || frequency.kind === 'original' ? null : frequency.value;
    if (sampleRate !== null && !(CODEC_SAMPLE_RATES[codec] ?? [sampleRate]).includes(sampleRate)) {
      throw transformErrors.sampleRateNotForCodec(sampleRate, codec);
    }
    audio = { codec, sampleRate };
  }
  if (video === null && audio === null) throw transformErrors.nothingToDeliver();

  const picture = video === null ? null : videoGeometry(plan, displaySize(source), limits);
  return {
    output,
    trim: trimOf(settings, source.duration),
    geometry: picture?.steps ?? [],
    size: picture?.size ?? null,
    video,
    audio,
    bitRate: bitRate(settings.bitRate, limits),
    quality: outputSettings(plan).quality,
    fps: video === null ? null : frameRate(settings.fps, limits),
    keyframeIntervalSeconds: video === null ? null : (settings.keyframeInterval ?? null),
    effects: settings.effects.filter((effect) => audio !== null || effect.name !== 'volume').map(resolveEffect),
  };
}

/**
 * HLS (m3u8) or DASH (mpd): one mp4 rendition per rung of the `sp_` profile, each the rest of the plan
 * followed by the rung's transformation. Without `sp_` the stream has one rendition: the plan itself
 * (profile ''). The recipe's own fields mirror its largest rendition (what a response reports).
 */
function streamingRecipe(
  plan: TransformationPlan,
  settings: VideoSettings,
  source: VideoSource,
  format: 'm3u8' | 'mpd',
  options: VideoRecipeOptions,
): VideoRecipe {
  const protocol = format === 'm3u8' ? 'hls' : 'dash';
  const base = withoutStreamingProfile(plan);
  const name = settings.streamingProfile;
  const build = (rendition: TransformationPlan): VideoRecipe =>
    mediaRecipe(rendition, videoSettings(rendition), source, { kind: 'video', container: STREAMING_CONTAINER }, options.limits);

  let representations: VideoRecipe[];
  if (name === undefined) {
    representations = [build(base)];
  } else {
    const rungs = ladder(name, options).map((text) => ({ text, plan: parseRung(name, text) }));
    let kept: typeof rungs;
    if (source.hasVideo) {
      const input = videoGeometry(base, displaySize(source), options.limits).size;
      kept = rungs.filter((rung) => fitsWithin(rungBox(rung.plan), input));
      if (kept.length === 0) kept = [smallestRung(rungs, input)];
    } else {
      // Sound only: every rung would be the same rendition; the smallest stands for them all.
      kept = [rungs[0]!];
    }
    representations = kept.map((rung) => build({ components: [...base.components, ...rung.plan.components] }));
  }
  const largest = representations.reduce((best, next) => (area(next.size) > area(best.size) ? next : best));
  return { ...largest, output: { kind: 'streaming', protocol, profile: name ?? '', representations } };
}

function ladder(name: string, options: VideoRecipeOptions): readonly string[] {
  const rungs = options.streamingProfile?.(name) ?? predefinedStreamingProfile(name)?.representations;
  if (rungs === undefined) throw transformErrors.unknownStreamingProfile(name);
  if (rungs.length === 0) throw transformErrors.invalidRepresentation(name, "''", 'the profile has no representations');
  return rungs;
}

/** One rung's transformation: video parameters and sizes only, no profile of its own, no named transformation. */
function parseRung(profile: string, text: string): TransformationPlan {
  let plan: TransformationPlan;
  try {
    plan = parseTransformation(text);
  } catch (error) {
    if (error instanceof ApiError) throw transformErrors.invalidRepresentation(profile, text, error.message);
    throw error;
  }
  for (const component of plan.components) {
    if (component.named !== undefined) throw transformErrors.invalidRepresentation(profile, text, 'named transformations are not allowed');
    if (component.videoOnly?.streamingProfile !== undefined) {
      throw transformErrors.invalidRepresentation(profile, text, 'a representation cannot name a streaming profile');
    }
  }
  return plan;
}

/** The pixel box a rung asks for (its last w_/h_ in pixels); a side it leaves open is undefined. */
function rungBox(plan: TransformationPlan): { width?: number; height?: number } {
  const box: { width?: number; height?: number } = {};
  for (const component of plan.components) {
    if (component.width?.kind === 'pixels') box.width = component.width.value;
    if (component.height?.kind === 'pixels') box.height = component.height.value;
  }
  return box;
}

/**
 * Whether a rung's box is no wider and no taller than the input, in either orientation (a portrait
 * video keeps the rungs its long side reaches). A rung above the input would, with c_limit, only
 * repeat the source at a higher bit rate.
 */
function fitsWithin(box: { width?: number; height?: number }, input: Size): boolean {
  const fits = (width: number, height: number): boolean => (box.width ?? 0) <= width && (box.height ?? 0) <= height;
  return fits(input.width, input.height) || fits(input.height, input.width);
}

function smallestRung<T extends { plan: TransformationPlan }>(rungs: readonly T[], input: Size): T {
  const size = (rung: T): number => {
    const box = rungBox(rung.plan);
    return (box.width ?? input.width) * (box.height ?? input.height);
  };
  return rungs.reduce((best, next) => (size(next) < size(best) ? next : best));
}

const area = (size: Size | null): number => (size === null ? 0 : size.width * size.height);

// ---------------------------------------------------------------------------------------------
// Values.

/** so_/eo_/du_ in seconds of a source of `duration` seconds (so_auto: the middle). */
function offsetSeconds(offset: StartOffset, duration: number): number {
  if (offset.kind === 'auto') return duration / 2;
  return offset.kind === 'seconds' ? offset.value : (duration * offset.value) / 100;
}

/**
 * so_/eo_/du_ → the kept part [start, end). du counts from the start; eo wins over du; both are
 * clamped into the source, and an end at (or past) the source's end is null. A trim that keeps
 * nothing is a 400.
 */
function trimOf(settings: VideoSettings, duration: number): VideoRecipe['trim'] {
  const { startOffset, endOffset, duration: length } = settings;
  if (startOffset === undefined && endOffset === undefined && length === undefined) return { start: 0, end: null };
  const total = Number.isFinite(duration) ? Math.max(0, duration) : 0;
  const clamp = (seconds: number): number => Math.min(Math.max(seconds, 0), total);
  const start = clamp(startOffset === undefined ? 0 : offsetSeconds(startOffset, total));
  const end =
    endOffset !== undefined ? clamp(offsetSeconds(endOffset, total)) : length !== undefined ? clamp(start + offsetSeconds(length, total)) : total;
  if (start >= end) throw transformErrors.emptyTrim(start, end);
  return { start, end: end >= total ? null : end };
}

function frameRate(fps: FrameRate | undefined, limits: VideoRecipeLimits): VideoRecipe['fps'] {
  if (fps === undefined) return null;
  const highest = fps.max ?? fps.min;
  if (highest > limits.maxFrameRate) throw transformErrors.rateTooHigh('frame rate', highest, limits.maxFrameRate);
  return { min: fps.min, max: fps.max };
}

function bitRate(rate: BitRate | undefined, limits: VideoRecipeLimits): VideoRecipe['bitRate'] {
  if (rate === undefined) return null;
  if (rate.bitsPerSecond > limits.maxBitRate) throw transformErrors.rateTooHigh('bit rate', rate.bitsPerSecond, limits.maxBitRate);
  return { bitsPerSecond: rate.bitsPerSecond, constant: rate.constant };
}

/** vs_ sampled faster than the frame-rate limit (vs_0.001s, or more frames than the clip's seconds allow) is refused. */
function checkSampling(sampling: VideoSampling, clipSeconds: number, limits: VideoRecipeLimits): void {
  const rate = sampling.kind === 'seconds' ? 1 / sampling.value : sampling.value / Math.max(clipSeconds, Number.MIN_VALUE);
  if (rate > limits.maxFrameRate) throw transformErrors.rateTooHigh('frame rate', Math.round(rate * 1000) / 1000, limits.maxFrameRate);
}

function resolveEffect(effect: VideoEffectParam): VideoEffect {
  switch (effect.name) {
    case 'volume': {
      const volume = effect.volume;
      if (volume.kind === 'mute') return { name: 'volume', factor: 0 };
      return { name: 'volume', factor: volume.kind === 'percent' ? 1 + volume.value / 100 : 10 ** (volume.value / 20) };
    }
    case 'reverse':
    case 'boomerang':
      return { name: effect.name };
    case 'accelerate':
      return { name: 'accelerate', factor: 1 + effect.value / 100 };
    case 'loop':
      return { name: 'loop', extra: effect.value };
    case 'fade':
      return { name: 'fade', direction: effect.value > 0 ? 'in' : 'out', durationMs: Math.abs(effect.value) };
    case 'preview':
      return { name: 'preview', durationSeconds: effect.duration, maxSegments: effect.maxSegments, minSegmentSeconds: effect.minSegmentDuration };
  }
}

// ---------------------------------------------------------------------------------------------
// Geometry: the image geometry, restricted to what ffmpeg's filters do exactly (scale, crop, pad,
// transpose, flips). Auto gravity (attention) has no meaning for a moving picture: center.

const CENTER: Gravity = { kind: 'compass', direction: 'center' };
const PAD_COLOUR_MODES: ReadonlySet<CropMode> = new Set(['pad', 'lpad', 'mpad', 'fill_pad']);

/** The first parameter of a component that the video executor cannot apply, in canonical form; undefined when none. */
function unsupportedForVideo(component: Component): string | undefined {
  const param = (part: Component): string => canonicalComponent(part);
  if (component.effect !== undefined) return param({ effect: component.effect });
  if (component.radius !== undefined) return param({ radius: component.radius });
  if (component.border !== undefined) return param({ border: component.border });
  if (component.opacity !== undefined) return param({ opacity: component.opacity });
  if (component.page !== undefined) return param({ page: component.page });
  if (component.density !== undefined) return param({ density: component.density });
  // Right angles only (a_exif, a_auto_right/left and the flips are right angles too): ffmpeg's transpose.
  if (component.angle?.some((step) => step.kind === 'degrees' && step.value % 90 !== 0)) return param({ angle: component.angle });
  if (component.background !== undefined && !PAD_COLOUR_MODES.has(component.crop ?? 'scale')) return param({ background: component.background });
  if (component.crop !== 'crop') {
    if (component.x !== undefined) return param({ x: component.x });
    if (component.y !== undefined) return param({ y: component.y });
  }
  return undefined;
}

/**
 * Every component's geometry steps over the display size, in order, each step (and a cover's scaled
 * intermediate) checked against the size limits; a parameter the video executor cannot apply is a 400.
 */
export function videoGeometry(
  plan: TransformationPlan,
  input: Size,
  limits: Pick<VideoRecipeLimits, 'maxDimension' | 'maxPixels'>,
): { steps: GeometryStep[]; size: Size } {
  const sizeLimits = { maxDimension: limits.maxDimension, maxPixels: limits.maxPixels };
  const steps: GeometryStep[] = [];
  let size = input;
  for (const component of plan.components) {
    const refused = unsupportedForVideo(component);
    if (refused !== undefined) throw transformErrors.unsupportedForVideo(refused);
    const centred = component.gravity?.kind === 'auto' ? { ...component, gravity: CENTER } : component;
    const geometry = componentGeometry(centred, size);
    for (const step of geometry.steps) {
      if (step.op === 'cover') assertWithinSizeLimits({ width: step.scaledWidth, height: step.scaledHeight }, sizeLimits);
      assertWithinSizeLimits(step, sizeLimits);
    }
    steps.push(...geometry.steps);
    size = geometry.output;
  }
  return { steps, size };
}
