import { join } from 'node:path';
import type { VideoEffect, VideoRecipe, VideoSource } from '@rendition/transform';
import { audioEncoderArgs, keyframeArgs, MUXERS, pixelFormat, videoEncoderArgs } from './encoder-args.ts';
import { assertAbsolute, safeInputArgs } from './ffprobe-args.ts';
import { applyEffect, durationAfter, FilterGraph, geometryFilters, mapTarget, num } from './video-filters.ts';
import type { Pad, Tracks } from './video-filters.ts';

// A VideoRecipe → ffmpeg's argument array (without the program name). Pure: the same recipe always
// gives the same array, which the table tests assert. ffmpeg-runner.ts adds the progress options and
// runs it.
//
// Shape of every command:
//   global   -hide_banner -nostdin -loglevel error -y
//   inputs   the safe input options (whitelists, file:), trim as input options (-ss/-to: frame-exact
//            seek, decoding starts at the keyframe before), -threads for the decoder
//   graph    -filter_complex: per clip geometry → effects; then fps, even sides, square pixels, pixel format
//   outputs  -map, encoders, -an/-vn, metadata dropped, the muxer, `file:<output>`

export type RecipeArgsOptions = {
  /** The source's facts (from its probe): the fps range, fade-out and preview need its rate and duration. */
  source: VideoSource;
  /** Threads for decoding, filtering and encoding (ffmpeg's default: one per core). */
  threads?: number | undefined;
  /** Force the input demuxer (one of SAFE_DEMUXERS). */
  inputDemuxer?: string | undefined;
};

const GLOBAL = ['-hide_banner', '-nostdin', '-loglevel', 'error', '-y'];
const DROP_METADATA = ['-map_metadata', '-1', '-map_chapters', '-1', '-sn', '-dn'];
/** Reverse and boomerang hold a clip before the first frame comes out; the muxer must wait for it. */
const MUXING_QUEUE = ['-max_muxing_queue_size', '4096'];
/** The most copies of the input an e_loop opens (beyond, the loop filter holds the clip in memory). */
export const MAX_LOOP_INPUTS = 16;

/** The names written into a streaming output's directory: fixed, never from the request. */
export const STREAMING_NAMES = {
  hls: { master: 'master.m3u8', playlist: 'stream_%v.m3u8', segment: 'stream_%v_%05d', init: 'init_%v.mp4' },
  dash: { master: 'manifest.mpd', init: 'init_$RepresentationID$.$ext$', segment: 'chunk_$RepresentationID$_$Number%05d$.$ext$' },
} as const;

/** Target length of a streaming segment; the real one is a whole number of keyframe intervals. */
export const SEGMENT_SECONDS = 4;
/** Keyframe interval of streaming renditions without ki_. */
export const STREAMING_KEYFRAME_SECONDS = 2;

/** Seconds of the source the recipe keeps (its trim, within the source). */
export function trimmedSeconds(recipe: VideoRecipe, source: VideoSource): number {
  const end = recipe.trim.end === null ? source.duration : Math.min(recipe.trim.end, source.duration);
  return Math.max(0, end - Math.max(0, recipe.trim.start));
}

/** The output's duration in seconds: the trim, then each effect's change (0 for a frame). */
export function expectedDuration(recipe: VideoRecipe, source: VideoSource): number {
  if (recipe.output.kind === 'frame') return 0;
  return recipe.effects.reduce((seconds, effect) => durationAfter(effect, seconds), trimmedSeconds(recipe, source));
}

function globalArgs(threads: number | undefined): string[] {
  return threads === undefined ? [...GLOBAL] : [...GLOBAL, '-filter_complex_threads', String(positiveInt(threads, 'threads'))];
}

function positiveInt(value: number, what: string): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new TypeError(`${what} must be a positive integer, got ${value}`);
  return value;
}

function trimArgs(recipe: VideoRecipe): string[] {
  const args: string[] = [];
  if (recipe.trim.start > 0) args.push('-ss', num(recipe.trim.start));
  if (recipe.trim.end !== null) args.push('-to', num(recipe.trim.end));
  return args;
}

