// The contract between the transformation language and the video executor: what one derivative of a
// video asset asks ffmpeg to do, resolved from a plan and the asset's probed facts. Pure data: the
// media package turns a recipe into ffmpeg argument arrays (packages/media/src/video/ffmpeg-args.ts)
// and runs them; nothing downstream looks at the transformation text again.

import type { GeometryStep, Size } from './project-size.ts';
import type { TransformationPlan } from './plan.ts';

/** What a recipe needs to know about the source, from the probe stored with the asset. */
export type VideoSource = {
  /** Display size (after rotation); null for audio-only assets. */
  width: number | null;
  height: number | null;
  /** Seconds. */
  duration: number;
  /** Frames per second of the picture stream; null when unknown or audio-only. */
  frameRate: number | null;
  hasVideo: boolean;
  hasAudio: boolean;
};

export const VIDEO_CONTAINERS = ['mp4', 'webm', 'mov', 'ogv', 'mkv'] as const;
export type VideoContainer = (typeof VIDEO_CONTAINERS)[number];
export const AUDIO_CONTAINERS = ['mp3', 'm4a', 'ogg', 'wav', 'flac'] as const;
export type AudioContainer = (typeof AUDIO_CONTAINERS)[number];
export const VIDEO_CODECS = ['h264', 'h265', 'vp8', 'vp9', 'theora', 'prores'] as const;
export type VideoCodecName = (typeof VIDEO_CODECS)[number];
export const AUDIO_CODECS = ['aac', 'mp3', 'opus', 'vorbis', 'flac', 'pcm_s16le'] as const;
export type AudioCodecName = (typeof AUDIO_CODECS)[number];
/** Still formats a frame of a video is delivered in (the image executor encodes them). */
export type FrameFormat = 'jpg' | 'png' | 'webp' | 'avif' | 'gif';

/** Video effects, resolved to what the filter needs (defaults applied by the recipe builder). */
export type VideoEffect =
  /** e_volume: gain factor (1 = unchanged, 0 = mute; `e_volume:50` → 1.5, `e_volume:-50` → 0.5, `e_volume:5db` → 10^(5/20)). */
  | { name: 'volume'; factor: number }
  /** e_reverse: plays backwards (picture and sound). */
  | { name: 'reverse' }
  /** e_accelerate:<-50..100>: speed factor 1 + percent/100 (picture and sound). */
  | { name: 'accelerate'; factor: number }
  /** e_loop[:n]: the (trimmed) clip plays 1 + extra times. */
  | { name: 'loop'; extra: number }
  /** e_boomerang: forward then backwards. */
  | { name: 'boomerang' }
  /** e_fade[:ms]: fade in at the start (ms > 0) or out at the end (ms < 0 given; durationMs positive here). */
  | { name: 'fade'; direction: 'in' | 'out'; durationMs: number }
  /** e_preview: a summary of `durationSeconds`, made of up to `maxSegments` evenly spread segments. */
  | { name: 'preview'; durationSeconds: number; maxSegments: number; minSegmentSeconds: number };

export type RecipeOutput =
  | { kind: 'video'; container: VideoContainer }
  | { kind: 'audio'; container: AudioContainer }
  /** A video as an animated image (gif, or webp with fl_awebp/fl_animated); `sampling` is vs_. */
  | { kind: 'animation'; format: 'gif' | 'webp'; sampling: { kind: 'seconds' | 'frames'; value: number } | null }
  /**
   * One still frame at `at` seconds, extracted at the display size (no geometry in the recipe): the
   * image executor then runs `imagePlan` (the plan without its video parameters) and encodes `format`.
   */
  | { kind: 'frame'; at: number; format: FrameFormat; imagePlan: TransformationPlan }
  /** Adaptive streaming: one rendition per representation (each a recipe of kind 'video'), packaged as HLS or DASH. */
  | { kind: 'streaming'; protocol: 'hls' | 'dash'; profile: string; representations: VideoRecipe[] };

export type VideoRecipe = {
  output: RecipeOutput;
  /** The part of the source kept, in seconds: [start, end); end null = to the end. From so_/eo_/du_. */
  trim: { start: number; end: number | null };
  /** Size steps over the display-oriented picture (componentGeometry of each component, in order); [] for none. */
  geometry: GeometryStep[];
  /** The picture's size after the geometry; null when the output has no picture. For a frame: the display size (the frame as extracted). */
  size: Size | null;
  /**
   * null: no video stream for a video codec to encode: vc_none, an audio output, an audio-only source,
   * and the frame and animation outputs (their picture is encoded in the output's image format; `size`
   * says there is one).
   */
  video: { codec: VideoCodecName; profile: string | null; level: string | null } | null;
  /** null: no sound in the output (ac_none, animation, frame, silent source). `sampleRate` from af_ (null: keep). */
  audio: { codec: AudioCodecName; sampleRate: number | null } | null;
  /** br_: bits per second; constant for `br_<n>:constant`. */
  bitRate: { bitsPerSecond: number; constant: boolean } | null;
  /** q_: fixed 1..100 or auto (level null = good). */
  quality: { kind: 'fixed'; value: number } | { kind: 'auto'; level: 'best' | 'good' | 'eco' | 'low' | null } | null;
  /** fps_: a fixed rate (min === max) or a range (max null = open); null keeps the source's rate. */
  fps: { min: number; max: number | null } | null;
  /** ki_: seconds between keyframes. */
  keyframeIntervalSeconds: number | null;
  /** In the order the components gave them. */
  effects: VideoEffect[];
};
