import { execFile } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

// Small video and audio files made with the system's ffmpeg (testsrc2 and sine) the first time a test
// asks for them, and kept in a temporary folder shared by every test process: a name's file is written
// under a temporary name and renamed, so two processes making it at once both end with a whole file.
// The folder's name carries a hash of the recipes below, so changing a recipe makes new files.

const run = promisify(execFile);

/** How a fixture is made: ffmpeg's arguments (the output path is appended), or a function given the other fixtures. */
type Recipe = { file: string; args?: string[]; make?: (target: string, fixture: (name: 'mp4') => Promise<string>) => Promise<void> };

const FFMPEG = ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y'];
const picture = (seconds: number, size = '320x240', rate = 25): string[] => [
  '-f',
  'lavfi',
  '-i',
  `testsrc2=size=${size}:rate=${rate}:duration=${seconds}`,
];
const tone = (seconds: number, rate = 44100): string[] => ['-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=${rate}:duration=${seconds}`];
const x264 = ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p'];
const aac = ['-c:a', 'aac', '-ac', '2', '-b:a', '96k'];

const RECIPES = {
  /** 2 s, 320x240 at 25 fps, h264 (Constrained Baseline) + stereo aac 44.1 kHz. */
  mp4: { file: 'mp4.mp4', args: [...picture(2), ...tone(2), ...x264, ...aac, '-shortest', '-f', 'mp4'] },
  mov: { file: 'mov.mov', args: [...picture(1), ...tone(1), ...x264, ...aac, '-shortest', '-f', 'mov'] },
  /** vp9 + opus (48 kHz): the container reports no frame count. */
  webm: {
    file: 'webm.webm',
    args: [
      ...picture(1),
      ...tone(1, 48000),
      '-c:v',
      'libvpx-vp9',
      '-deadline',
      'realtime',
      '-cpu-used',
      '8',
      '-b:v',
      '300k',
      '-c:a',
      'libopus',
      '-f',
      'webm',
    ],
  },
  mkv: { file: 'mkv.mkv', args: [...picture(1), ...tone(1), ...x264, '-c:a', 'libvorbis', '-f', 'matroska'] },
  avi: { file: 'avi.avi', args: [...picture(1), ...tone(1), '-c:v', 'mpeg4', '-q:v', '5', '-c:a', 'libmp3lame', '-f', 'avi'] },
  /** Animated GIF, 160x120, 10 frames at 10 fps. */
  gif: { file: 'gif.gif', args: [...picture(1, '160x120', 10), '-f', 'gif'] },
  mp3: { file: 'mp3.mp3', args: [...tone(1), '-ac', '2', '-c:a', 'libmp3lame', '-b:a', '128k', '-f', 'mp3'] },
  /** An mp3 with a PNG cover (an attached_pic video stream): still audio-only. */
  'mp3-cover': {
    file: 'mp3-cover.mp3',
    args: [
      ...tone(1),
      ...picture(0.04, '64x64', 25),
      '-map',
      '0:a',
      '-map',
      '1:v',
      '-frames:v',
      '1',
      '-c:a',
      'libmp3lame',
      '-c:v',
      'png',
      '-disposition:v:0',
      'attached_pic',
      '-id3v2_version',
      '3',
      '-f',
      'mp3',
    ],
  },
  m4a: { file: 'm4a.m4a', args: [...tone(1), ...aac, '-f', 'ipod'] },
  wav: { file: 'wav.wav', args: [...tone(1), '-c:a', 'pcm_s16le', '-f', 'wav'] },
  /** Opus in Ogg. */
  ogg: { file: 'ogg.ogg', args: [...tone(1, 48000), '-c:a', 'libopus', '-f', 'ogg'] },
  flac: { file: 'flac.flac', args: [...tone(1), '-c:a', 'flac', '-f', 'flac'] },
  /**
   * The mp4 with a display matrix that turns it 90° clockwise (a phone held upright): ffprobe reports the
   * matrix's rotation as -90, Cloudinary's `rotation` is 90, and the displayed size is 240x320. ffmpeg 5.1
   * writes the `rotate` tag as a counter-clockwise angle, hence 270 (ffmpeg 6 has -display_rotation).
   */
  rotated: { file: 'rotated.mp4', make: copyWithRotateTag },
  /** Variable frame rate: 30 fps with frames dropped unevenly, written with the frame timestamps kept. */
  vfr: {
    file: 'vfr.mp4',
    args: [...picture(2, '320x240', 30), '-vf', "select='lt(mod(n,10),6)+lt(n,15)'", '-fps_mode', 'vfr', ...x264, '-f', 'mp4'],
  },
  /** Picture only, no audio stream. */
  silent: { file: 'silent.mp4', args: [...picture(1), ...x264, '-f', 'mp4'] },
  /** 10-bit h264 (High 10, yuv420p10le). */
  '10bit': { file: '10bit.mp4', args: [...picture(1), '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p10le', '-f', 'mp4'] },
  /** 321x241: odd sides, in h264 4:4:4 (4:2:0 needs even sides). */
  odd: {
    file: 'odd.mp4',
    args: [...picture(1), '-vf', 'scale=321:241', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv444p', '-f', 'mp4'],
  },
  /** The first half of the mp4's bytes: its index (moov, written last) is gone. */
  truncated: { file: 'truncated.mp4', make: async (target, fixture) => writeFile(target, halfOf(await readFile(await fixture('mp4')))) },
  /** Plain text under a video name. */
  text: { file: 'text.mp4', make: (target) => writeFile(target, 'This is a text file, not a video.\n'.repeat(40)) },
  empty: { file: 'empty.mp4', make: (target) => writeFile(target, '') },
  /**
   * An AVI whose headers claim 20000x12000 raw frames (240 megapixels; one 8x8 frame inside), found without
   * decoding anything. (ffmpeg itself refuses sizes whose (w+128)×(h+128) reaches 2^28, so 20000x20000 would
   * probe as 0x0.)
   */
  huge: { file: 'huge.avi', make: hugeAvi },
} satisfies Record<string, Recipe>;

export type VideoFixtureName = keyof typeof RECIPES;
export const VIDEO_FIXTURE_NAMES = Object.keys(RECIPES) as VideoFixtureName[];

const VERSION = createHash('sha256')
  .update(JSON.stringify(RECIPES, (_key, value: unknown) => (typeof value === 'function' ? value.toString() : value)))
  .digest('hex')
  .slice(0, 12);
const CACHE_DIR = join(tmpdir(), `rendition-video-fixtures-${VERSION}`);
const made = new Map<VideoFixtureName, Promise<string>>();

/** The path of a generated fixture (see RECIPES), made on first use and cached across test processes. */
export function videoFixture(name: VideoFixtureName): Promise<string> {
  const recipe: Recipe | undefined = RECIPES[name];
  if (recipe === undefined) return Promise.reject(new Error(`no video fixture named ${name}`));
  let pending = made.get(name);
  if (pending === undefined) {
    pending = makeOnce(recipe);
    pending.catch(() => made.delete(name));
    made.set(name, pending);
  }
  return pending;
}

async function makeOnce(recipe: Recipe): Promise<string> {
  const target = join(CACHE_DIR, recipe.file);
  if (await exists(target)) return target;
  await mkdir(CACHE_DIR, { recursive: true });
  const partial = join(CACHE_DIR, `.${randomUUID()}.${recipe.file}`);
  try {
    if (recipe.args !== undefined) await run('ffmpeg', [...FFMPEG, ...recipe.args, partial]);
    else await recipe.make!(partial, videoFixture);
    await rename(partial, target);
  } finally {
    await rm(partial, { force: true });
  }
  return target;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

async function copyWithRotateTag(target: string, fixture: (name: 'mp4') => Promise<string>): Promise<void> {
  const source = await fixture('mp4');
  await run('ffmpeg', [...FFMPEG, '-i', source, '-map', '0', '-c', 'copy', '-metadata:s:v:0', 'rotate=270', '-f', 'mp4', target]);
}

function halfOf(bytes: Buffer): Buffer {
  return bytes.subarray(0, Math.floor(bytes.length / 2));
}

/** A one-frame 8x8 rawvideo AVI, then its main header (avih) and stream format (strf) patched to 20000x12000. */
async function hugeAvi(target: string): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'rendition-huge-'));
  try {
    const small = join(dir, 'small.avi');
    await run('ffmpeg', [...FFMPEG, ...picture(0.04, '8x8'), '-frames:v', '1', '-c:v', 'rawvideo', '-pix_fmt', 'bgr24', '-f', 'avi', small]);
    const bytes = await readFile(small);
    const avih = bytes.indexOf('avih');
    const strf = bytes.indexOf('strf');
    if (avih < 0 || strf < 0) throw new Error('unexpected AVI layout');
    // avih: size, then 8 dwords before dwWidth, dwHeight. strf: size, then biSize, biWidth, biHeight.
    for (const offset of [avih + 8 + 32, strf + 8 + 4]) bytes.writeInt32LE(20000, offset);
    for (const offset of [avih + 8 + 36, strf + 8 + 8]) bytes.writeInt32LE(12000, offset);
    await writeFile(target, bytes);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export type HostileVideoKind = 'hls' | 'ffconcat' | 'dash';

/**
 * A text file a demuxer would follow to other places: an HLS playlist, an ffconcat list or a DASH
 * manifest naming `url` (e.g. a local test server's http://127.0.0.1:<port>/) and /etc/passwd. Written
 * under a video name (`.mp4`) into a fresh temporary folder; the caller removes it when done.
 */
export async function hostileVideoFile(kind: HostileVideoKind, url: string): Promise<string> {
  const base = url.endsWith('/') ? url : `${url}/`;
  const dir = await mkdtemp(join(tmpdir(), 'rendition-hostile-'));
  const path = join(dir, `${kind}.mp4`);
  const text = {
    hls: [
      '#EXTM3U',
      '#EXT-X-VERSION:3',
      '#EXT-X-TARGETDURATION:4',
      '#EXT-X-MEDIA-SEQUENCE:0',
      '#EXTINF:4.0,',
      `${base}segment0.ts`,
      '#EXTINF:4.0,',
      '/etc/passwd',
      '#EXTINF:4.0,',
      'file:///etc/passwd',
      '#EXT-X-ENDLIST',
      '',
    ],
    ffconcat: ['ffconcat version 1.0', `file '${base}clip.mp4'`, "file '/etc/passwd'", 'file /etc/hostname', ''],
    dash: [
      '<?xml version="1.0" encoding="utf-8"?>',
      '<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" mediaPresentationDuration="PT4S" minBufferTime="PT2S" profiles="urn:mpeg:dash:profile:isoff-on-demand:2011">',
      `  <BaseURL>${base}</BaseURL>`,
      '  <Period><AdaptationSet mimeType="video/mp4"><Representation id="1" bandwidth="1000" width="320" height="240" codecs="avc1.42c00d">',
      '    <BaseURL>video.mp4</BaseURL><SegmentBase indexRange="0-100"/>',
      '  </Representation></AdaptationSet></Period>',
      '</MPD>',
      '',
    ],
  }[kind].join('\n');
  await writeFile(path, text);
  return path;
}