function inputArgs(input: string, recipe: VideoRecipe, options: RecipeArgsOptions, copies = 1): string[] {
  const before = [...(options.threads === undefined ? [] : ['-threads', String(options.threads)]), ...trimArgs(recipe)];
  const one = safeInputArgs(input, { demuxer: options.inputDemuxer, before });
  return Array.from({ length: copies }, () => one).flat();
}

function outputArgs(output: string, threads: number | undefined): string[] {
  assertAbsolute(output);
  return [...DROP_METADATA, ...(threads === undefined ? [] : ['-threads', String(threads)]), ...MUXING_QUEUE];
}

/** What the clip's streams are before any effect: the picture through the geometry steps, the sound as is. */
function clipTracks(graph: FilterGraph, input: number, recipe: VideoRecipe, keep: { v: boolean; a: boolean }, source: VideoSource): Tracks {
  const geometry = recipe.geometry.flatMap(geometryFilters);
  return {
    v: keep.v ? graph.pipe(`${input}:v:0`, geometry, 'v') : null,
    a: keep.a ? `${input}:a:0` : null,
    seconds: trimmedSeconds(recipe, source),
    rate: source.frameRate,
  };
}

/**
 * The clip with its geometry and effects. The first e_loop is done by opening the (trimmed) input once
 * per play and concatenating (no frame is held in memory); the effects before it run on each play, the
 * ones after it on the whole. Loops past MAX_LOOP_INPUTS plays, and any later e_loop, use the loop filter.
 */
function effectTracks(
  graph: FilterGraph,
  recipe: VideoRecipe,
  keep: { v: boolean; a: boolean },
  source: VideoSource,
): { tracks: Tracks; inputs: number } {
  const first = recipe.effects.findIndex((effect) => effect.name === 'loop');
  const loop = first < 0 ? undefined : (recipe.effects[first] as Extract<VideoEffect, { name: 'loop' }>);
  const plays = loop === undefined ? 1 : 1 + Math.max(0, Math.floor(loop.extra));
  if (loop === undefined || plays === 1 || plays > MAX_LOOP_INPUTS) {
    let tracks = clipTracks(graph, 0, recipe, keep, source);
    for (const effect of recipe.effects) tracks = applyEffect(graph, tracks, effect);
    return { tracks, inputs: 1 };
  }
  const before = recipe.effects.slice(0, first);
  const clips = Array.from({ length: plays }, (_, index) =>
    before.reduce((tracks, effect) => applyEffect(graph, tracks, effect), clipTracks(graph, index, recipe, keep, source)),
  );
  const pads = clips.flatMap((clip) => [clip.v, clip.a].filter((pad): pad is Pad => pad !== null));
  const outputs = graph.node(pads, `concat=n=${plays}:v=${keep.v ? 1 : 0}:a=${keep.a ? 1 : 0}`, (keep.v ? 1 : 0) + (keep.a ? 1 : 0), 'c');
  let tracks: Tracks = {
    ...clips[0]!,
    v: keep.v ? outputs[0]! : null,
    a: keep.a ? outputs[keep.v ? 1 : 0]! : null,
    seconds: clips[0]!.seconds * plays,
  };
  for (const effect of recipe.effects.slice(first + 1)) tracks = applyEffect(graph, tracks, effect);
  return { tracks, inputs: plays };
}

/** fps_: a fixed rate, or the clip's rate clamped into the range; [] when the clip's rate stays. */
export function fpsFilters(fps: VideoRecipe['fps'], sourceRate: number | null): string[] {
  if (fps === null) return [];
  if (fps.max !== null && fps.min === fps.max) return [`fps=${num(fps.min)}`];
  if (sourceRate === null) return [`fps=${num(fps.min)}`];
  const clamped = Math.min(Math.max(sourceRate, fps.min), fps.max ?? Infinity);
  return clamped === sourceRate ? [] : [`fps=${num(clamped)}`];
}

