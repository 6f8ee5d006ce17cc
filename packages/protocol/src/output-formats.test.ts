import { describe, expect, it } from 'vitest';
import {
  AUDIO_OUTPUT_FORMATS,
  IMAGE_OUTPUT_FORMATS,
  isImageOutputFormat,
  isOutputFormat,
  isVideoOutputFormat,
  normalizeFormat,
  OUTPUT_FORMATS,
  STREAMING_OUTPUT_FORMATS,
  VIDEO_CONTAINER_FORMATS,
  VIDEO_OUTPUT_FORMATS,
} from './output-formats.ts';

describe('output formats', () => {
  it('lists the five image formats in f_ order', () => {
    expect(IMAGE_OUTPUT_FORMATS).toEqual(['jpg', 'png', 'webp', 'avif', 'gif']);
  });

  it('lists the video, audio and streaming outputs', () => {
    expect(VIDEO_CONTAINER_FORMATS).toEqual(['mp4', 'webm', 'mov', 'ogv', 'mkv']);
    expect(AUDIO_OUTPUT_FORMATS).toEqual(['mp3', 'm4a', 'ogg', 'wav', 'flac']);
    expect(STREAMING_OUTPUT_FORMATS).toEqual(['m3u8', 'mpd']);
  });

  it('OUTPUT_FORMATS is the union, image formats first, without duplicates', () => {
    expect(OUTPUT_FORMATS.slice(0, 5)).toEqual([...IMAGE_OUTPUT_FORMATS]);
    expect(new Set(OUTPUT_FORMATS).size).toBe(OUTPUT_FORMATS.length);
    expect(new Set(OUTPUT_FORMATS)).toEqual(new Set([...IMAGE_OUTPUT_FORMATS, ...VIDEO_OUTPUT_FORMATS]));
  });

  it('a video asset may be delivered in every output format (image formats: a frame or an animation)', () => {
    expect(new Set(VIDEO_OUTPUT_FORMATS)).toEqual(new Set(OUTPUT_FORMATS));
  });

  it.each([
    ['jpg', true, true, true],
    ['png', true, true, true],
    ['webp', true, true, true],
    ['avif', true, true, true],
    ['gif', true, true, true],
    ['mp4', true, false, true],
    ['webm', true, false, true],
    ['mov', true, false, true],
    ['ogv', true, false, true],
    ['mkv', true, false, true],
    ['mp3', true, false, true],
    ['m4a', true, false, true],
    ['ogg', true, false, true],
    ['wav', true, false, true],
    ['flac', true, false, true],
    ['m3u8', true, false, true],
    ['mpd', true, false, true],
    ['jpeg', false, false, false],
    ['JPG', false, false, false],
    ['MP4', false, false, false],
    ['tiff', false, false, false],
    ['avi', false, false, false],
    ['auto', false, false, false],
    ['', false, false, false],
    ['constructor', false, false, false],
  ])('%j: output %s, image %s, video %s', (format, output, image, video) => {
    expect(isOutputFormat(format)).toBe(output);
    expect(isImageOutputFormat(format)).toBe(image);
    expect(isVideoOutputFormat(format)).toBe(video);
  });

  it.each([
    ['jpg', 'jpg'],
    ['jpeg', 'jpg'],
    ['jpe', 'jpg'],
    ['JPEG', 'jpg'],
    ['Jpe', 'jpg'],
    ['tif', 'tiff'],
    ['TIF', 'tiff'],
    ['tiff', 'tiff'],
    ['png', 'png'],
    ['WEBP', 'webp'],
    ['heic', 'heic'],
    ['mp4', 'mp4'],
    ['M3U8', 'm3u8'],
    ['', ''],
    ['constructor', 'constructor'],
    ['__proto__', '__proto__'],
  ])('normalizeFormat(%j) → %j', (format, expected) => {
    expect(normalizeFormat(format)).toBe(expected);
  });
});
