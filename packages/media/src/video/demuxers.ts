// The only container demuxers ffmpeg and ffprobe may use on a file of ours (`-format_whitelist`).
//
// Some demuxers read other files or URLs named inside the input: hls (a playlist's segments), concat /
// ffconcat (a list of files), dash (a manifest's BaseURL), image2 (a file-name pattern), sdp/rtp, tee,
// and text formats such as tty. None of them is listed here, so a crafted playlist that points at
// http://169.254.169.254/ or /etc/passwd is refused before its header is read: ffmpeg probes the
// bytes, finds "hls", and stops with "Format not on whitelist". The listed demuxers read only the
// file they are given (mov's external data references stay off: `enable_drefs` defaults to false).
// `-protocol_whitelist file,pipe` is the second lock (ffprobe-args.ts).

/** ffmpeg's demuxer names (a demuxer called `mov,mp4,m4a,3gp,3g2,mj2` is matched by any of its names). */
export const SAFE_DEMUXERS = [
  'mov',
  'mp4',
  'm4a',
  '3gp',
  '3g2',
  'mj2',
  'matroska',
  'webm',
  'avi',
  'flv',
  'ogg',
  'mp3',
  'wav',
  'flac',
  'aac',
  'aiff',
  'amr',
  'mpeg',
  'mpegts',
  'mxf',
  'gif',
] as const;
export type SafeDemuxer = (typeof SAFE_DEMUXERS)[number];

/** The `-format_whitelist` value. */
export const DEMUXER_WHITELIST = SAFE_DEMUXERS.join(',');

/**
 * Rendition's detected format names (detectMediaType's `format` for video and audio) → the ffmpeg
 * demuxer that reads them, so that a caller can force the demuxer (`-f`) instead of letting ffmpeg
 * guess from the bytes.
 */
export const DEMUXER_BY_FORMAT: Readonly<Record<string, SafeDemuxer>> = {
  mp4: 'mov',
  mov: 'mov',
  m4v: 'mov',
  m4a: 'mov',
  '3gp': 'mov',
  '3g2': 'mov',
  webm: 'matroska',
  mkv: 'matroska',
  avi: 'avi',
  flv: 'flv',
  ogv: 'ogg',
  ogg: 'ogg',
  opus: 'ogg',
  mpeg: 'mpeg',
  ts: 'mpegts',
  mxf: 'mxf',
  mp3: 'mp3',
  wav: 'wav',
  flac: 'flac',
  aac: 'aac',
  aiff: 'aiff',
  amr: 'amr',
  gif: 'gif',
};

/** The demuxer for a detected format, or undefined for a format ffmpeg is not allowed to read. */
export function demuxerForFormat(format: string): SafeDemuxer | undefined {
  return Object.hasOwn(DEMUXER_BY_FORMAT, format) ? DEMUXER_BY_FORMAT[format] : undefined;
}

export function isSafeDemuxer(name: string): name is SafeDemuxer {
  return (SAFE_DEMUXERS as readonly string[]).includes(name);
}