/** The last filters of an encoded picture: rate, even sides (4:2:0 and 4:2:2 need them), square pixels, pixel format. */
function finishPicture(recipe: VideoRecipe, codec: NonNullable<VideoRecipe['video']>['codec'], sourceRate: number | null): string[] {
  const odd = recipe.size === null || recipe.size.width % 2 === 1 || recipe.size.height % 2 === 1;
  return [...fpsFilters(recipe.fps, sourceRate), ...(odd ? ['crop=trunc(iw/2)*2:trunc(ih/2)*2:0:0'] : []), 'setsar=1', `format=${pixelFormat(codec)}`];
}

/** The size a recipe's picture is encoded at (even sides for the video encoders). */
export function encodedSize(recipe: VideoRecipe): { width: number; height: number } | null {
  if (recipe.size === null) return null;
  if (recipe.output.kind !== 'video' && recipe.output.kind !== 'streaming') return { ...recipe.size };
  return { width: recipe.size.width - (recipe.size.width % 2), height: recipe.size.height - (recipe.size.height % 2) };
}

/**
 * The arguments that execute a recipe of kind video, audio, animation or frame into the file `output`
 * (an absolute path; its extension does not matter, the muxer is named). Streaming recipes: streamingArgs.
 */
export function recipeArgs(input: string, output: string, recipe: VideoRecipe, options: RecipeArgsOptions): string[] {
  const { source, threads } = options;
  if (threads !== undefined) positiveInt(threads, 'threads');
  const kind = recipe.output.kind;
  if (kind === 'streaming') throw new TypeError('streaming recipes are written by streamingArgs');
  if (kind === 'frame') return frameArgs(input, output, recipe.output.at, options);

  const keep = {
    v: source.hasVideo && (kind === 'animation' || (kind === 'video' && recipe.video !== null)),
    a: source.hasAudio && kind !== 'animation' && recipe.audio !== null,
  };
  if (!keep.v && !keep.a) throw new TypeError('the recipe writes neither a picture nor a sound');
  const graph = new FilterGraph();
  const { tracks, inputs } = effectTracks(graph, recipe, keep, source);

  const encode: string[] = [];
  const maps: string[] = [];
  if (tracks.v !== null) {
    if (kind === 'animation') {
      const output = recipe.output;
      const sampling = output.sampling;
      const rate =
        sampling === null
          ? fpsFilters(recipe.fps, tracks.rate)
          : [`fps=${num(sampling.kind === 'seconds' ? 1 / sampling.value : sampling.value / Math.max(tracks.seconds, 0.001))}`];
      if (output.format === 'gif') {
        // One palette per frame (stats_mode=single, new=1): nothing is held back for a whole-clip palette.
        const [frames, forPalette] = graph.node([graph.pipe(tracks.v, rate, 'v')], 'split=2', 2, 'g') as [Pad, Pad];
        const palette = graph.pipe(forPalette, ['palettegen=stats_mode=single'], 'p');
        maps.push('-map', mapTarget(graph.node([frames, palette], 'paletteuse=new=1', 1, 'g')[0]!));
        encode.push('-c:v', 'gif', '-f', 'gif', '-loop', '0');
      } else {
        maps.push('-map', mapTarget(graph.pipe(tracks.v, rate, 'v')));
        const quality = recipe.quality?.kind === 'fixed' ? recipe.quality.value : 75;
        encode.push('-c:v', 'libwebp', '-lossless', '0', '-q:v', String(quality), '-f', 'webp', '-loop', '0');
      }
    } else {
      const video = recipe.video!;
      maps.push('-map', mapTarget(graph.pipe(tracks.v, finishPicture(recipe, video.codec, tracks.rate), 'v')));
      const container = recipe.output.kind === 'video' ? recipe.output.container : 'mp4';
      encode.push(...videoEncoderArgs({ video, bitRate: recipe.bitRate, quality: recipe.quality, container }));
      if (recipe.keyframeIntervalSeconds !== null && video.codec !== 'prores') encode.push(...keyframeArgs(recipe.keyframeIntervalSeconds));
    }
  } else {
    encode.push('-vn');
  }
  if (tracks.a !== null) {
    maps.push('-map', mapTarget(tracks.a));
    encode.push(...audioEncoderArgs(recipe.audio!, tracks.v === null ? recipe.bitRate : null));
  } else {
    encode.push('-an');
  }
  const muxer = kind === 'video' ? MUXERS[recipe.output.container] : kind === 'audio' ? MUXERS[recipe.output.container] : [];
  return [
    ...globalArgs(threads),
    ...inputArgs(input, recipe, options, inputs),
    ...(graph.chains.length === 0 ? [] : ['-filter_complex', graph.text()]),
    ...maps,
    ...encode,
    ...outputArgs(output, threads),
    ...muxer,
    `file:${output}`,
  ];
}

/** One frame at `at` seconds, displayed orientation, as an 8-bit RGB PNG (the image executor does the rest). */
function frameArgs(input: string, output: string, at: number, options: RecipeArgsOptions): string[] {
  const before = [...(options.threads === undefined ? [] : ['-threads', String(options.threads)]), ...(at > 0 ? ['-ss', num(at)] : [])];
  return [
    ...globalArgs(options.threads),
    ...safeInputArgs(input, { demuxer: options.inputDemuxer, before }),
    '-map',
    '0:v:0',
    '-frames:v',
    '1',
    '-an',
    ...outputArgs(output, options.threads),
    '-c:v',
    'png',
    '-pix_fmt',
    'rgb24',
    '-f',
    'image2',
    '-update',
    '1',
    `file:${output}`,
  ];
}

/** HLS segments are MPEG-TS when every rendition is H.264 with AAC/MP3 sound, fragmented MP4 otherwise. */
function hlsSegmentType(recipe: VideoRecipe, representations: VideoRecipe[]): 'mpegts' | 'fmp4' {
  const tsVideo = representations.every((rendition) => rendition.video?.codec === 'h264');
  const audio = [recipe.audio, ...representations.map((rendition) => rendition.audio)];
  const tsAudio = audio.every((sound) => sound === null || sound.codec === 'aac' || sound.codec === 'mp3');
  return tsVideo && tsAudio ? 'mpegts' : 'fmp4';
}

/**
 * The arguments that write an adaptive-streaming output (recipe.output.kind 'streaming') into the
 * directory `outputDir` (absolute, existing). Trim and effects are the streaming recipe's own (the
 * recipe builder gives it its largest rendition's), applied once before the picture is split; each
 * representation brings its geometry, fps, codec, bit rate and quality. All renditions share key frames
 * every `ki_` (default 2 s) seconds of output time, so their segments (a whole number of key-frame
 * intervals, about SEGMENT_SECONDS) line up.
 *
 * HLS: `master.m3u8` naming one playlist per rendition, `stream_<i>.m3u8`, each rendition with its own
 * copy of the sound. DASH: `manifest.mpd`, one video adaptation set and one sound. A sound-only source
 * streams its sound alone.
 */
export function streamingArgs(input: string, outputDir: string, recipe: VideoRecipe, options: RecipeArgsOptions): string[] {
  const output = recipe.output;
  if (output.kind !== 'streaming') throw new TypeError('streamingArgs writes streaming recipes only');
  assertAbsolute(outputDir);
  // The muxers expand % (and DASH $…$) in these paths.
  if (/[%$]/.test(outputDir)) throw new TypeError(`a streaming output directory may not contain % or $, got ${outputDir}`);
  const { source, threads } = options;
  if (threads !== undefined) positiveInt(threads, 'threads');
  // A sound-only source streams one sound rendition (the recipe builder then gives one representation without a picture).
  const representations = source.hasVideo ? output.representations.filter((rendition) => rendition.video !== null) : [];
  const withSound = source.hasAudio && (recipe.audio !== null || output.representations.some((rendition) => rendition.audio !== null));
  if (representations.length === 0 && !withSound) throw new TypeError('a streaming output needs a picture or a sound');
  const count = representations.length;

  const graph = new FilterGraph();
  let tracks: Tracks = {
    v: count === 0 ? null : '0:v:0',
    a: withSound ? '0:a:0' : null,
    seconds: trimmedSeconds(recipe, source),
    rate: source.frameRate,
  };
  for (const effect of recipe.effects) tracks = applyEffect(graph, tracks, effect);
  const pictures = count === 0 ? [] : count === 1 ? [tracks.v!] : graph.node([tracks.v!], `split=${count}`, count, 's');
  const renditions = representations.map((rendition, index) =>
    graph.pipe(
      pictures[index]!,
      [...rendition.geometry.flatMap(geometryFilters), ...finishPicture(rendition, rendition.video!.codec, tracks.rate)],
      'v',
    ),
  );
  // HLS: each variant carries its own copy of the sound; DASH and a sound-only stream: one sound.
  const soundCopies = output.protocol === 'hls' && count > 1 ? count : 1;
  const sounds = tracks.a === null ? [] : soundCopies === 1 ? [tracks.a] : graph.node([tracks.a], `asplit=${soundCopies}`, soundCopies, 'a');

  const keyframes = recipe.keyframeIntervalSeconds ?? representations[0]?.keyframeIntervalSeconds ?? STREAMING_KEYFRAME_SECONDS;
  const segment = keyframes * Math.max(1, Math.round(SEGMENT_SECONDS / keyframes));
  const container = output.protocol;
  const maps: string[] = [];
  const encode: string[] = [];
  renditions.forEach((pad, index) => {
    const rendition = representations[index]!;
    maps.push('-map', mapTarget(pad));
    encode.push(...videoEncoderArgs({ video: rendition.video!, bitRate: rendition.bitRate, quality: rendition.quality, container }, index));
  });
  sounds.forEach((pad, index) => {
    maps.push('-map', mapTarget(pad));
    const sound = representations[index]?.audio ?? recipe.audio ?? output.representations.find((rendition) => rendition.audio !== null)?.audio;
    encode.push(...audioEncoderArgs(sound ?? { codec: 'aac', sampleRate: null }, null, index));
  });
  encode.push(...(sounds.length === 0 ? ['-an'] : []), ...(count === 0 ? ['-vn'] : keyframeArgs(keyframes)));

  const muxer =
    output.protocol === 'hls'
      ? hlsMuxer(outputDir, hlsSegmentType(recipe, representations), segment, count, sounds.length > 0)
      : dashMuxer(outputDir, segment, count > 0, sounds.length > 0);
  return [
    ...globalArgs(threads),
    ...inputArgs(input, recipe, options),
    ...(graph.chains.length === 0 ? [] : ['-filter_complex', graph.text()]),
    ...maps,
    ...encode,
    ...outputArgs(outputDir, threads),
    ...muxer,
  ];
}

function hlsMuxer(dir: string, segmentType: 'mpegts' | 'fmp4', seconds: number, count: number, withSound: boolean): string[] {
  const names = STREAMING_NAMES.hls;
  const streamMap = count === 0 ? 'a:0' : Array.from({ length: count }, (_, index) => (withSound ? `v:${index},a:${index}` : `v:${index}`)).join(' ');
  return [
    '-f',
    'hls',
    '-hls_time',
    num(seconds),
    '-hls_playlist_type',
    'vod',
    '-hls_flags',
    'independent_segments',
    '-hls_segment_type',
    segmentType,
    ...(segmentType === 'fmp4' ? ['-hls_fmp4_init_filename', names.init] : []),
    '-hls_segment_filename',
    join(dir, `${names.segment}.${segmentType === 'fmp4' ? 'm4s' : 'ts'}`),
    '-master_pl_name',
    names.master,
    '-var_stream_map',
    streamMap,
    join(dir, names.playlist),
  ];
}

function dashMuxer(dir: string, seconds: number, withPicture: boolean, withSound: boolean): string[] {
  const sets = [...(withPicture ? ['streams=v'] : []), ...(withSound ? ['streams=a'] : [])].map((streams, index) => `id=${index},${streams}`);
  const names = STREAMING_NAMES.dash;
  return [
    '-f',
    'dash',
    '-seg_duration',
    num(seconds),
    '-use_template',
    '1',
    '-use_timeline',
    '1',
    '-adaptation_sets',
    sets.join(' '),
    '-init_seg_name',
    names.init,
    '-media_seg_name',
    names.segment,
    join(dir, names.master),
  ];
}
